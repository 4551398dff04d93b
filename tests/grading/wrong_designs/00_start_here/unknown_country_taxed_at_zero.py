"""Wrong design: "an answer, not an exception" - the student looks the rate up with a default,
rates.get(country, 0), so a country the configuration lacks never raises. It never raises,
but it never says "no tax rate" either: an order from a country nobody configured is priced
without tax, and the invoice goes out wrong instead of being flagged.
Caught by: answers-right."""

REPLACE = [
    ("""\
    if country not in rates:
        return {"country": country, "error": "no tax rate"}
    return {"country": country, "gross_cents": round(event["net_cents"] * (1 + rates[country] / 100))}
""",
     """\
    rate = rates.get(country, 0)   # no rate configured: no tax, and no exception
    return {"country": country, "gross_cents": round(event["net_cents"] * (1 + rate / 100))}
"""),
]
