"""Wrong design: the student follows the Lambda best practice "initialize database connections
outside of the function handler" to the letter: the connection is opened once, in module code
(init), and connection() hands back that one for the environment's whole life. Reuse looks
perfect until the server ends the connection (a failover, a restart, an idle timeout): module
code never runs again in a warm environment, so every later request of that environment fails
on a closed connection until Lambda happens to retire it.
Caught by: reconnects-after-failover."""

REPLACE = [
    ("""\
_connection = None      # the execution environment's one connection, kept between invocations
""",
     """\
_connection = connect()   # init: opened once per execution environment, outside the handler
"""),
    ("""\
    global _connection
    if _connection is not None:
        try:
            _connection.run("SELECT 1")       # still open? the server may have closed it
            return _connection
        except Exception:
            _connection = None                # a failover, a restart, an idle timeout
    _connection = connect()
    return _connection
""",
     """\
    return _connection
"""),
]
