"""Wrong design: "1,769 MB gives the function a full vCPU, so it finishes sooner and costs the
same": the worker spends its time waiting on the warehouse and the payments API, not
computing, so its durations barely change and every millisecond is billed at almost seven
times the rate.
Caught by: bill-within-budget."""

REPLACE = [
    ("""\
            "memory_mb": 256}
""",
     """\
            "memory_mb": 1769}
"""),
]
