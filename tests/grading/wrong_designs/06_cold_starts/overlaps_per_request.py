"""Wrong design: "how many requests does each request share its time with?" - the student
counts, for every request, the requests whose interval overlaps it, and provisions the largest
count. A long request overlaps every short one that comes and goes while it runs, even when
those never run at the same moment as each other: the count is more than were ever in flight
at once, and the extra environments are billed every hour for nothing.
Caught by: right-sized."""

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
    overlapping = [sum(1 for start, end in requests if start < b and end > a) for a, b in requests]
    return {"provisioned": max(overlapping, default=0)}
"""),
]
