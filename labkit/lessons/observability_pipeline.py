"""Lesson 08's order pipeline on any backend: api -> SQS -> orders -> SNS -> notify -> Step
Functions -> fulfil, every function logging JSON (``LoggingConfig={"LogFormat": "JSON"}``) into
a log group created up front (a metric filter needs its group to exist before the first line it
counts), plus a pager for the alarms: an SNS topic whose notifications land in an SQS queue,
standing in for the on-call's phone.

The wiring is lesson 01-05 material; what lesson 08 teaches (the handlers' logging, the filter
patterns, the metric filters, the alarms, the queries) stays in the notebook's cells.
Everything it creates is named ``<prefix>-...``: labkit.cleanup.remove_run(prefix) deletes it.
"""
from __future__ import annotations

import json

import boto3
import pandas as pd

from labkit.deploy import deploy_function
from labkit.lessons.observability_lesson import load_log_events, plot_request_path, request_path
from labkit.lessons.queues import subscribe_queue

HOPS = ("api", "orders", "notify", "fulfil")


class OrderPipeline:
    def __init__(self, prefix: str, source: str, namespace: str, function_timeout_s: int = 5,
                 tracing: bool = False):
        """``tracing``: deploy the functions with X-Ray active tracing
        (``TracingConfig={"Mode": "Active"}``); off by default."""
        self.prefix, self.source, self.namespace = prefix, source, namespace
        self.function_timeout_s, self.tracing = function_timeout_s, tracing
        self.lam, self.sqs, self.sns = (boto3.client(s) for s in ("lambda", "sqs", "sns"))
        self.sfn, self.iam = boto3.client("stepfunctions"), boto3.client("iam")
        self.logs, self.cloudwatch = boto3.client("logs"), boto3.client("cloudwatch")
        self.state_machine = self.dlq_url = self.inbox_url = ""
        self.pages: list[dict] = []

    # -- names ------------------------------------------------------------------------------
    def name(self, hop: str) -> str:
        return f"{self.prefix}-{hop}"

    def log_group(self, hop: str) -> str:
        return f"/aws/lambda/{self.name(hop)}"

    # -- building -----------------------------------------------------------------------------
    def _deploy(self, hop: str, **variables) -> str:
        arn = deploy_function(
            self.lam, self.name(hop), self.source, handler=f"app.{hop}",
            Timeout=self.function_timeout_s, LoggingConfig={"LogFormat": "JSON"},
            **({"TracingConfig": {"Mode": "Active"}} if self.tracing else {}),
            Environment={"Variables": {"POWERTOOLS_SERVICE_NAME": hop,
                                       "METRICS_NAMESPACE": self.namespace, **variables}})
        return arn

    def _queue(self, name: str, **attributes) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def build(self, step=lambda: None) -> None:
        """Log groups, the four functions, the state machine, the topic, the orders queue with
        its DLQ (maxReceiveCount 2) and the event source mapping; ``step()`` after each part."""
        for hop in HOPS:
            self.logs.create_log_group(logGroupName=self.log_group(hop))
        step()
        fulfil_arn = self._deploy("fulfil")
        step()
        role = self.iam.create_role(RoleName=self.name("sfn"), AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "states.amazonaws.com"}}]}))["Role"]["Arn"]
        self.state_machine = self.sfn.create_state_machine(
            name=self.name("fulfilment"), roleArn=role, definition=json.dumps({
                "StartAt": "Fulfil",
                "States": {"Fulfil": {"Type": "Task", "Resource": fulfil_arn, "End": True}}}),
        )["stateMachineArn"]
        step()
        notify_arn = self._deploy("notify", STATE_MACHINE_ARN=self.state_machine)
        topic = self.sns.create_topic(Name=self.name("order-accepted"))["TopicArn"]
        self.lam.add_permission(FunctionName=self.name("notify"), StatementId="sns",
                                Action="lambda:InvokeFunction", Principal="sns.amazonaws.com",
                                SourceArn=topic)
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=notify_arn)
        step()
        self.dlq_url, dlq_arn = self._queue(self.name("orders-dlq"))
        orders_url, orders_arn = self._queue(
            self.name("orders"), VisibilityTimeout=str(6 * self.function_timeout_s),
            RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
        self._deploy("orders", ORDER_TOPIC_ARN=topic)
        step()
        self.lam.create_event_source_mapping(
            FunctionName=self.name("orders"), EventSourceArn=orders_arn, BatchSize=5,
            FunctionResponseTypes=["ReportBatchItemFailures"])
        step()
        self._deploy("api", ORDERS_QUEUE_URL=orders_url)
        step()

    def make_pager(self) -> str:
        """An SNS topic for the alarms, with an SQS queue subscribed (the on-call's phone)."""
        pager = self.sns.create_topic(Name=self.name("pager"))["TopicArn"]
        self.inbox_url, inbox_arn = self._queue(self.name("pager-inbox"))
        subscribe_queue(self.sns, self.sqs, pager, self.inbox_url, inbox_arn)
        return pager

    # -- traffic and where each order ended ---------------------------------------------------
    def place_order(self, order: dict, correlation_id: str | None = None, lam=None) -> str:
        """Invoke api the way API Gateway would; -> the x-correlation-id it answered.
        ``lam``: the Lambda client to call with (e.g. one that does not retry throttles)."""
        headers = {"content-type": "application/json"}
        if correlation_id:
            headers["X-Correlation-Id"] = correlation_id
        response = (lam or self.lam).invoke(FunctionName=self.name("api"), Payload=json.dumps(
            {"httpMethod": "POST", "path": "/orders", "headers": headers,
             "body": json.dumps(order)}))
        return json.loads(response["Payload"].read())["headers"]["x-correlation-id"]

    def execution(self, correlation_id: str) -> dict | None:
        """The Step Functions execution named after the id, or None."""
        arn = self.state_machine.replace(":stateMachine:", ":execution:") + ":" + correlation_id
        try:
            return self.sfn.describe_execution(executionArn=arn)
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return None

    def in_dlq(self) -> dict[str, dict]:
        """The DLQ's messages by correlation id (read, not deleted: back after 1 s)."""
        found = {}
        for _ in range(3):
            got = self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10,
                                           VisibilityTimeout=1,
                                           MessageAttributeNames=["All"]).get("Messages", [])
            for message in got:
                cid = message["MessageAttributes"]["correlation_id"]["StringValue"]
                found[cid] = json.loads(message["Body"])
            if not got:
                break
        return found

    def outcome(self, correlation_id: str, fail_at: str | None) -> str | None:
        """dead-lettered, or the status of its execution (None: not at the end yet)."""
        if fail_at == "orders":
            return "dead-lettered" if correlation_id in self.in_dlq() else None
        execution = self.execution(correlation_id)
        status = execution and execution["status"]
        return status if status in ("SUCCEEDED", "FAILED") else None

    # -- alarms -------------------------------------------------------------------------------
    def read_pager(self) -> pd.DataFrame:
        """Every alarm notification the pager's queue received so far (SNS envelope -> the
        alarm's JSON), one row each."""
        while True:
            got = self.sqs.receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1).get("Messages", [])
            if not got:
                break
            for message in got:
                alarm = json.loads(json.loads(message["Body"])["Message"])
                self.pages.append({
                    "alarm": alarm["AlarmName"].removeprefix(self.prefix + "-"),
                    "time": alarm["StateChangeTime"], "from": alarm["OldStateValue"],
                    "to": alarm["NewStateValue"], "reason": alarm["NewStateReason"][:90]})
                self.sqs.delete_message(QueueUrl=self.inbox_url,
                                        ReceiptHandle=message["ReceiptHandle"])
        return pd.DataFrame(self.pages, columns=["alarm", "time", "from", "to", "reason"])

    def alarm_states(self) -> dict[str, str]:
        alarms = self.cloudwatch.describe_alarms(AlarmNamePrefix=self.prefix)["MetricAlarms"]
        return {a["AlarmName"].removeprefix(self.prefix + "-"): a["StateValue"] for a in alarms}

    # -- one request, end to end (the widget) -------------------------------------------------
    def explain(self, ax, correlation_id: str, timing: str, since: float) -> list[str]:
        """Draw the request's path on ``ax``; -> what else is known about it (its execution,
        its message in the DLQ, its error lines), as lines of text."""
        frame = load_log_events(self.logs, f"/aws/lambda/{self.prefix}-", since=since)
        frame["function"] = frame["function"].str.removeprefix(self.prefix + "-")
        app = request_path(frame, correlation_id)
        app = app[app["type"] == "app"]
        plot_request_path(ax, app, f"request {correlation_id[:18]}…  ({timing} times)")
        notes = []
        execution = self.execution(correlation_id)
        if execution:
            notes.append(f"Step Functions execution {correlation_id[:18]}…: {execution['status']}"
                         + (f"  error={execution.get('error')} "
                            f"cause={str(execution.get('cause'))[:80]}"
                            if execution["status"] == "FAILED" else ""))
        dead = self.in_dlq()
        if correlation_id in dead:
            notes.append(f"in the DLQ: {dead[correlation_id]}")
        notes += [f"ERROR in {row.function}: {row.message}"
                  for row in app[app["level"] == "ERROR"].itertuples()]
        return notes

