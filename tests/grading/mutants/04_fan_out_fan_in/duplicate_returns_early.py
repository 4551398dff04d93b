"""Planted bug: a chunk already counted is treated as a harmless duplicate, so when the
worker that completed the job failed before publishing, its redelivery publishes nothing.
Caught by: failed-after-counting."""

REPLACE = [
    ("""\
        # counted before (a duplicate, or a redelivery after a failure): fall through, since
        # the delivery that completed the job may have failed before publishing
""",
     """\
        return False   # counted before: assumed to be a harmless duplicate
"""),
]
