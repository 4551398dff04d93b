"""Wrong design: "you pay for what you use" - the student prices each REPORT line's Billed
Duration at its Max Memory Used instead of its Memory Size. Lambda bills the memory configured
for the function, whatever the handler touched: a 512 MB function that peaks at 50 MB is
billed for 512 MB, so the Lambda part of the bill comes out several times too low.
Caught by: pipeline-lambda."""

REPLACE = [
    ("""\
            gb_seconds += billed_ms / 1000 * r["memory_mb"] / 1024
""",
     """\
            gb_seconds += billed_ms / 1000 * r["max_memory_mb"] / 1024   # memory actually used
"""),
]
