"""SNS -> Lambda: the event describes the real notification."""
from __future__ import annotations

import json

from tests.runtime.conftest import log_messages, wait_for

PRINT_EVENT = """
import json
def handler(event, context):
    print("EVENT " + json.dumps(event))
"""


def test_sns_event_carries_topic_message_id_subject_and_attributes(lam, logs, aws, deploy):
    """AWS: SNS invokes the function with an event whose record has the subscription ARN
    (EventSubscriptionArn) and Sns.TopicArn, Sns.MessageId, Sns.Subject, Sns.Timestamp and
    Sns.MessageAttributes, e.g. "Test": {"Type": "String", "Value": "TestString"}
    (AWS Lambda Developer Guide, 'Invoking Lambda functions with Amazon SNS
    notifications', example SNS message event)."""
    name = deploy(PRINT_EVENT)
    sns = aws("sns")
    topic = sns.create_topic(Name=f"t-{name}")["TopicArn"]
    fn_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn)["SubscriptionArn"]
    message_id = sns.publish(TopicArn=topic, Message="order placed", Subject="orders",
                             MessageAttributes={
                                 "colour": {"DataType": "String", "StringValue": "green"},
                                 "qty": {"DataType": "Number", "StringValue": "3"},
                                 "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
                             })["MessageId"]
    line = wait_for(lambda: next((m for m in log_messages(logs, name) if m.startswith("EVENT ")), None),
                    what="the SNS-triggered invocation")
    record = json.loads(line[len("EVENT "):])["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == sub
    msg = record["Sns"]
    assert (msg["TopicArn"], msg["MessageId"], msg["Subject"]) == (topic, message_id, "orders")
    assert msg["Message"] == "order placed" and msg["Type"] == "Notification"
    assert msg["MessageAttributes"] == {
        "colour": {"Type": "String", "Value": "green"},
        "qty": {"Type": "Number", "Value": "3"},
        "blob": {"Type": "Binary", "Value": "AAE="},
    }
    assert msg["Timestamp"].endswith("Z") and msg["Timestamp"][:4].isdigit()
