"""Planted bug: every status from 400 up is retried, 400 and 409 included: requests that can
never succeed are sent max_attempts times. Caught by: no-retry-client-errors."""

REPLACE = [
    ("""\
        if status not in RETRYABLE or attempt == max_attempts - 1:
""",
     """\
        if status < 400 or attempt == max_attempts - 1:
"""),
]
