"""Planted bug: caps the mapping only, so a replay job invoking the worker directly adds executions
on top of MaximumConcurrency. Caught by: no-overload-errors."""

REPLACE = [
    ("""\
    # task 2: reserved concurrency caps every caller of the worker, not only the mapping
    lam.put_function_concurrency(FunctionName=event["function_name"],
                                 ReservedConcurrentExecutions=limit)
""",
     ""),
]
