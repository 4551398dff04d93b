"""Wrong design: "more memory is more CPU, so the worker finishes sooner and costs about the
same": 3,008 MB. The worker spends its time waiting on the warehouse and the payments API, not
computing, so its durations barely change and every millisecond is billed at almost twelve
times the rate.
Caught by: bill-within-budget."""

REPLACE = [
    ("""\
            "memory_mb": 256}
""",
     """\
            "memory_mb": 3008}
"""),
]
