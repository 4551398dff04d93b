"""Wrong design: "a retried refund must not refund twice", read as "refund unless the payment is
already REFUNDED": the refund's condition guards against its own repeat (attribute_not_exists
OR status <> REFUNDED) instead of requiring the state it undoes (status = CHARGED). A retry
after a lost answer is refused as intended; but a refund for a charge that was declined, or
that has not landed yet (ChargeCard timed out and is still running), finds no CHARGED payment,
creates one marked REFUNDED and pays the customer money that was never taken.
Caught by: effect-at-most-once."""

REPLACE = [
    ("""\
    try:   # CHARGED -> REFUNDED once, however often we are called
""",
     """\
    try:   # at most once: a refund retried after its answer was lost finds REFUNDED and stops
"""),
    ("""\
                          ConditionExpression="#s = :c", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":c": "CHARGED", ":one": 1})
        return {"status": "REFUNDED"}
""",
     """\
                          ConditionExpression="attribute_not_exists(#s) OR #s <> :r",
                          ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":one": 1})
"""),
    ("""\
    held = put_once(table, saga_id, {"status": "VOID", "refunds": 0})   # nothing charged (yet)
    if held["status"] == "CHARGED":
        raise ServiceUnavailable("the charge landed during the refund: refund it on retry")
    return {"status": held["status"]}
""",
     """\
    return {"status": "REFUNDED"}
"""),
]
