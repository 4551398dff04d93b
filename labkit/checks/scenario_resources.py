"""What a check's scenario creates in the backend: every resource named under the scenario's
prefix and deleted when the scenario ends, last made first deleted (an event source mapping
before its function and queue, an alarm before its topic). A lab module asks for what it
needs, `s.create.table("orders")`, and never writes its own clean-up.

Clean-up is best effort (Scenario.close): a deletion that fails never hides a verdict.
Deleting a function deletes neither its event source mappings nor its log group
/aws/lambda/NAME (Lambda API Reference, DeleteFunction), so `function` deletes the log group
too, and `mapping` deletes the mapping.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from labkit.deploy import deploy_function
from labkit.lessons.queues import queue_arn, subscribe_queue

if TYPE_CHECKING:
    from labkit.checks.framework import Scenario

# "up to 80 characters" (Amazon SQS API Reference, CreateQueue, QueueName); "The length
# constraint applies only to the full ARN. If you specify only the function name, it is
# limited to 64 characters in length" (AWS Lambda API Reference, CreateFunction)
QUEUE_NAME_LIMIT = 80
FUNCTION_NAME_LIMIT = 64


class ScenarioResources:
    def __init__(self, s: "Scenario"):
        self.s = s
        self._function_arns: dict[str, str] = {}

    def name(self, suffix: str, limit: int = 255) -> str:
        """A name under the scenario's prefix (runs never see each other's resources), cut to
        the service's limit."""
        return f"{self.s.namespace}-{suffix}"[:limit]

    def table(self, suffix: str, key: str = "id", sort_key: str | None = None) -> str:
        """An on-demand DynamoDB table keyed by string attributes; -> its name."""
        ddb, name = self.s.client("dynamodb"), self.name(suffix)
        keys = [(key, "HASH")] + ([(sort_key, "RANGE")] if sort_key else [])
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"}
                                               for k, _ in keys],
                         KeySchema=[{"AttributeName": k, "KeyType": kind} for k, kind in keys])
        self.s.on_cleanup(lambda: ddb.delete_table(TableName=name))
        return name

    def queue(self, suffix: str, **attributes: Any) -> str:
        """An SQS queue (attribute values may be numbers or dicts, e.g. RedrivePolicy);
        -> its URL."""
        sqs = self.s.client("sqs")
        text = {k: _attribute_text(v) for k, v in attributes.items()}
        url = sqs.create_queue(QueueName=self.name(suffix, QUEUE_NAME_LIMIT),
                               **({"Attributes": text} if text else {}))["QueueUrl"]
        self.s.on_cleanup(lambda: sqs.delete_queue(QueueUrl=url))
        return url

    def topic(self, suffix: str) -> str:
        """An SNS topic; -> its ARN."""
        sns = self.s.client("sns")
        arn = sns.create_topic(Name=self.name(suffix))["TopicArn"]
        self.s.on_cleanup(lambda: sns.delete_topic(TopicArn=arn))
        return arn

    def function(self, suffix: str, files: str | dict[str, str], handler: str = "app.handler",
                 **config: Any) -> str:
        """A Lambda function deployed from source (labkit.deploy), deleted with its log group;
        -> its name."""
        lam, logs = self.s.client("lambda"), self.s.client("logs")
        name = self.name(suffix, FUNCTION_NAME_LIMIT)
        self.s.on_cleanup(lambda: logs.delete_log_group(logGroupName=f"/aws/lambda/{name}"))
        self._function_arns[name] = deploy_function(lam, name, files, handler=handler, **config)
        self.s.on_cleanup(lambda: lam.delete_function(FunctionName=name))
        return name

    def function_arn(self, name: str) -> str:
        """The ARN of a function this scenario created (a state machine's Resource, a route's
        integration)."""
        return self._function_arns[name]

    def mapping(self, **config: Any) -> str:
        """An event source mapping (CreateEventSourceMapping's arguments); -> its UUID."""
        lam = self.s.client("lambda")
        uuid = lam.create_event_source_mapping(**config)["UUID"]
        self.s.on_cleanup(lambda: lam.delete_event_source_mapping(UUID=uuid))
        return uuid

    def alarm(self, suffix: str, **config: Any) -> str:
        """A CloudWatch metric alarm (PutMetricAlarm's arguments); -> its name."""
        cloudwatch, name = self.s.client("cloudwatch"), self.name(suffix)
        cloudwatch.put_metric_alarm(AlarmName=name, **config)
        self.s.on_cleanup(lambda: cloudwatch.delete_alarms(AlarmNames=[name]))
        return name

    def inbox(self, suffix: str, topic_arn: str) -> str:
        """A queue subscribed to an SNS topic, to read what the topic publishes (its policy lets
        the topic send, as AWS requires); -> its URL."""
        sqs, url = self.s.client("sqs"), self.queue(suffix)
        subscribe_queue(self.s.client("sns"), sqs, topic_arn, url, queue_arn(sqs, url))
        return url


def _attribute_text(value: Any) -> str:
    """SQS takes every queue attribute as a string: "30", "true", a policy as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
