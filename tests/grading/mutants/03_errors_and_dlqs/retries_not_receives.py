"""Planted bug: maxReceiveCount is set to the number of retries, forgetting that the first
attempt is a receive too: a failing message gets one attempt fewer than asked.
Caught by: poison-max-receives."""

REPLACE = [
    ("""\
                                     "maxReceiveCount": event["retries"] + 1})})
""",
     """\
                                     "maxReceiveCount": event["retries"]})})
"""),
]
