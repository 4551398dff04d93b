"""What an EventBridge rule passes to a target: the event, or Input / InputPath / InputTransformer.

Follows the EventBridge User Guide, "Amazon EventBridge input transformation":
  * Input: "nothing from the event itself is passed to the target", only this JSON text;
  * InputPath: the part of the event the JSONPath selects;
  * InputTransformer: variables from InputPathsMap (JSONPath into the event) and the
    predefined aws.events.rule-arn, aws.events.rule-name, aws.events.event.ingestion-time,
    aws.events.event (the event without detail) and aws.events.event.json (the whole
    event), substituted into InputTemplate. A variable inside a JSON string is inserted as
    plain text; outside quotes its JSON value is inserted ("instance": <instance> gives
    "instance": "i-0123456789"). A path that matches nothing creates no variable.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def iso_time(value: Any) -> str:
    """EventBridge time fields: '2015-11-11T21:29:54Z'."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        value = value.timestamp()
    return datetime.fromtimestamp(float(value), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def aws_event(moto_event: dict) -> dict:
    """The event exactly as AWS delivers it (moto's internal copy has extra/odd fields)."""
    event = {
        "version": moto_event.get("version", "0"),
        "id": moto_event["id"],
        "detail-type": moto_event["detail-type"],
        "source": moto_event["source"],
        "account": moto_event["account"],
        "time": iso_time(moto_event["time"]),
        "region": moto_event["region"],
        "resources": list(moto_event.get("resources") or []),
        "detail": moto_event.get("detail", {}),
    }
    if "replay-name" in moto_event:
        event["replay-name"] = moto_event["replay-name"]
    return event


def json_path(path: str, event: dict) -> tuple[bool, Any]:
    """(found, value) for an EventBridge JSONPath; several matches give a list."""
    from jsonpath_ng.ext import parse

    matches = [m.value for m in parse(path).find(event)]
    if not matches:
        return False, None
    is_wildcard = "*" in path
    return True, (matches if is_wildcard or len(matches) > 1 else matches[0])


def render_template(template: str, variables: dict[str, Any], raw_json: dict[str, str]) -> str:
    """Substitute <name> placeholders, knowing whether each one sits inside a JSON string.

    ``variables`` hold values (quoted when outside a string); ``raw_json`` hold JSON text
    inserted as it is (aws.events.event / aws.events.event.json, which AWS does not escape).
    Unknown placeholders are left untouched, as AWS leaves text it does not recognise.
    """
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "<":
            match = _PLACEHOLDER.match(template, i)
            if match and (match.group(1) in variables or match.group(1) in raw_json):
                name = match.group(1)
                if name in raw_json:
                    out.append(raw_json[name])
                else:
                    value = variables[name]
                    if in_string:
                        out.append(value if isinstance(value, str) else json.dumps(value))
                    else:
                        out.append(json.dumps(value))
                i = match.end()
                continue
        if ch == "\\" and in_string and i + 1 < len(template):
            out.append(template[i:i + 2])
            i += 2
            continue
        if ch == '"':
            in_string = not in_string
        out.append(ch)
        i += 1
    return "".join(out)


def target_input(target: dict, event: dict, rule_name: str, rule_arn: str,
                 ingestion_time: Any) -> str:
    """The text this target receives for this (AWS-shaped) event."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath"):
        found, value = json_path(target["InputPath"], event)
        return json.dumps(value if found else None)
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    variables: dict[str, Any] = {}
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        found, value = json_path(path, event)
        if found:
            variables[name] = value
    variables.update({
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": iso_time(ingestion_time),
    })
    without_detail = {k: v for k, v in event.items() if k != "detail"}
    raw_json = {"aws.events.event": json.dumps(without_detail),
                "aws.events.event.json": json.dumps(event)}
    return render_template(transformer["InputTemplate"], variables, raw_json)
