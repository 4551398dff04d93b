"""Wrong design: the mapping's limit is derived right (capacity // connections), but for task 2
the student reads "reserved concurrency protects the downstream" and reserves the downstream's
capacity: ReservedConcurrentExecutions = downstream_capacity. That counts connections, not
executions: the reservation lets a replay job invoking the worker directly add executions on
top of the mapping's until the downstream holds a multiple of its connection slots, and it
answers with overload errors.
Caught by: no-overload-errors."""

REPLACE = [
    ("""\
    lam.put_function_concurrency(FunctionName=event["function_name"],
                                 ReservedConcurrentExecutions=limit)
""",
     """\
    lam.put_function_concurrency(FunctionName=event["function_name"],
                                 ReservedConcurrentExecutions=event["downstream_capacity"])
"""),
]
