"""Planted bug: sizes provisioned concurrency for the average concurrency of the burst, not its peak. Caught by: no-cold-starts."""

REPLACE = [
    ("""\
    changes = [(start, +1) for start, _ in event["requests"]]
    changes += [(end, -1) for _, end in event["requests"]]
    in_flight = peak = 0
    for _, change in sorted(changes):   # at a tie, an end (-1) sorts before a start (+1)
        in_flight += change
        peak = max(peak, in_flight)
    return {"provisioned": peak}
""",
     """\
    requests = event["requests"]
    busy = sum(end - start for start, end in requests)
    span = max(end for _, end in requests) - min(start for start, _ in requests)
    return {"provisioned": round(busy / span)}   # sized for the average, not the peak
"""),
]
