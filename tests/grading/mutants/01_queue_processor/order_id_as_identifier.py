"""Planted bug: reports the order id instead of the SQS messageId; Lambda treats an unknown
itemIdentifier as a failure of the whole batch. Caught by: reports-failures."""

REPLACE = [
    ("""\
            failures.append({"itemIdentifier": record["messageId"]})
""",
     """\
            failures.append({"itemIdentifier": json.loads(record["body"])["id"]})
"""),
]
