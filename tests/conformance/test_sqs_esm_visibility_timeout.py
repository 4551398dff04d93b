"""CreateEventSourceMapping refuses a queue that would redeliver batches still running
(patch sqs_esm_visibility_timeout)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from labkit.deploy import deploy_function
from tests.conformance.sqs_esm_helpers import unique

HANDLER = "def handler(event, context):\n    return None\n"


def _queue_arn(sqs, visibility: int) -> str:
    url = sqs.create_queue(QueueName=unique("vis"),
                           Attributes={"VisibilityTimeout": str(visibility)})["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]


def test_queue_visibility_shorter_than_function_timeout_is_rejected(aws):
    """AWS: CreateEventSourceMapping fails with InvalidParameterValueException "Queue
    visibility timeout: 30 seconds is less than Function timeout: 60 seconds" when the
    queue's visibility timeout is shorter than the function timeout (the Lambda API's
    error, as reported in github.com/winglang/wing/issues/1507 and
    hashicorp/terraform-provider-aws#18099; Lambda Developer Guide, 'Using Lambda with
    Amazon SQS': the visibility timeout must cover the function timeout)."""
    sqs, lam = aws("sqs"), aws("lambda")
    name = unique("vis-fn")
    deploy_function(lam, name, HANDLER, Timeout=60)
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=_queue_arn(sqs, 30), FunctionName=name)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert err.value.response["Error"]["Message"] == (
        "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds")
    assert lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"] == []
    # equal is enough
    ok = lam.create_event_source_mapping(EventSourceArn=_queue_arn(sqs, 60), FunctionName=name)
    lam.delete_event_source_mapping(UUID=ok["UUID"])
