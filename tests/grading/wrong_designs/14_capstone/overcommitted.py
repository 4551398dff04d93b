"""Wrong design: "an execution spends half its time on the payments API and the orders table,
so twice as many executions as the warehouse has slots will fit": MaximumConcurrency at twice
the capacity. Whenever the executions meet at the warehouse, it refuses them; and a
configuration that allows more than the slots is an overload waiting for a slow day.
Caught by: warehouse-not-overloaded."""

REPLACE = [
    ("""\
            "maximum_concurrency": max(2, event["warehouse_capacity"]),
""",
     """\
            "maximum_concurrency": 2 * event["warehouse_capacity"],
"""),
]
