"""Planted bug: the client and the configuration are still created on every invocation.
Caught by: init-once."""

REPLACE = [
    ("""\
    rates = current_config()
""",
     """\
    rates = load_config(boto3.client("ssm"))   # every invocation pays for it
"""),
]
