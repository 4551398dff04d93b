"""Planted bug: rounds capacity / connections up, so one execution more than the slots allow.
Caught by: peak-within-limit."""

REPLACE = [
    ("""\
    return capacity // connections_per_execution      # whole executions: round down, never up
""",
     """\
    return -(-capacity // connections_per_execution)  # round up
"""),
]
