"""Wrong design: a Query on the customer's partition, with the date range as a FilterExpression
instead of in the key condition: no Scan, the right orders, but every order of the customer is
read (a filter is applied after the read). Caught by: range-without-scan."""

REPLACE = [
    ("""\
              "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
""",
     """\
              "KeyConditionExpression": "pk = :pk",
              "FilterExpression": "sk BETWEEN :start AND :end",
"""),
]
