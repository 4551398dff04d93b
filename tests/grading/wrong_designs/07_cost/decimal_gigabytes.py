"""Wrong design: the student converts the ingested bytes to GB the way a disk vendor does,
bytes / 10**9, and prices that at $0.50 per GB. The lab's price (and the model) is per
1 GB = 1024**3 bytes: the logs part of the bill comes out 7.4 % too high, every month, for
every function, and the total with it.
Caught by: pipeline-logs."""

REPLACE = [
    ("""\
        logs_usd += ingested * scale / 1024 ** 3 * LOGS_GB_USD
""",
     """\
        logs_usd += ingested * scale / 1e9 * LOGS_GB_USD   # bytes -> GB
"""),
]
