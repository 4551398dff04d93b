"""Planted bug: connection() keeps the connection in the module variable but opens a new one on
every call anyway: one connection per invocation. Caught by: one-connection-per-environment."""

REPLACE = [
    ("""\
    global _connection
    if _connection is not None:
""",
     """\
    global _connection
    if False:
"""),
]
