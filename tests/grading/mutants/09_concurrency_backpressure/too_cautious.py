"""Planted bug: the smallest MaximumConcurrency AWS accepts, whatever the downstream can take: never
overloads it, but drains the backlog far too slowly. Caught by: drained-in-time."""

REPLACE = [
    ("""\
    return capacity // connections_per_execution      # whole executions: round down, never up
""",
     """\
    return 2                                          # the minimum AWS accepts: surely safe
"""),
]
