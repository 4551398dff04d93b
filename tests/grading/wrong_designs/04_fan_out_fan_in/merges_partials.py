"""Wrong design: the student reads "the aggregation puts the partials together" as a merge of
the partial dictionaries, final.update(partial): each carrier's totals are those of the last
partial that has the carrier, not the sum over the chunks. Every carrier flying in more than
one chunk loses flights, and the report is off with no error anywhere.
Caught by: one-report."""

REPLACE = [
    ("""\
    final = {}
    for partial in partials:
        for carrier, values in partial.items():
            into = final.setdefault(carrier, dict.fromkeys(TOTALS, 0))
            for key in TOTALS:
                into[key] += values[key]
""",
     """\
    final = {}
    for partial in partials:   # put the chunks' results together
        final.update(partial)
"""),
]
