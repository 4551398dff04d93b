"""Planted bug: the job counts as complete at total_chunks - 1 (the last chunk's *index*, not the
number of chunks): the worker of the next-to-last chunk publishes a report that misses the last
chunk's flights, and the last chunk, finding the report out, publishes nothing.
Caught by: one-report."""

REPLACE = [
    ("""\
    if int(item["completed"]["N"]) < int(item["total_chunks"]["N"]):
""",
     """\
    if int(item["completed"]["N"]) < int(item["total_chunks"]["N"]) - 1:   # BUG: chunks count from 0
"""),
]
