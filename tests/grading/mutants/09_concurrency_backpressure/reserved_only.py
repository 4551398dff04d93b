"""Planted bug: caps the function with reserved concurrency but leaves the mapping unlimited: the
pollers outrun the reservation, and every throttled batch waits out its visibility timeout.
Caught by: drained-in-time."""

REPLACE = [
    ("""\
    # tasks 1 and 3: the mapping at the limit (<= reserved, so its pollers are never throttled)
""",
     """\
    # the mapping: no ScalingConfig, the reservation alone is meant to cap it
"""),
    ("""\
        FunctionResponseTypes=["ReportBatchItemFailures"],
        ScalingConfig={"MaximumConcurrency": limit})
""",
     """\
        FunctionResponseTypes=["ReportBatchItemFailures"])
"""),
]
