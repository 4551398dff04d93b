"""Planted bug: the partial result is stored under part = f"chunk-{chunk}" instead of the
zero-padded f"chunk-{chunk:05d}" the results table's layout asks for: chunk 7 is "chunk-7", not
"chunk-00007". The report still adds up (it queries every part of the job), but a reader of the
layout finds no partial for any chunk, and "chunk-10" sorts before "chunk-2".
Caught by: chunk-partials."""

REPLACE = [
    ("""\
        "job": {"S": job}, "part": {"S": f"chunk-{chunk:05d}"}, "result": {"S": json.dumps(totals)}})
""",
     """\
        "job": {"S": job}, "part": {"S": f"chunk-{chunk}"}, "result": {"S": json.dumps(totals)}})
"""),
]
