"""Finding and deleting what the kit created, in an order AWS accepts. One helper for both
callers: `labkit teardown` (everything of one owner, by tag or name, labkit.aws_resources) and a
lesson's `clean_up()` (everything of one run: ``remove_run(PREFIX)``, by the run's name prefix,
which names every resource the same way on every backend, AWS included).

Order: what points at other things first (stacks, event source mappings, rules, alarms, state
machines, APIs), then functions, topics, queues, tables, log groups, buckets, event buses and
roles last. AWS's rules behind it:
  * deleting a Lambda function deletes neither its event source mappings nor its log group
    /aws/lambda/NAME (Lambda API Reference, DeleteFunction);
  * "Before you can delete the rule, you must remove all targets" (EventBridge API Reference,
    DeleteRule); a custom event bus goes after its rules;
  * a role must lose its managed and inline policies before DeleteRole (IAM API Reference,
    DeleteRole); a bucket must be empty before DeleteBucket (S3 API Reference, DeleteBucket);
  * a table stays listed as DELETING for a while after DeleteTable (DynamoDB API Reference,
    DeleteTable), and an event source mapping as Deleting: neither is left over, both are going.
(On AWS, DeleteRestApi is limited to one call every 30 s per account, API Gateway quotas: a
failed deletion is reported, and a second run deletes it.)
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from labkit.aws_clients import Clients

STACK_DELETE_DEADLINE_S = 600   # on AWS a stack with roles takes minutes to delete

# (resource name, its tags on demand) -> is it to be deleted? Tags cost a call per resource,
# so a selector that decides by name never asks for them.
Selector = Callable[[str, Callable[[], dict]], bool]


@dataclass
class Found:
    kind: str
    name: str
    delete: Callable[[], None]

    def __str__(self) -> str:
        return f"{self.kind:<22} {self.name}"


def by_prefix(prefix: str) -> Selector:
    """Everything whose name starts with ``prefix`` (a lesson's run prefix)."""
    return lambda name, tags: name.startswith(prefix)


def pages(client, operation: str, key: str, **kwargs) -> list:
    """Every item of a list call, following NextToken (a paginator where botocore has one)."""
    if client.can_paginate(operation):
        return [item for page in client.get_paginator(operation).paginate(**kwargs)
                for item in page.get(key, [])]
    items, token = [], None
    while True:
        page = getattr(client, operation)(**kwargs, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


def as_map(tag_list: list[dict]) -> dict[str, str]:
    """[{"Key": k, "Value": v}] or [{"key": k, "value": v}] -> {k: v}."""
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tag_list}


def find(client: Callable, select: Selector, stacks: bool = True) -> list[Found]:
    """Every selected resource, in deletion order. ``client(service)`` -> a boto3 client.
    ``stacks=False``: CloudFormation is not asked (see remove_run)."""
    found: list[Found] = []
    cf = client("cloudformation")
    for stack in pages(cf, "list_stacks", "StackSummaries") if stacks else []:
        if stack["StackStatus"] not in ("DELETE_COMPLETE", "DELETE_IN_PROGRESS") and select(
                stack["StackName"], lambda s=stack: as_map(cf.describe_stacks(
                    StackName=s["StackId"])["Stacks"][0].get("Tags", []))):
            found.append(Found("cloudformation stack", stack["StackName"],
                               lambda s=stack["StackId"]: cf.delete_stack(StackName=s)))

    lam = client("lambda")
    functions = [f for f in pages(lam, "list_functions", "Functions")
                 if select(f["FunctionName"], lambda f=f: lam.list_tags(Resource=f["FunctionArn"]).get("Tags", {}))]
    function_names = {f["FunctionName"] for f in functions}
    for esm in pages(lam, "list_event_source_mappings", "EventSourceMappings"):
        if _function_name(esm.get("FunctionArn", "")) in function_names and esm.get("State") != "Deleting":
            found.append(Found("event source mapping", f"{esm['UUID']} ({esm.get('EventSourceArn', '')})",
                               lambda u=esm["UUID"]: lam.delete_event_source_mapping(UUID=u)))

    events = client("events")
    buses = pages(events, "list_event_buses", "EventBuses") or [{"Name": "default"}]
    for bus in buses:
        for rule in pages(events, "list_rules", "Rules", EventBusName=bus["Name"]):
            if select(rule["Name"], lambda r=rule: as_map(
                    events.list_tags_for_resource(ResourceARN=r["Arn"]).get("Tags", []))):
                found.append(Found("eventbridge rule", f"{bus['Name']}/{rule['Name']}",
                                   lambda r=rule["Name"], b=bus["Name"]: _delete_rule(events, r, b)))

    cw = client("cloudwatch")
    for alarm in pages(cw, "describe_alarms", "MetricAlarms"):
        if select(alarm["AlarmName"], lambda a=alarm: as_map(
                cw.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags", []))):
            found.append(Found("cloudwatch alarm", alarm["AlarmName"],
                               lambda n=alarm["AlarmName"]: cw.delete_alarms(AlarmNames=[n])))

    sfn = client("stepfunctions")
    for sm in pages(sfn, "list_state_machines", "stateMachines"):
        if select(sm["name"], lambda s=sm: as_map(
                sfn.list_tags_for_resource(resourceArn=s["stateMachineArn"]).get("tags", []))):
            found.append(Found("state machine", sm["name"],
                               lambda a=sm["stateMachineArn"]: sfn.delete_state_machine(stateMachineArn=a)))

    apigw = client("apigateway")
    for api in pages(apigw, "get_rest_apis", "items"):
        if select(api["name"], lambda a=api: a.get("tags", {})):
            found.append(Found("rest api", f"{api['name']} ({api['id']})",
                               lambda i=api["id"]: apigw.delete_rest_api(restApiId=i)))
    apigw2 = client("apigatewayv2")
    for api in pages(apigw2, "get_apis", "Items"):
        if select(api["Name"], lambda a=api: a.get("Tags", {})):
            found.append(Found("http api", f"{api['Name']} ({api['ApiId']})",
                               lambda i=api["ApiId"]: apigw2.delete_api(ApiId=i)))

    for f in functions:
        found.append(Found("lambda function", f["FunctionName"],
                           lambda n=f["FunctionName"]: lam.delete_function(FunctionName=n)))

    sns = client("sns")
    for topic in pages(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        if select(arn.rsplit(":", 1)[1], lambda a=arn: as_map(sns.list_tags_for_resource(ResourceArn=a).get("Tags", []))):
            found.append(Found("sns topic", arn.rsplit(":", 1)[1], lambda a=arn: sns.delete_topic(TopicArn=a)))

    sqs = client("sqs")
    for url in pages(sqs, "list_queues", "QueueUrls"):
        if select(url.rsplit("/", 1)[1], lambda u=url: sqs.list_queue_tags(QueueUrl=u).get("Tags", {})):
            found.append(Found("sqs queue", url.rsplit("/", 1)[1], lambda u=url: sqs.delete_queue(QueueUrl=u)))

    ddb = client("dynamodb")
    for name in pages(ddb, "list_tables", "TableNames"):
        table = _table(ddb, name)
        if table and table["TableStatus"] != "DELETING" and select(name, lambda t=table: as_map(
                ddb.list_tags_of_resource(ResourceArn=t["TableArn"]).get("Tags", []))):
            found.append(Found("dynamodb table", name, lambda t=name: ddb.delete_table(TableName=t)))

    logs = client("logs")
    function_logs = {f"/aws/lambda/{name}" for name in function_names}
    for group in pages(logs, "describe_log_groups", "logGroups"):
        group_name = group["logGroupName"]
        by_name = group_name.removeprefix("/aws/lambda/") if group_name.startswith("/aws/lambda/") else ""
        if group_name in function_logs or (by_name and select(by_name, lambda g=group_name: logs.list_tags_log_group(
                logGroupName=g).get("tags", {}))):
            found.append(Found("log group", group_name,
                               lambda g=group_name: logs.delete_log_group(logGroupName=g)))

    s3 = client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        if select(bucket["Name"], lambda b=bucket["Name"]: _bucket_tags(s3, b)):
            found.append(Found("s3 bucket", bucket["Name"], lambda b=bucket["Name"]: _delete_bucket(s3, b)))

    for bus in buses:
        if bus["Name"] != "default" and select(bus["Name"], lambda b=bus: as_map(
                events.list_tags_for_resource(ResourceARN=b["Arn"]).get("Tags", []))):
            found.append(Found("event bus", bus["Name"], lambda n=bus["Name"]: events.delete_event_bus(Name=n)))

    iam = client("iam")
    for role in pages(iam, "list_roles", "Roles"):
        if select(role["RoleName"], lambda r=role: as_map(iam.list_role_tags(RoleName=r["RoleName"]).get("Tags", []))):
            found.append(Found("iam role", role["RoleName"], lambda n=role["RoleName"]: _delete_role(iam, n)))
    return found


def delete_all(found: list[Found]) -> list[tuple[Found, Exception]]:
    """Delete in order; keep going past failures and return them. A resource already gone (a
    stack deleted its own queue first) is not a failure."""
    failures = []
    for item in found:
        try:
            item.delete()
        except Exception as exc:  # one stuck resource must not leave the rest running
            if not _already_gone(exc):
                failures.append((item, exc))
    return failures


def _already_gone(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return "NotFound" in code or code.startswith("NoSuch") or code == "AWS.SimpleQueueService.NonExistentQueue"


@dataclass
class Removed:
    """What ``remove_run`` deleted, by kind, and what it could not."""

    prefix: str
    deleted: Counter
    left: list[str]

    def __str__(self) -> str:
        what = ", ".join(f"{n} {kind}{'' if n == 1 else 'es' if kind.endswith('s') else 's'}"
                         for kind, n in sorted(self.deleted.items())) or "nothing"
        return (f"deleted under {self.prefix}: {what}; "
                + ("nothing left" if not self.left else f"LEFT BEHIND: {'; '.join(self.left)}"))


def remove_run(prefix: str, client: Callable | None = None, stacks: bool = False) -> Removed:
    """Delete every resource named with ``prefix``, in every service the kit uses, then look
    again. Raises RuntimeError naming whatever is still there (and why it failed).
    CloudFormation stacks only with ``stacks=True``: lesson 12 deletes its stacks itself (how a
    stack goes is part of what it teaches), and an emulator loads CloudFormation on its first
    call, which takes seconds that no other lesson's clean-up needs to wait."""
    client = client or Clients()   # one client per service, safe when runs clean up side by side
    if len(prefix) < 4:
        raise ValueError(f"prefix {prefix!r} is too short to name one run's resources only")
    select = by_prefix(prefix)
    found = find(client, select, stacks)
    failures = delete_all(found)
    _wait_for_stacks(client("cloudformation"), [i.name for i in found if i.kind == "cloudformation stack"])
    failed = {(item.kind, item.name) for item, _ in failures}
    removed = Removed(prefix, Counter(i.kind for i in found if (i.kind, i.name) not in failed), [])
    removed.left = [f"{item.kind} {item.name}: {exc}" for item, exc in failures]
    removed.left += [f"{item.kind} {item.name}" for item in find(client, select, stacks)
                     if (item.kind, item.name) not in failed]
    if removed.left:
        raise RuntimeError(str(removed))
    return removed


def _wait_for_stacks(cf, names: list[str]) -> None:
    """Until the deleted stacks are gone (DELETE_COMPLETE or DELETE_FAILED), or the deadline."""
    deadline = time.monotonic() + STACK_DELETE_DEADLINE_S
    while names and time.monotonic() < deadline:
        going = [s for s in pages(cf, "list_stacks", "StackSummaries")
                 if s["StackName"] in names and s["StackStatus"] == "DELETE_IN_PROGRESS"]
        if not going:
            return
        time.sleep(2)


# -- what one deletion takes ---------------------------------------------------------------------
def _function_name(arn: str) -> str:
    """arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] -> NAME."""
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else ""


def _table(ddb, name: str) -> dict | None:
    try:
        return ddb.describe_table(TableName=name)["Table"]
    except ddb.exceptions.ResourceNotFoundException:
        return None


def _delete_rule(events, rule: str, bus: str) -> None:
    targets = events.list_targets_by_rule(Rule=rule, EventBusName=bus).get("Targets", [])
    if targets:
        events.remove_targets(Rule=rule, EventBusName=bus, Ids=[t["Id"] for t in targets])
    events.delete_rule(Name=rule, EventBusName=bus)


def _delete_role(iam, role: str) -> None:
    for policy in pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role):
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    for policy in pages(iam, "list_role_policies", "PolicyNames", RoleName=role):
        iam.delete_role_policy(RoleName=role, PolicyName=policy)
    iam.delete_role(RoleName=role)


def _bucket_tags(s3, bucket: str) -> dict:
    try:
        return as_map(s3.get_bucket_tagging(Bucket=bucket).get("TagSet", []))
    except s3.exceptions.ClientError:   # NoSuchTagSet: a bucket without tags
        return {}


def _delete_bucket(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        objects = [{"Key": o["Key"], "VersionId": o["VersionId"]}
                   for o in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    s3.delete_bucket(Bucket=bucket)
