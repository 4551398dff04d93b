"""Lab 12's world: stacks deployed the way `sam deploy` deploys them (a change set, created, then
executed), each deleted when its scenario ends, and what a stack's resources are live.

"CreateChangeSet ... Creates a list of changes that will be applied to a stack so that you can
review the changes before executing them"; ExecuteChangeSet "Updates a stack using the input
information that was provided when the specified change set was created" (AWS CloudFormation
API Reference). A template with the SAM transform needs CAPABILITY_AUTO_EXPAND, one that makes
IAM roles CAPABILITY_IAM (AWS CloudFormation User Guide, "Acknowledging IAM resources in
CloudFormation templates"). Waits poll the stack's own status with a deadline.
"""
from __future__ import annotations

import json
from typing import Any

from labkit.checks.framework import Scenario
from labkit.lessons.polling import wait_until

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
DEPLOY_TIMEOUT_S = 60.0    # the embedded backend creates resources at once; a loaded machine slowly


class DeployFailed(Exception):
    """A change set or its execution failed: the reason CloudFormation gave."""


def deploy(s: Scenario, stack: str, template: str, parameters: dict[str, Any]) -> None:
    """Create (or update) ``stack`` from ``template`` through a change set, and wait for it."""
    cf = s.client("cloudformation")
    exists = _exists(cf, stack)
    kind = "UPDATE" if exists else "CREATE"
    try:
        arn = cf.create_change_set(
            StackName=stack, ChangeSetName=f"{stack}-{kind.lower()}-{_count(cf, stack)}"[:128],
            ChangeSetType=kind, TemplateBody=template, Capabilities=CAPABILITIES,
            Parameters=[{"ParameterKey": k, "ParameterValue": str(v)}
                        for k, v in parameters.items()])["Id"]
    except cf.exceptions.ClientError as exc:
        raise DeployFailed(str(exc)) from None
    if not exists:
        s.on_cleanup(lambda: _delete(s, stack))

    def planned():
        described = cf.describe_change_set(ChangeSetName=arn)
        return described if described["Status"] in ("CREATE_COMPLETE", "FAILED") else None

    plan = wait_until(planned, timeout=DEPLOY_TIMEOUT_S, interval=0.2,
                      what=f"the change set of {stack}")
    if plan["Status"] == "FAILED":
        raise DeployFailed(f"the change set failed: {plan.get('StatusReason')}")
    cf.execute_change_set(ChangeSetName=arn)

    def settled():
        if cf.describe_change_set(ChangeSetName=arn)["ExecutionStatus"] in (
                "AVAILABLE", "EXECUTE_IN_PROGRESS"):
            return None
        status = cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        return status if status.endswith(("_COMPLETE", "_FAILED")) else None

    status = wait_until(settled, timeout=DEPLOY_TIMEOUT_S, interval=0.2, what=f"stack {stack}")
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        events = cf.describe_stack_events(StackName=stack)["StackEvents"]
        reasons = [e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]]
        raise DeployFailed(f"stack {status}: {'; '.join(r for r in reasons if r)[:300]}")


def _exists(cf, stack: str) -> bool:
    try:
        status = cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except cf.exceptions.ClientError:
        return False
    return status not in ("REVIEW_IN_PROGRESS", "DELETE_COMPLETE")


def _count(cf, stack: str) -> int:
    try:
        return len(cf.list_change_sets(StackName=stack).get("Summaries", [])) + 1
    except cf.exceptions.ClientError:
        return 1


def _delete(s: Scenario, stack: str) -> None:
    """Delete the stack and the log groups Lambda (not CloudFormation) made for its functions."""
    cf, logs = s.client("cloudformation"), s.client("logs")
    functions = [r["PhysicalResourceId"] for r in resources(s, stack)
                 if r["ResourceType"] == "AWS::Lambda::Function"]
    cf.delete_stack(StackName=stack)
    for name in functions:
        try:
            logs.delete_log_group(logGroupName=f"/aws/lambda/{name}")
        except logs.exceptions.ResourceNotFoundException:
            pass


def resources(s: Scenario, stack: str) -> list[dict[str, Any]]:
    cf = s.client("cloudformation")
    return cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]


def of_type(found: list[dict[str, Any]], kind: str) -> list[str]:
    return [r["PhysicalResourceId"] for r in found if r["ResourceType"] == kind]


def queue_attributes(s: Scenario, url: str) -> dict[str, Any]:
    attributes = s.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"]
    redrive = attributes.get("RedrivePolicy")
    return {**attributes, "RedrivePolicy": json.loads(redrive) if redrive else None}
