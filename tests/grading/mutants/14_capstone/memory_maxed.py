"""Planted bug: the function gets 10,240 MB (the setting of a data-processing function, copied
over): the worker waits on the warehouse just as long, and every millisecond is billed at
forty times the rate.
Caught by: bill-within-budget."""

REPLACE = [
    ("""\
            "memory_mb": 256}
""",
     """\
            "memory_mb": 10240}
"""),
]
