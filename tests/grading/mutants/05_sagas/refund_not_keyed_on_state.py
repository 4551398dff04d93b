"""Planted bug: the refund is conditional on the payment *existing*, not on it still being
CHARGED, so a refund retried after its answer was lost pays the customer a second time (it
still leaves a VOID record when nothing was charged, so single failures look fine).
Caught by: effect-at-most-once."""

REPLACE = [
    ("""\
                          ConditionExpression="#s = :c", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":c": "CHARGED", ":one": 1})
""",
     """\
                          ConditionExpression="attribute_exists(saga_id)", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":one": 1})
"""),
]
