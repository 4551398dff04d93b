"""Wrong design: float("") raises on a cancelled flight's empty delay, so the student reads an
empty delay as 0 minutes - float(row["dep_delay"] or 0) - and counts every flight's delay as
known. The delay totals stay right, but dep_delay_known and arr_delay_known count the
cancelled flights too, and every mean delay computed from them comes out too low.
Caught by: chunk-partials."""

REPLACE = [
    ("""\
        for kind in ("dep", "arr"):
            if row[f"{kind}_delay"]:
                t[f"{kind}_delay_known"] += 1
                t[f"{kind}_delay_total"] += int(float(row[f"{kind}_delay"]))
""",
     """\
        for kind in ("dep", "arr"):   # an empty delay (a cancelled flight) is 0 minutes
            t[f"{kind}_delay_known"] += 1
            t[f"{kind}_delay_total"] += int(float(row[f"{kind}_delay"] or 0))
"""),
]
