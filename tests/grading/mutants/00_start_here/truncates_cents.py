"""Planted bug: the gross amount is truncated instead of rounded. Caught by: answers-right."""

REPLACE = [
    ("""\
    return {"country": country, "gross_cents": round(event["net_cents"] * (1 + rates[country] / 100))}
""",
     """\
    return {"country": country, "gross_cents": int(event["net_cents"] * (1 + rates[country] / 100))}
"""),
]
