"""Planted bug: only 429 is retried: a 503 (the gateway gave up on a status read) is returned
at once, though another try would succeed. Caught by: retries-throttled."""

REPLACE = [
    ("""\
RETRYABLE = (429, 503)
""",
     """\
RETRYABLE = (429,)
"""),
]
