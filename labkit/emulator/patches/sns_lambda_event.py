"""SNS -> Lambda events carry the real notification: topic, message id, attributes.

moto's Subscription.publish hands the Lambda backend only (function, message, subject), so
the event said TopicArn "arn:aws:sns:EXAMPLE" and had no MessageAttributes. We note the
subscription, message id and attributes of the delivery in progress (a thread-local set
around moto's own publish, so its filter policies and MessageStructure handling still
apply) and build the event from them, with moto's own signed notification fields.
"""
from __future__ import annotations

import json
import threading

from labkit import aws_events

NAME = "sns_lambda_event"
AWS_BEHAVIOUR = (
    "Amazon SNS invokes your function asynchronously with an event that contains a message "
    "and metadata: Records[].EventSubscriptionArn, Sns.TopicArn, Sns.MessageId, Sns.Subject, "
    "Sns.Timestamp and Sns.MessageAttributes.<name> = {\"Type\": ..., \"Value\": ...} "
    "(AWS Lambda Developer Guide, 'Invoking Lambda functions with Amazon SNS notifications', "
    "example SNS message event)."
)

_delivery = threading.local()


def apply(ctx) -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.sns.models import Subscription

    moto_publish = Subscription.publish

    def publish(self, message, message_id, subject=None, message_attributes=None, **kwargs):
        if self.protocol != "lambda":
            return moto_publish(self, message, message_id, subject=subject,
                                message_attributes=message_attributes, **kwargs)
        _delivery.current = (self, message_id, message_attributes or {})
        try:
            return moto_publish(self, message, message_id, subject=subject,
                                message_attributes=message_attributes, **kwargs)
        finally:
            _delivery.current = None

    Subscription.publish = publish
    LambdaBackend.send_sns_message = _send_sns_message


def sns_event(subscription, message_id: str, message: str, subject: str | None,
              message_attributes: dict) -> dict:
    """The event AWS gives a function subscribed to a topic (one record per message)."""
    signed = subscription.get_post_data(message, message_id, subject)
    region = subscription.topic.sns_backend.region_name
    return aws_events.sns_event(aws_events.sns_record(
        subscription_arn=subscription.arn,
        topic_arn=subscription.topic.arn,
        message_id=message_id,
        message=message,
        timestamp=signed["Timestamp"],
        subject=subject,
        message_attributes=message_attributes,
        signature_version=signed["SignatureVersion"],
        signature=signed["Signature"],
        signing_cert_url=signed["SigningCertURL"],
        unsubscribe_url=(f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                         f"&SubscriptionArn={subscription.arn}"),
    ))


def _send_sns_message(self, function_name, message, subject=None, qualifier=None):
    """LambdaBackend.send_sns_message: an asynchronous invocation, as on AWS."""
    from labkit.emulator.patches import lambda_runtime

    current = getattr(_delivery, "current", None)
    if current is None:  # not from a topic publish: the runtime's generic event
        return lambda_runtime._send_sns_message(self, function_name, message, subject, qualifier)
    subscription, message_id, attributes = current
    event = sns_event(subscription, message_id, message, subject, attributes)
    fn = self._lambdas.get_function_by_name_or_arn_with_qualifier(function_name, qualifier)
    lambda_runtime.runtime().dispatch(fn, json.dumps(event).encode(), qualifier, "Event")
