"""Planted bug: connection() returns the kept connection without checking that it is still open:
after a failover ends it, every invocation of that environment fails. Caught by:
reconnects-after-failover."""

REPLACE = [
    ("""\
        try:
            _connection.run("SELECT 1")       # still open? the server may have closed it
            return _connection
        except Exception:
            _connection = None                # a failover, a restart, an idle timeout
""",
     """\
        return _connection
"""),
]
