"""The services of the trip saga. Each service's Lambda calls ACTION(table, saga_id, event)."""
import time

from botocore.exceptions import ClientError


class ServiceUnavailable(Exception):
    """Worth retrying: Step Functions matches this class name in a Retry."""


def put_once(table, saga_id, item):
    """Write the item unless the saga already has one; return the item that is there."""
    try:
        table.put_item(Item={"saga_id": saga_id, **item},
                       ConditionExpression="attribute_not_exists(saga_id)")
        return item
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return table.get_item(Key={"saga_id": saga_id}, ConsistentRead=True)["Item"]


def reserve(table, saga_id, event):
    return {"status": put_once(table, saga_id, {"status": "RESERVED", "at": int(time.time())})["status"]}


def confirm(table, saga_id, event):
    return {"status": put_once(table, saga_id, {"status": "CONFIRMED", "at": int(time.time())})["status"]}


def charge(table, saga_id, event):
    return {"status": put_once(table, saga_id, {"status": "CHARGED", "amount": event["amount"],
                                                "refunds": 0})["status"]}


def cancel(table, saga_id, event):
    ### BEGIN SOLUTION
    # an update creates the item when there is none: a CANCELLED tombstone a late reserve respects
    table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :c, cancelled_at = :t",
                      ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":c": "CANCELLED", ":t": int(time.time())})
    ### END SOLUTION
    ### STARTER: table.delete_item(Key={"saga_id": saga_id})
    return {"status": "CANCELLED"}


def refund(table, saga_id, event):
    ### BEGIN SOLUTION
    # read, then act on what was read: a refund retried after its answer was lost finds
    # REFUNDED and stops, and nothing is paid for a charge that never landed
    item = table.get_item(Key={"saga_id": saga_id}, ConsistentRead=True).get("Item")
    if item is None:
        return {"status": put_once(table, saga_id, {"status": "VOID", "refunds": 0})["status"]}
    if item["status"] == "CHARGED":
        table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :r ADD refunds :one",
                          ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":one": 1})
        return {"status": "REFUNDED"}
    return {"status": item["status"]}
    ### END SOLUTION
    ### STARTER: table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :r ADD refunds :one",
    ### STARTER:                   ExpressionAttributeNames={"#s": "status"},
    ### STARTER:                   ExpressionAttributeValues={":r": "REFUNDED", ":one": 1})
    ### STARTER: return {"status": "REFUNDED"}