"""Lab 12, task 2: the drift a release leaves behind.

The check deploys a small pipeline stack of its own (two queues and a function, from a SAM
template), changes three properties by hand as an on-call engineer would, runs drift detection
once (what the engineer saw), then releases a new template through a change set that sets one of
the hand-changed properties again. The learner's ``drifted({"stack_name"})`` answers
``{"drifted": [{"resource": logical id, "property": name}, ...]}``: what differs *now* between
the stack's template and its live resources.

What survives, from the AWS CloudFormation User Guide: drift detection compares "the current
configuration of each stack resource with the expected configuration, as defined in the stack
template and any specified input parameters", and only "property values that are explicitly
set by the stack template" ("Detect unmanaged configuration changes to stacks and resources
with drift detection"), so the hand change to a property the template does not set is no drift;
"Traditional change sets provide a comparison of your new template with the previous template
for a stack, but do not account for stack drift" ("Using drift-aware change sets"), so a hand
change to a resource the release does not modify survives it, and the one the release sets
again is overwritten. Drift results are those of the latest detection: an answer read from the
engineer's detection, or from the release's change set, is not what the stack is now.
"""
from __future__ import annotations

import random
from typing import Any

from labkit.checks.framework import Scenario
from labkit.checks.lab_12_infrastructure_as_code import LAB
from labkit.checks.lab_12_stacks import deploy, queue_attributes, resources
from labkit.checks.sandbox import Function
from labkit.lessons.polling import wait_until

CALL_TIMEOUT_S = 60.0

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Description: lab 12 - a pipeline someone hand-changes during an incident
Resources:
  DeadLetters:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      MessageRetentionPeriod: 345600
      RedrivePolicy: {{deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 3}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: {Timeout}
      MemorySize: {MemorySize}
      InlineCode: |
        def handler(event, context):
            return {{"batchItemFailures": []}}
"""
V1 = {"Timeout": 10, "MemorySize": 256}
# hand changes to properties the template sets on the queues, which no release below touches
SURVIVORS = [("Orders", "VisibilityTimeout", "180"), ("Orders", "MessageRetentionPeriod", "86400"),
             ("DeadLetters", "MessageRetentionPeriod", "604800")]
# hand changes to properties the template does not set: never drift
UNSET = [("Orders", "DelaySeconds", "5"), ("DeadLetters", "VisibilityTimeout", "120"),
         ("Orders", "MaximumMessageSize", "131072")]
# the worker's property changed by hand (value) and set again by the release (template value)
OVERWRITTEN = {"MemorySize": (1024, 512), "Timeout": (30, 15)}


def _hidden(r: random.Random) -> dict[str, Any]:
    # never the public scenario's alone: an answer written for it does not fit a hidden one
    survivors = r.sample(range(1, len(SURVIVORS)), 1) + ([0] if r.random() < 0.5 else [])
    return {"survivors": sorted(survivors),
            "unset": r.randrange(len(UNSET)), "overwritten": r.choice(sorted(OVERWRITTEN))}


def _hand_changes(s: Scenario, stack: str, p: dict[str, Any]) -> None:
    ids = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources(s, stack)}
    sqs, lam = s.client("sqs"), s.client("lambda")
    for resource, name, value in [SURVIVORS[i] for i in p["survivors"]] + [UNSET[p["unset"]]]:
        sqs.set_queue_attributes(QueueUrl=ids[resource], Attributes={name: value})
    prop = p["overwritten"]
    lam.update_function_configuration(FunctionName=ids["Worker"], **{prop: OVERWRITTEN[prop][0]})
    wait_until(lambda: lam.get_function_configuration(FunctionName=ids["Worker"])[
        "LastUpdateStatus"] == "Successful", timeout=CALL_TIMEOUT_S, interval=0.2,
        what="the function's update")
    s.evidence["live_after_hand_changes"] = {
        "Worker": {prop: lam.get_function_configuration(FunctionName=ids["Worker"])[prop]},
        **{r: {k: queue_attributes(s, ids[r]).get(k) for k in ("VisibilityTimeout",
                                                                "MessageRetentionPeriod")}
           for r in ("Orders", "DeadLetters")}}


def _pairs(answer: Any) -> set[tuple[str, str]] | None:
    """{(resource, property)} of an answer {"drifted": [{"resource", "property"}]}; None if it
    is not one (a leading / of a property path is the same property)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("drifted"), list):
        return None
    found = set()
    for item in answer["drifted"]:
        if not isinstance(item, dict):
            return None
        found.add((str(item.get("resource")), str(item.get("property", "")).lstrip("/")))
    return found


@LAB.check("task-2", "surviving-drift", "after a release, the drift that is left: every hand "
           "change the template still contradicts, and nothing else", points=3,
           hint="Run drift detection on the stack now (cloudformation detect_stack_drift), poll "
                "describe_stack_drift_detection_status until DetectionStatus is not "
                "DETECTION_IN_PROGRESS, then read describe_stack_resource_drifts: for each "
                "resource with StackResourceDriftStatus MODIFIED, one item per entry of "
                "PropertyDifferences (LogicalResourceId, PropertyPath). Results of an older "
                "detection describe the stack before the release.",
           public={"survivors": [0], "unset": 0, "overwritten": "MemorySize"}, hidden=_hidden,
           hidden_count=1)
def surviving_drift(s: Scenario) -> None:
    p = s.params
    stack = f"{s.namespace}-pipeline"
    deploy(s, stack, TEMPLATE.format(**V1), {})
    _hand_changes(s, stack, p)
    cf = s.client("cloudformation")
    # the on-call engineer's detection, before the release: it saw every hand change
    detection = cf.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    wait_until(lambda: cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)[
        "DetectionStatus"] != "DETECTION_IN_PROGRESS", timeout=CALL_TIMEOUT_S, interval=0.2,
        what="drift detection")
    prop = p["overwritten"]
    deploy(s, stack, TEMPLATE.format(**{**V1, prop: OVERWRITTEN[prop][1]}), {})   # the release
    expected = {(resource, name) for resource, name, _ in [SURVIVORS[i] for i in p["survivors"]]}
    fn = Function(s.target.handler_path, env={"LABKIT_HANDLER_NAME": "drifted"},
                  endpoint_url=s.target.endpoint_url, timeout_s=CALL_TIMEOUT_S,
                  zygote=s.target.zygote, drop_root=s.target.drop_root)
    try:
        answer = fn.invoke({"stack_name": stack})
    finally:
        s.evidence["drifted_log"] = fn.log_tail(1500)
        fn.close()
    s.evidence.update(answer=answer.as_evidence(), expected=sorted(expected))
    s.expect(answer.ok, observed=f"drifted answered {answer.describe()[:300]}",
             expected="drifted to return without an error")
    got = _pairs(answer.payload)
    s.expect(got is not None, observed=f"drifted answered {str(answer.payload)[:200]}",
             expected='{"drifted": [{"resource": <logical id>, "property": <name>}, ...]}')
    missing, extra = expected - got, got - expected
    s.expect(not missing and not extra,
             observed=f"drifted reported {sorted(got)}: {len(missing)} of the {len(expected)} "
                      f"hand change(s) still contradicting the template missing, {len(extra)} "
                      f"reported that are not drift now",
             expected="exactly the properties whose live value differs from what the stack's "
                      "template sets, as the stack is after the release (a property the "
                      "template does not set is not drift; one the release set again is gone)")
