"""Wrong design: the student computes the burst's peak correctly, then remembers task 2: the
scheduled warming ping keeps one environment warm, so "one of the peak's environments is
already there" and provisions one fewer. The warm environment is an on-demand one behind the
unqualified function (pings do not reach the provisioned alias), and it serves one request at
a time anyway: at the busiest moment of the burst one request spills over and cold-starts.
Caught by: no-cold-starts."""

REPLACE = [
    ("""\
    return {"provisioned": peak}
""",
     """\
    return {"provisioned": max(0, peak - 1)}   # the warming ping keeps one environment warm
"""),
]
