"""Planted bug: prices Duration, not Billed Duration + INIT (the rule before Aug 2025). Caught by: pipeline-lambda."""

REPLACE = [
    ("""\
            billed_ms = r["billed_ms"]
            if r["cold"] and billed_ms < r["duration_ms"] + r["init_ms"]:
                billed_ms += math.ceil(r["init_ms"])   # INIT not inside Billed Duration yet
""",
     """\
            billed_ms = math.ceil(r["duration_ms"])   # handler time only: INIT left out
"""),
]
