"""labkit teardown: find and delete every resource the kit created (tagged or prefixed).

    labkit teardown --dry-run      list what would be deleted
    labkit teardown --yes          delete without asking
    labkit teardown --all-owners   every learner's labkit resources (instructor, shared account)

Refused on real AWS unless LABKIT_BACKEND=aws and LABKIT_AWS_CONFIRM=1 (backends.resolve);
always allowed on an emulator. Deletion order: what points at things first (event source
mappings, rules, alarms, state machines, REST and HTTP APIs), then functions, topics, queues,
tables, log groups. (On AWS, DeleteRestApi is limited to one call every 30 s per account
(API Gateway quotas): a failed deletion is listed, and a second run deletes it.)
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

from labkit.aws_resources import is_managed, owner
from labkit.backends import BackendError, resolve

HELP = "Delete every AWS resource labkit created (tagged labkit:managed or named labkit-<owner>-)."


@dataclass
class Found:
    kind: str
    name: str
    delete: Callable[[], None]

    def __str__(self) -> str:
        return f"{self.kind:<22} {self.name}"


def add_arguments(p) -> None:
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    p.add_argument("--all-owners", action="store_true",
                   help="every labkit resource in the account, not only LABKIT_OWNER's")


def _pages(client, operation: str, key: str, **kwargs) -> list:
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


def _as_map(tag_list: list[dict]) -> dict[str, str]:
    """[{"Key": k, "Value": v}] or [{"key": k, "value": v}] -> {k: v}."""
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tag_list}


def find(client: Callable, all_owners: bool = False) -> list[Found]:
    """Every managed resource, in deletion order. client(service) -> boto3 client."""
    managed = lambda name, tags: is_managed(name, tags, all_owners=all_owners)  # noqa: E731
    found: list[Found] = []

    lam = client("lambda")
    functions = [f for f in _pages(lam, "list_functions", "Functions")
                 if managed(f["FunctionName"], lam.list_tags(Resource=f["FunctionArn"]).get("Tags", {}))]
    function_names = {f["FunctionName"] for f in functions}
    for esm in _pages(lam, "list_event_source_mappings", "EventSourceMappings"):
        if _function_name(esm.get("FunctionArn", "")) in function_names:
            found.append(Found("event source mapping", f"{esm['UUID']} ({esm.get('EventSourceArn', '')})",
                               lambda u=esm["UUID"]: lam.delete_event_source_mapping(UUID=u)))

    events = client("events")
    for bus in _pages(events, "list_event_buses", "EventBuses") or [{"Name": "default"}]:
        for rule in _pages(events, "list_rules", "Rules", EventBusName=bus["Name"]):
            tags = _as_map(events.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags", []))
            if managed(rule["Name"], tags):
                found.append(Found("eventbridge rule", f"{bus['Name']}/{rule['Name']}",
                                   lambda r=rule["Name"], b=bus["Name"]: _delete_rule(events, r, b)))

    cw = client("cloudwatch")
    for alarm in _pages(cw, "describe_alarms", "MetricAlarms"):
        tags = _as_map(cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", []))
        if managed(alarm["AlarmName"], tags):
            found.append(Found("cloudwatch alarm", alarm["AlarmName"],
                               lambda n=alarm["AlarmName"]: cw.delete_alarms(AlarmNames=[n])))

    sfn = client("stepfunctions")
    for sm in _pages(sfn, "list_state_machines", "stateMachines"):
        tags = _as_map(sfn.list_tags_for_resource(resourceArn=sm["stateMachineArn"]).get("tags", []))
        if managed(sm["name"], tags):
            found.append(Found("state machine", sm["name"],
                               lambda a=sm["stateMachineArn"]: sfn.delete_state_machine(stateMachineArn=a)))

    apigw = client("apigateway")
    for api in _pages(apigw, "get_rest_apis", "items"):
        if managed(api["name"], api.get("tags", {})):
            found.append(Found("rest api", f"{api['name']} ({api['id']})",
                               lambda i=api["id"]: apigw.delete_rest_api(restApiId=i)))
    apigw2 = client("apigatewayv2")
    for api in _pages(apigw2, "get_apis", "Items"):
        if managed(api["Name"], api.get("Tags", {})):
            found.append(Found("http api", f"{api['Name']} ({api['ApiId']})",
                               lambda i=api["ApiId"]: apigw2.delete_api(ApiId=i)))

    for f in functions:
        found.append(Found("lambda function", f["FunctionName"],
                           lambda n=f["FunctionName"]: lam.delete_function(FunctionName=n)))

    sns = client("sns")
    for topic in _pages(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        tags = _as_map(sns.list_tags_for_resource(ResourceArn=arn).get("Tags", []))
        if managed(arn.rsplit(":", 1)[1], tags):
            found.append(Found("sns topic", arn.rsplit(":", 1)[1], lambda a=arn: sns.delete_topic(TopicArn=a)))

    sqs = client("sqs")
    for url in _pages(sqs, "list_queues", "QueueUrls"):
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        if managed(url.rsplit("/", 1)[1], tags):
            found.append(Found("sqs queue", url.rsplit("/", 1)[1], lambda u=url: sqs.delete_queue(QueueUrl=u)))

    ddb = client("dynamodb")
    for table in _pages(ddb, "list_tables", "TableNames"):
        arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
        tags = _as_map(ddb.list_tags_of_resource(ResourceArn=arn).get("Tags", []))
        if managed(table, tags):
            found.append(Found("dynamodb table", table, lambda t=table: ddb.delete_table(TableName=t)))

    logs = client("logs")
    function_logs = {f"/aws/lambda/{f['FunctionName']}" for f in functions}
    for group in _pages(logs, "describe_log_groups", "logGroups"):
        group_name = group["logGroupName"]
        tags = logs.list_tags_log_group(logGroupName=group_name).get("tags", {})
        by_name = group_name.removeprefix("/aws/lambda/") if group_name.startswith("/aws/lambda/") else ""
        if group_name in function_logs or managed(by_name, tags):
            found.append(Found("log group", group_name,
                               lambda g=group_name: logs.delete_log_group(logGroupName=g)))
    return found


def _function_name(arn: str) -> str:
    """arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] -> NAME."""
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else ""


def _delete_rule(events, rule: str, bus: str) -> None:
    """A rule with targets cannot be deleted: remove its targets first."""
    targets = events.list_targets_by_rule(Rule=rule, EventBusName=bus).get("Targets", [])
    if targets:
        events.remove_targets(Rule=rule, EventBusName=bus, Ids=[t["Id"] for t in targets])
    events.delete_rule(Name=rule, EventBusName=bus)


def delete_all(found: list[Found]) -> list[tuple[Found, Exception]]:
    """Delete in order; keep going past failures and return them."""
    failures = []
    for item in found:
        try:
            item.delete()
        except Exception as exc:  # one stuck resource must not leave the rest running
            failures.append((item, exc))
    return failures


def run(args) -> int:
    try:
        backend = resolve()
    except BackendError as exc:
        print(f"labkit teardown: {exc}", file=sys.stderr)
        return 2
    where = backend.endpoint_url or f"real AWS ({backend.region})"
    whose = "every owner" if args.all_owners else f"owner {owner()!r}"
    found = find(backend.client, all_owners=args.all_owners)
    print(f"labkit teardown on {backend.name} at {where}, {whose}: {len(found)} resource(s).")
    for item in found:
        print(f"  {item}")
    if not found or args.dry_run:
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            print("Not a terminal: pass --yes to delete.", file=sys.stderr)
            return 1
        if input(f"Delete these {len(found)} resource(s)? [y/N] ").strip().lower() != "y":
            print("Nothing deleted.")
            return 1
    failures = delete_all(found)
    for item, exc in failures:
        print(f"  FAILED {item}: {exc}", file=sys.stderr)
    print(f"deleted {len(found) - len(failures)}, failed {len(failures)}.")
    return 1 if failures else 0
