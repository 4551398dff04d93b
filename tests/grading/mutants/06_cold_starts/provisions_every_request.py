"""Planted bug: provisions one environment per recorded request instead of the peak in flight. Caught by: right-sized."""

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
    return {"provisioned": len(event["requests"])}   # one environment per request
"""),
]
