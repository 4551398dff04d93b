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
    table.delete_item(Key={"saga_id": saga_id})
    ### END SOLUTION
    ### STARTER: table.delete_item(Key={"saga_id": saga_id})
    return {"status": "CANCELLED"}


def refund(table, saga_id, event):
    ### BEGIN SOLUTION
    try:   # CHARGED -> REFUNDED once, however often we are called
        table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :r ADD refunds :one",
                          ConditionExpression="#s = :c", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":r": "REFUNDED", ":c": "CHARGED", ":one": 1})
        return {"status": "REFUNDED"}
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    held = put_once(table, saga_id, {"status": "VOID", "refunds": 0})   # nothing charged (yet)
    if held["status"] == "CHARGED":
        raise ServiceUnavailable("the charge landed during the refund: refund it on retry")
    return {"status": held["status"]}
    ### END SOLUTION
    ### STARTER: table.update_item(Key={"saga_id": saga_id}, UpdateExpression="SET #s = :r ADD refunds :one",
    ### STARTER:                   ExpressionAttributeNames={"#s": "status"},
    ### STARTER:                   ExpressionAttributeValues={":r": "REFUNDED", ":one": 1})
    ### STARTER: return {"status": "REFUNDED"}