"""Planted bug: cancel deletes the reservation instead of marking it CANCELLED. When the
reservation is late (its step timed out but the call was still running) the cancel finds
nothing, leaves nothing, and the late reservation lands afterwards and stays.
Caught by: effect-at-most-once."""

REPLACE = [
    ("""\
    # an update creates the item when there is none: a CANCELLED tombstone a late reserve respects
    table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :c, cancelled_at = :t",
                      ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":c": "CANCELLED", ":t": int(time.time())})
""",
     """\
    table.delete_item(Key={"saga_id": saga_id})
"""),
]
