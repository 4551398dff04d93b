"""Planted bug: a bad order's exception escapes, failing the whole batch.
Caught by: reports-failures."""

REPLACE = [
    ("""\
        try:
            process(json.loads(record["body"]))
        except BadOrder:
            failures.append({"itemIdentifier": record["messageId"]})
""",
     """\
        process(json.loads(record["body"]))
"""),
]
