"""Planted bug: counts only the handler's own log lines, not Lambda's START/END/REPORT lines. Caught by: pipeline-logs."""

REPLACE = [
    ("""\
        ingested = sum(len(e["message"].encode("utf-8")) for e in events)
""",
     """\
        ingested = sum(len(e["message"].encode("utf-8")) for e in events
                       if not e["message"].startswith(("START", "END", "REPORT")))
"""),
]
