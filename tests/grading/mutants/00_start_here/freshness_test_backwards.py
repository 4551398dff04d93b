"""Planted bug: the cache's age test is inverted, so a fresh configuration is loaded again
on every call (and a stale one would be kept). Caught by: init-once."""

REPLACE = [
    ("""\
    if time.time() - loaded_at > TTL_S:
""",
     """\
    if time.time() - loaded_at < TTL_S:
"""),
]
