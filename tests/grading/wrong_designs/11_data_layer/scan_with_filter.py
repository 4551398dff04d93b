"""Wrong design: the keys are designed (customer, then date), but the answer comes from a Scan
whose FilterExpression picks the customer and the range: right orders, and the whole table read
(and paid for) on every request. Caught by: range-without-scan."""

REPLACE = [
    ("""\
              "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
""",
     """\
              "FilterExpression": "pk = :pk AND sk BETWEEN :start AND :end",
"""),
    ("""\
        page = dynamodb.query(**params)
""",
     """\
        page = dynamodb.scan(**params)
"""),
]
