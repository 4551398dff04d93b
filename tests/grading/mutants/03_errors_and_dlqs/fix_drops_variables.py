"""Planted bug: the fix is deployed with Environment={'Variables': {'BUG_FIXED': '1'}}, which
replaces every other variable: the handler loses DLQ_URL and PAYMENTS_TABLE, and the redriven
orders cannot be processed.
Caught by: redrive-reprocesses."""

REPLACE = [
    ("""\
    variables = {**current.get("Environment", {}).get("Variables", {}), "BUG_FIXED": "1"}
""",
     """\
    variables = {"BUG_FIXED": "1"}   # BUG: Environment replaces all the variables
"""),
]
