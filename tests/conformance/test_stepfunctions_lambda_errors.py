"""Step Functions Retry / Catch on Lambda errors, matched by the error's type name."""
from __future__ import annotations

import json
import uuid

import pytest

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

DEADLINE = 120.0

HANDLER = """
import json, os, time
class PaymentDeclined(Exception):
    pass
class Transient(Exception):
    pass
def handler(event, context):
    print("ATTEMPT " + json.dumps(event))
    if event["mode"] == "declined":
        raise PaymentDeclined("card refused")
    raise Transient("try again")
"""


@pytest.fixture(scope="module")
def function_arn(aws):
    lam = aws("lambda")
    name = f"sfn-errors-{uuid.uuid4().hex[:6]}"
    return deploy_function(lam, name, HANDLER)


def _run(aws, definition, payload):
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"sm-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/labkit-sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex,
                                    input=json.dumps(payload))["executionArn"]
    done = wait_until(lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d,
                      DEADLINE, what="the execution to finish")
    return done, sfn.get_execution_history(executionArn=execution)["events"]


def test_catch_matches_the_lambda_error_type_name(aws, function_arn):
    """AWS (Step Functions Developer Guide, "Handling errors in Step Functions workflows"):
    a Lambda function's unhandled exception surfaces as an error named after its type
    (errorType), so ErrorEquals ["PaymentDeclined"] catches `raise PaymentDeclined(...)`;
    with ResultPath "$.error" the state input is kept and the error object
    {"Error", "Cause"} is added (Step Functions Developer Guide, "Handling errors": custom error names = errorType)."""
    definition = {"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": function_arn,
                   "Catch": [{"ErrorEquals": ["PaymentDeclined"], "ResultPath": "$.error",
                              "Next": "Declined"}],
                   "End": True},
        "Declined": {"Type": "Pass", "End": True}}}
    done, _ = _run(aws, definition, {"mode": "declined"})
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    assert output["mode"] == "declined"
    assert output["error"]["Error"] == "PaymentDeclined"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "card refused"


def test_retry_reinvokes_max_attempts_times_then_fails_with_the_error_name(aws, function_arn):
    """AWS (same guide, "Retrying after an error"): MaxAttempts is the number of retries
    after the first attempt; when they are exhausted and nothing catches the error, the
    execution fails with that error name."""
    definition = {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": function_arn,
                 "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 1,
                            "MaxAttempts": 2, "BackoffRate": 1.0}],
                 "End": True}}}
    done, events = _run(aws, definition, {"mode": "transient"})
    assert done["status"] == "FAILED"
    assert done.get("error") == "Transient"
    scheduled = [e for e in events if e["type"] in ("LambdaFunctionScheduled", "TaskScheduled")]
    assert len(scheduled) == 3
