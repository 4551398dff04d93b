"""Planted bug: the runbook redrives without deploying the fix first: the redriven EU orders fail
again and are parked again.
Caught by: redrive-reprocesses."""

REPLACE = [
    ("""\
    lam = boto3.client("lambda")
    name = event["function_name"]
    current = lam.get_function_configuration(FunctionName=name)
    variables = {**current.get("Environment", {}).get("Variables", {}), "BUG_FIXED": "1"}
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)   # the fix is live
""",
     """\
    # BUG: no fix deployed before the move
"""),
]
