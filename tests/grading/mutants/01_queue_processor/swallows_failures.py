"""Planted bug: a bad order is caught and forgotten, so it is deleted, never retried or
dead-lettered. Caught by: reports-failures."""

REPLACE = [
    ("""\
            failures.append({"itemIdentifier": record["messageId"]})
""",
     """\
            pass  # logged somewhere, maybe
"""),
]
