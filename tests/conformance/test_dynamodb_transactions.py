"""DynamoDB transactions and conditional writes as the lessons use them."""
from __future__ import annotations

import uuid

import pytest

from tests.conformance import dynamodb_tables


@pytest.fixture(scope="module")
def table(ddb):
    with dynamodb_tables.table(ddb, "tx") as name:
        yield name


def _increment(table, pk):
    return {"Update": {"TableName": table, "Key": {"pk": {"S": pk}},
                       "UpdateExpression": "ADD n :one",
                       "ExpressionAttributeValues": {":one": {"N": "1"}}}}


def _count(ddb, table, pk):
    item = ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else 0


def test_same_client_request_token_applies_a_transaction_once(ddb, table):
    """AWS (API Reference, TransactWriteItems, ClientRequestToken): "Providing a
    ClientRequestToken makes the call to TransactWriteItems idempotent, meaning that multiple
    identical calls have the same effect as one single call." (same token
    within 10 minutes is idempotent)."""
    pk = f"order-{uuid.uuid4().hex[:6]}"
    token = uuid.uuid4().hex
    for _ in range(3):  # e.g. a client retrying after a timeout
        ddb.transact_write_items(TransactItems=[_increment(table, pk)], ClientRequestToken=token)
    assert _count(ddb, table, pk) == 1


def test_different_client_request_tokens_apply_each_transaction(ddb, table):
    """AWS: the token identifies one request; a new token is a new transaction
    (API Reference, TransactWriteItems)."""
    pk = f"order-{uuid.uuid4().hex[:6]}"
    for _ in range(3):
        ddb.transact_write_items(TransactItems=[_increment(table, pk)],
                                 ClientRequestToken=uuid.uuid4().hex)
    assert _count(ddb, table, pk) == 3


def test_same_token_with_different_parameters_is_rejected(ddb, table):
    """AWS (API Reference, TransactWriteItems): "If you submit a request with the same client
    token but a change in other parameters within the 10-minute idempotency window, DynamoDB
    returns an IdempotentParameterMismatch exception." """
    token = uuid.uuid4().hex
    first, second = f"a-{uuid.uuid4().hex[:6]}", f"b-{uuid.uuid4().hex[:6]}"
    ddb.transact_write_items(TransactItems=[_increment(table, first)], ClientRequestToken=token)
    with pytest.raises(ddb.exceptions.IdempotentParameterMismatchException):
        ddb.transact_write_items(TransactItems=[_increment(table, second)], ClientRequestToken=token)
    assert _count(ddb, table, second) == 0


def test_cancelled_transaction_reports_reasons_in_order_and_changes_nothing(ddb, table):
    """AWS (API Reference, TransactWriteItems): "a failed TransactWriteItems raises TransactionCanceledException
    with CancellationReasons in order"; a transaction is all-or-nothing (API Reference,
    TransactWriteItems: "either all of them succeed, or none of them succeed")."""
    pk = f"order-{uuid.uuid4().hex[:6]}"
    missing = f"missing-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as caught:
        ddb.transact_write_items(TransactItems=[
            _increment(table, pk),
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": missing}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    codes = [r["Code"] for r in caught.value.response["CancellationReasons"]]
    assert codes == ["None", "ConditionalCheckFailed"]
    assert _count(ddb, table, pk) == 0


def test_failed_conditional_put_returns_the_existing_item_when_asked(ddb, table):
    """AWS (API Reference, PutItem, ReturnValuesOnConditionCheckFailure):
    a put failing 'attribute_not_exists(pk)' raises ConditionalCheckFailedException "The
    conditional request failed" and, with ALL_OLD, returns the existing item in the error."""
    pk = f"claim-{uuid.uuid4().hex[:6]}"
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "owner": {"S": "first"}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "owner": {"S": "second"}},
                     ConditionExpression="attribute_not_exists(pk)",
                     ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert "The conditional request failed" in caught.value.response["Error"]["Message"]
    assert caught.value.response["Item"] == {"pk": {"S": pk}, "owner": {"S": "first"}}


def test_failed_conditional_update_returns_the_existing_item_when_asked(ddb, table):
    """AWS (API Reference, UpdateItem, ReturnValuesOnConditionCheckFailure: "Use
    ReturnValuesOnConditionCheckFailure to get the item attributes if the UpdateItem
    condition fails")."""
    pk = f"lock-{uuid.uuid4().hex[:6]}"
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "status": {"S": "INPROGRESS"}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.update_item(TableName=table, Key={"pk": {"S": pk}},
                        UpdateExpression="SET #s = :done", ConditionExpression="#s = :free",
                        ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":done": {"S": "COMPLETED"}, ":free": {"S": "FREE"}},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert caught.value.response["Item"]["status"] == {"S": "INPROGRESS"}
