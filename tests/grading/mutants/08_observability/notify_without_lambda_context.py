"""Planted bug: notify is not decorated with @logger.inject_lambda_context: its lines are JSON
and carry the correlation id, but not the Lambda request id, so none of them can be tied to its
invocation (its REPORT line, the runtime's report of its error).
Caught by: json-lines."""

REPLACE = [
    ("""\
@logger.inject_lambda_context
def notify(event, context):
""",
     """\
def notify(event, context):
"""),
]
