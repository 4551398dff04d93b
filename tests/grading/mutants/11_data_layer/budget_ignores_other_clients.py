"""Planted bug: the budget leaves out the connections other clients hold, so the function may
run more environments than the database has slots left. Caught by: burst-within-budget."""

REPLACE = [
    ("""\
    budget = (event["max_connections"] - event["superuser_reserved_connections"]
              - event["held_by_other_clients"])
""",
     """\
    budget = event["max_connections"] - event["superuser_reserved_connections"]
"""),
]
