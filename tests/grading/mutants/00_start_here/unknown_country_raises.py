"""Planted bug: a country without a rate raises KeyError instead of being answered.
Caught by: answers-right."""

REPLACE = [
    ("""\
    if country not in rates:
        return {"country": country, "error": "no tax rate"}
""",
     ""),
]
