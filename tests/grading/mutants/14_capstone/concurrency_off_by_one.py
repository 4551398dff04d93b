"""Planted bug: one execution more than the warehouse has connection slots.
Caught by: warehouse-not-overloaded."""

REPLACE = [
    ("""\
            "maximum_concurrency": max(2, event["warehouse_capacity"]),
""",
     """\
            "maximum_concurrency": max(2, event["warehouse_capacity"]) + 1,
"""),
]
