"""Planted bug: the function gets 3,008 MB: the worker waits on the warehouse just as long,
and every millisecond is billed at twelve times the rate.
Caught by: bill-within-budget."""

REPLACE = [
    ("""\
            "memory_mb": 256}
""",
     """\
            "memory_mb": 3008}
"""),
]
