"""Planted bug: the mapping lacks FunctionResponseTypes, so Lambda ignores the reported
failures and deletes bad orders with the batch. Caught by: configuration."""

REPLACE = [
    ("""\
        FunctionResponseTypes=["ReportBatchItemFailures"])
""",
     """\
)
"""),
]
