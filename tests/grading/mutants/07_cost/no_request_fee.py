"""Planted bug: the pipeline bill leaves out the $0.20 per million requests. Caught by: pipeline-lambda."""

REPLACE = [
    ("""\
        lambda_usd += monthly * REQUEST_USD + gb_seconds * scale * GB_SECOND_USD["x86_64"]
""",
     """\
        lambda_usd += gb_seconds * scale * GB_SECOND_USD["x86_64"]
"""),
]
