"""Wrong design, tuned to what the learner can see: MaximumConcurrency 4, the public schedule's
warehouse capacity, written as a constant. It passes every public check; under a hidden
schedule whose warehouse has fewer slots, four executions at once overload it.
Caught by: warehouse-not-overloaded."""

REPLACE = [
    ("""\
            "maximum_concurrency": max(2, event["warehouse_capacity"]),
""",
     """\
            "maximum_concurrency": 4,
"""),
]
