"""Wrong design: the student handles the rejection in the answer only - catch DownstreamRejected
and return status "rejected" - and writes the payments table on the happy path, after a charge.
The caller is told, but the table that the rest of the system reads has no trace of the
order: it looks never processed, and a reconciliation job or a support agent sends it again.
Caught by: permanent-failure."""

REPLACE = [
    ("""\
    except DownstreamRejected:
        dynamodb.put_item(TableName=TABLE, Item={
            "order_id": {"S": order_id}, "status": {"S": "rejected"}})
        return {"order_id": order_id, "status": "rejected"}
""",
     """\
    except DownstreamRejected:
        return {"order_id": order_id, "status": "rejected"}   # nothing was charged: nothing to record
"""),
]
