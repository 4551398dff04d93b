"""Wrong design: the student remembers from older blog posts that Lambda bills duration in
100 ms increments and rounds every measured duration up to the next 100 ms before pricing it.
Lambda has billed per 1 ms since December 2020: short durations are overpriced several times
over, so the monthly cost is wrong and the sizes with short durations look dearer than they
are.
Caught by: choose-memory."""

REPLACE = [
    ("""\
        gb_seconds = requests * math.ceil(row["duration_ms"]) / 1000 * row["memory_mb"] / 1024
""",
     """\
        billed_ms = math.ceil(row["duration_ms"] / 100) * 100   # billed in 100 ms steps
        gb_seconds = requests * billed_ms / 1000 * row["memory_mb"] / 1024
"""),
]
