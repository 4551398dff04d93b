"""Wrong design: the function's reserved concurrency is set to the database's max_connections
("one environment per connection slot"), forgetting the slots reserved for superusers and the
connections other clients hold: a burst starts more environments than there are slots left, and
PostgreSQL refuses the surplus. Caught by: burst-within-budget."""

REPLACE = [
    ("""\
    budget = (event["max_connections"] - event["superuser_reserved_connections"]
              - event["held_by_other_clients"])
""",
     """\
    budget = event["max_connections"]
"""),
]
