"""Planted bug: the key condition ends at the last day's prefix, so the orders dated on the last
day of the range (their sort keys go on past it) are left out. Caught by: range-without-scan."""

REPLACE = [
    ("""\
                  ":end": {"S": f"ORDER#{event['to']}#~"}}}     # "~" sorts after any order id
""",
     """\
                  ":end": {"S": f"ORDER#{event['to']}"}}}
"""),
]
