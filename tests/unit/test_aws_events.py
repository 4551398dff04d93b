"""labkit.aws_events builds what AWS's example events show (AWS Lambda Developer Guide, "Using
Lambda with Amazon SQS" and "Using Lambda with Amazon SNS"), in their key order: the embedded
backend sends these bytes, and the checks stage deliveries with them."""
from __future__ import annotations

from labkit import aws_events

# The guide's example FIFO queue message event (one record).
FIFO_EXAMPLE = {
    "messageId": "11d6ee51-4cc7-4302-9e22-7cd8afdaadf5",
    "receiptHandle": "AQEBBX8nesZEXmkhsmZeyIE8iQAMig7qw...",
    "body": "Test message.",
    "attributes": {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1573251510774",
        "SequenceNumber": "18849496460467696128",
        "MessageGroupId": "1",
        "SenderId": "AIDAIO23YVJENQZJOL4VO",
        "MessageDeduplicationId": "1",
        "ApproximateFirstReceiveTimestamp": "1573251510774",
    },
    "messageAttributes": {},
    "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:fifo.fifo",
    "awsRegion": "us-east-2",
}


def _fifo_record() -> dict:
    return aws_events.sqs_record(
        message_id="11d6ee51-4cc7-4302-9e22-7cd8afdaadf5",
        receipt_handle="AQEBBX8nesZEXmkhsmZeyIE8iQAMig7qw...", body="Test message.",
        attributes=aws_events.sqs_attributes(
            receive_count=1, sent_timestamp=1573251510774, sender_id="AIDAIO23YVJENQZJOL4VO",
            first_receive_timestamp=1573251510774, message_group_id="1",
            sequence_number="18849496460467696128", deduplication_id="1"),
        md5_of_body="e4e68fb7bd0e697a0ae8f1bb342846b3",
        queue_arn="arn:aws:sqs:us-east-2:123456789012:fifo.fifo", region="us-east-2")


def test_a_fifo_record_is_the_guides_example():
    assert aws_events.sqs_event([_fifo_record()]) == {"Records": [FIFO_EXAMPLE]}


def test_record_keys_keep_the_order_of_the_example():
    assert list(_fifo_record()) == list(FIFO_EXAMPLE)


def test_a_standard_queue_record_has_no_fifo_attributes_and_strings_for_numbers():
    attributes = aws_events.sqs_attributes(receive_count=2, sent_timestamp=5, sender_id="me",
                                           first_receive_timestamp=6)
    assert attributes == {"ApproximateReceiveCount": "2", "SentTimestamp": "5",
                          "SenderId": "me", "ApproximateFirstReceiveTimestamp": "6"}
    traced = aws_events.sqs_attributes(receive_count=1, sent_timestamp=5, sender_id="me",
                                       first_receive_timestamp=6, trace_header="Root=1-abc")
    assert traced["AWSTraceHeader"] == "Root=1-abc"


def test_message_attributes_become_camel_case():
    converted = aws_events.sqs_message_attributes({
        "myAttribute": {"DataType": "String", "StringValue": "myValue"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    assert converted == {
        "myAttribute": {"stringValue": "myValue", "stringListValues": [],
                        "binaryListValues": [], "dataType": "String"},
        "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [],
                 "dataType": "Binary"}}


def test_md5_of_message_attributes_only_when_given():
    record = aws_events.sqs_record(
        message_id="m", receipt_handle="r", body="b", attributes={}, queue_arn="arn", region="r",
        message_attributes={"k": {"DataType": "String", "StringValue": "v"}},
        md5_of_message_attributes="md5")
    assert record["md5OfMessageAttributes"] == "md5"
    assert record["messageAttributes"]["k"]["stringValue"] == "v"
    assert "md5OfMessageAttributes" not in _fifo_record()


def test_an_sns_record_is_the_guides_example():
    subscription = ("arn:aws:sns:us-east-1:123456789012:sns-lambda:"
                    "21be56ed-a058-49f5-8c98-aedd2564c486")
    record = aws_events.sns_record(
        subscription_arn=subscription, topic_arn="arn:aws:sns:us-east-1:123456789012:sns-lambda",
        message_id="95df01b4-ee98-5cb9-9903-4c221d41eb5e", message="Hello from SNS!",
        timestamp="2019-01-02T12:45:07.000Z", subject="TestInvoke",
        message_attributes={"Test": {"Type": "String", "Value": "TestString"},
                            "TestBinary": {"Type": "Binary", "Value": "TestBinary"}},
        signature="tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
        signing_cert_url="https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"
                         "ac565b8b1a6c5d002d285f9598aa1d9b.pem",
        unsubscribe_url="https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
                        f"&amp;SubscriptionArn={subscription}")
    assert list(record) == ["EventVersion", "EventSubscriptionArn", "EventSource", "Sns"]
    assert (record["EventVersion"], record["EventSource"]) == ("1.0", "aws:sns")
    assert list(record["Sns"]) == ["SignatureVersion", "Timestamp", "Signature", "SigningCertUrl",
                                   "MessageId", "Message", "MessageAttributes", "Type",
                                   "UnsubscribeUrl", "TopicArn", "Subject"]
    assert record["Sns"]["Type"] == "Notification" and record["Sns"]["SignatureVersion"] == "1"
    assert record["Sns"]["MessageAttributes"]["TestBinary"] == {"Type": "Binary",
                                                                "Value": "TestBinary"}
    assert aws_events.sns_event(record) == {"Records": [record]}
