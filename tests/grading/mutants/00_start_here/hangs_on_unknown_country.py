"""Planted bug: a country without a rate makes the handler wait forever (a retry loop that
never gives up) instead of answering. Past the function's 10 s timeout the invocation fails
with Sandbox.Timedout, which a busy machine could also cause: the check runs the scenario again
and, timing out every time, reports it inconclusive, with no points.
Caught by: answers-right."""

REPLACE = [
    ("""\
    if country not in rates:
        return {"country": country, "error": "no tax rate"}
""",
     """\
    while country not in rates:
        time.sleep(1)
"""),
]
