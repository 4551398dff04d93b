"""Planted bug: picks the cheapest size even when it is too slow. Caught by: choose-memory."""

REPLACE = [
    ("""\
        if row["duration_ms"] > event["latency_target_ms"]:
            continue                                   # too slow: not an option
""",
     ""),
]
