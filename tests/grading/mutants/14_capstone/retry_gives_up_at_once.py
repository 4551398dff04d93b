"""Planted bug: a wrong comparison makes the retry give up on the first transient failure, so
every order the payments API fails once waits a whole visibility timeout for SQS to hand it
out again.
Caught by: latency-slo."""

REPLACE = [
    ("""\
            if attempt == attempts - 1:
                raise TryLater("still unavailable") from None
""",
     """\
            if attempt >= 0:
                raise TryLater("still unavailable") from None
"""),
]
