"""Helpers for lesson 12 (infrastructure as code and safe delivery): deploying and deleting stacks
through change sets, change sets and drift reports as tables, a stack's live settings, the steps
and counts of a canary run (of labkit.lessons.alias_traffic's rows), and the modelled prices.
The canary's plot (and its requests per time window), its report and its controls are in
iac_figures.py.

    stacks = Stacks(cf, logs, create_change_set)      # the caller makes the CreateChangeSet call
    outputs = stacks.deploy("l12-x-prod", TEMPLATE, {"Stage": "prod"}, "v1")   # plan, show, execute
    status, drifts = detect_drift(cf, "l12-x-prod")    # DetectStackDrift, as a table
    with AliasTraffic(lam, "checkout", "live", per_second=20) as traffic: ...   # alias_traffic

Everything that talks to AWS takes plain boto3 clients from the caller, so the lesson runs the
same on the embedded backend and on AWS.
"""
from __future__ import annotations

import difflib
import json
import time
from typing import Callable

import pandas as pd

from labkit.cost.prices import CLOUDWATCH_PRICING, LAMBDA_REQUESTS, Price
from labkit.lessons.polling import wait_until
from labkit.lessons.progress_bar import Progress

CLOUDFORMATION_PRICING = "https://aws.amazon.com/cloudformation/pricing/"
CODEDEPLOY_PRICING = "https://aws.amazon.com/codedeploy/pricing/"
# A standard-resolution metric alarm, per alarm per month (us-east-1). The kit's stored copy of
# the pricing page did not show the alarm table: checked against third-party summaries of it.
ALARM_MONTH = Price(0.10, 1, "alarm-month", CLOUDWATCH_PRICING, checked="2026-12-05")

DRIFT_COLUMNS = ["resource", "type", "drift", "property", "expected", "actual", "difference"]
CHANGE_COLUMNS = ["action", "resource", "type", "replacement", "properties", "because of"]
DEPLOY_COLUMNS = ["stack", "template", "change set", "plan (s)", "execute (s)"]

# (stack, template text, parameters, "CREATE" or "UPDATE", change set name) -> the change set's Id
CreateChangeSet = Callable[[str, str, dict, str, str], str]


# -- deploying and deleting stacks ----------------------------------------------------------------
class Stacks:
    """This run's stacks, deployed as `sam deploy` does it: CreateChangeSet (``create_change_set``,
    the caller's call, with the parameters the lesson discusses), wait for the plan
    (DescribeChangeSet), show its changes, ExecuteChangeSet, wait for the stack to settle. Each
    wait polls with a deadline, ``timeout_s``: on AWS a stack with IAM roles takes minutes."""

    def __init__(self, cf, logs, create_change_set: CreateChangeSet, timeout_s: float = 60.0):
        self.cf, self.logs, self.timeout_s = cf, logs, timeout_s
        self.create_change_set = create_change_set
        self.names: list[str] = []       # created and not deleted yet
        self.deploys: list[dict] = []    # one row per deploy, with what each step took

    def __contains__(self, stack: str) -> bool:
        return stack in self.names

    def __iter__(self):
        return iter(list(self.names))

    def deploy(self, stack: str, template: str, parameters: dict, label: str, show: bool = True) -> dict:
        """Create a change set (CREATE for a new stack, UPDATE for one of ours), show its changes
        when ``show``, execute it, wait; return the stack's outputs."""
        kind = "UPDATE" if stack in self.names else "CREATE"
        began = time.monotonic()
        arn = self.create_change_set(stack, template, parameters, kind, f"{stack}-{len(self.deploys) + 1}")
        if kind == "CREATE":
            self.names.append(stack)     # from now on there is something to delete
        with Progress(2, f"deploy {label}") as progress:     # plan, then execute: minutes on AWS
            change_set = wait_until(lambda: self._planned(arn), timeout=self.timeout_s, interval=0.5,
                                    what=f"the change set of {stack}")
            if change_set["Status"] != "CREATE_COMPLETE":
                raise RuntimeError(f"change set of {stack} failed: {change_set.get('StatusReason')}")
            planned = time.monotonic()
            progress.step()
            if show:
                from IPython.display import display

                print(f"{stack}: change set {kind} with template {label}, {len(change_set['Changes'])} change(s)")
                display(change_rows(change_set))
            self.cf.execute_change_set(ChangeSetName=arn)
            settled = wait_until(lambda: self._executed(arn, stack), timeout=self.timeout_s, interval=0.5,
                                 what=f"stack {stack} to settle")
            progress.step()
        if settled["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            raise RuntimeError(f"stack {stack} ended {settled['StackStatus']}")
        self.deploys.append({"stack": stack, "template": label, "change set": kind,
                             "plan (s)": round(planned - began, 2),
                             "execute (s)": round(time.monotonic() - planned, 2)})
        return {output["OutputKey"]: output["OutputValue"] for output in settled.get("Outputs", [])}

    def _planned(self, arn: str) -> dict | None:
        described = self.cf.describe_change_set(ChangeSetName=arn)
        return described if described["Status"] in ("CREATE_COMPLETE", "FAILED") else None

    def _executed(self, arn: str, stack: str) -> dict | None:
        """The stack, once the change set has run and the stack has settled; None until then."""
        if self.cf.describe_change_set(ChangeSetName=arn)["ExecutionStatus"] in (
                "AVAILABLE", "EXECUTE_IN_PROGRESS"):
            return None
        described = self.cf.describe_stacks(StackName=stack)["Stacks"][0]
        return described if described["StackStatus"].endswith(("_COMPLETE", "_FAILED")) else None

    def remove(self, stack: str) -> None:
        """Delete a stack and wait until it is gone. Lambda, not CloudFormation, created the
        functions' log groups, so deleting the stack leaves them: they are deleted here too."""
        resources = self.cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]
        stack_id = self.cf.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]  # a deleted stack is found by id

        def deleted():
            status = self.cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
            return status if status in ("DELETE_COMPLETE", "DELETE_FAILED") else None

        self.cf.delete_stack(StackName=stack)
        status = wait_until(deleted, timeout=self.timeout_s, interval=0.5, what=f"stack {stack} to be deleted")
        if status != "DELETE_COMPLETE":
            raise RuntimeError(f"stack {stack} ended {status}")
        for resource in resources:
            if resource["ResourceType"] == "AWS::Lambda::Function":
                try:
                    self.logs.delete_log_group(logGroupName=f"/aws/lambda/{resource['PhysicalResourceId']}")
                except self.logs.exceptions.ResourceNotFoundException:
                    pass
        self.names.remove(stack)

    def remove_all(self) -> list[str]:
        """Delete every stack of ours still there; their names."""
        gone = list(self.names)
        for stack in gone:
            self.remove(stack)
        return gone

    def deploy_times(self) -> pd.DataFrame:
        """One row per deploy: the stack, the template, CREATE or UPDATE, seconds to plan and execute."""
        return pd.DataFrame(self.deploys, columns=DEPLOY_COLUMNS).set_index("stack")


def left_behind(prefix: str, cf, lam, sqs, cw, logs) -> dict[str, list[str]]:
    """What is still there under ``prefix``, by kind: stacks, functions, queues, alarms, log groups."""
    return {
        "stacks": [s["StackName"] for page in cf.get_paginator("list_stacks").paginate()
                   for s in page["StackSummaries"]
                   if s["StackName"].startswith(prefix) and s["StackStatus"] != "DELETE_COMPLETE"],
        "functions": [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate()
                      for f in page["Functions"] if f["FunctionName"].startswith(prefix)],
        "queues": sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []),
        "alarms": [a["AlarmName"] for a in cw.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]],
        "log groups": [g["logGroupName"] for g in
                       logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]],
    }


def wait_for_update(lam, function: str, timeout: float = 60) -> None:
    """Until the function's last configuration update has finished (LastUpdateStatus)."""
    wait_until(lambda: lam.get_function_configuration(FunctionName=function)["LastUpdateStatus"] == "Successful",
               timeout=timeout, interval=0.25, what=f"the update of {function}")


# -- templates, change sets, drift ------------------------------------------------------------
def template_diff(old: str, new: str, old_name: str = "before", new_name: str = "after") -> str:
    """The lines that differ between two template texts, with one line of context."""
    lines = difflib.unified_diff(old.strip("\n").splitlines(), new.strip("\n").splitlines(),
                                 old_name, new_name, n=1, lineterm="")
    return "\n".join(lines)


def change_rows(change_set: dict) -> pd.DataFrame:
    """DescribeChangeSet's Changes, one row per resource: what CloudFormation will do to it, and
    (for a Modify) which properties change and why (DirectModification: the template's text;
    ParameterReference: a parameter's value)."""
    rows = []
    for change in change_set.get("Changes") or []:
        resource = change.get("ResourceChange") or {}
        details = resource.get("Details") or []
        names = sorted({d["Target"].get("Name") or d["Target"].get("Attribute", "")
                        for d in details if d.get("Target")})
        sources = sorted({d.get("ChangeSource", "") for d in details} - {""})
        rows.append({"action": resource.get("Action", ""),
                     "resource": resource.get("LogicalResourceId", ""),
                     "type": resource.get("ResourceType", ""),
                     "replacement": resource.get("Replacement", ""),
                     "properties": ", ".join(names), "because of": ", ".join(sources)})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def drift_rows(drifts: list[dict]) -> pd.DataFrame:
    """DescribeStackResourceDrifts' answer as a table: one row per property that differs, and one
    row (without a property) for each resource that is in sync or was not checked."""
    rows = []
    for drift in sorted(drifts, key=lambda d: d["LogicalResourceId"]):
        base = {"resource": drift["LogicalResourceId"], "type": drift.get("ResourceType", ""),
                "drift": drift["StackResourceDriftStatus"]}
        differences = drift.get("PropertyDifferences") or []
        if not differences:
            rows.append({**base, "property": "", "expected": "", "actual": "", "difference": ""})
        for d in differences:
            rows.append({**base, "property": d["PropertyPath"], "expected": d.get("ExpectedValue", ""),
                         "actual": d.get("ActualValue", ""), "difference": d["DifferenceType"]})
    return pd.DataFrame(rows, columns=DRIFT_COLUMNS)


def drift_of(table: pd.DataFrame, resource: str) -> str:
    """The drift status drift_rows() gives ``resource`` (MODIFIED, IN_SYNC, ...)."""
    found = table.loc[table["resource"] == resource, "drift"]
    if found.empty:
        raise KeyError(f"no drift result for {resource}")
    return str(found.iloc[0])


def detect_drift(cf, stack: str, timeout_s: float = 60.0) -> tuple[dict, pd.DataFrame]:
    """DetectStackDrift on the whole stack, wait until DescribeStackDriftDetectionStatus says it
    finished; that status, and DescribeStackResourceDrifts' answer as drift_rows()."""
    detection = cf.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]

    def finished():
        status = cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
        return status if status["DetectionStatus"] != "DETECTION_IN_PROGRESS" else None

    status = wait_until(finished, timeout=timeout_s, interval=0.5, what=f"drift detection of {stack}")
    return status, drift_rows(cf.describe_stack_resource_drifts(StackName=stack)["StackResourceDrifts"])


def declared_resources(template_text: str) -> list[str]:
    """The logical ids a YAML template declares (two-space indented keys under Resources:),
    read from the text: short-form tags such as !Sub make it unreadable to a plain YAML parser."""
    names, inside = [], False
    for line in template_text.splitlines():
        if line and not line.startswith((" ", "#")):
            inside = line.rstrip() == "Resources:"
        elif inside and line.startswith("  ") and not line.startswith("   "):
            key = line.strip().split(":", 1)[0]
            if key and not key.startswith("#"):
                names.append(key)
    return names


def resource_types(template: dict | str) -> pd.Series:
    """Logical id -> resource type of a template: GetTemplate's TemplateBody, a JSON text or
    already parsed (boto3 parses a JSON body)."""
    template = json.loads(template) if isinstance(template, str) else template
    return pd.Series({name: body.get("Type", "") for name, body in
                      (template.get("Resources") or {}).items()}, name="type").sort_index()


def expansion_table(processed: dict | str, template_text: str) -> pd.DataFrame:
    """Each resource of the processed template (GetTemplate, TemplateStage="Processed"), its type,
    and whether the template text declared it or a transform (SAM's) added it."""
    table = resource_types(processed).to_frame()
    declared = set(declared_resources(template_text))
    table["declared by"] = ["the template" if name in declared else "SAM's transform" for name in table.index]
    return table


# -- a pipeline stack's live settings, and two stages side by side ------------------------------
def read_pipeline(cf, lam, sqs, cw, stack: str) -> dict:
    """The settings of lesson 12's pipeline stack as the services report them (not as the
    template says): function, queues, event source mapping, alarm."""
    ids = {r["LogicalResourceId"]: r["PhysicalResourceId"]
           for r in cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    fn = lam.get_function_configuration(FunctionName=ids["Worker"])
    queue = sqs.get_queue_attributes(QueueUrl=ids["Orders"], AttributeNames=["All"])["Attributes"]
    redrive = json.loads(queue.get("RedrivePolicy") or "{}")
    mapping = lam.get_event_source_mapping(UUID=ids["WorkerFromOrders"])
    alarm, = cw.describe_alarms(AlarmNames=[ids["WorkerErrors"]])["MetricAlarms"]
    return {
        "function name": fn["FunctionName"], "memory (MB)": fn["MemorySize"],
        "timeout (s)": fn["Timeout"], "runtime": fn["Runtime"],
        "STAGE variable": (fn.get("Environment") or {}).get("Variables", {}).get("STAGE"),
        "queue name": ids["Orders"].rstrip("/").rsplit("/", 1)[-1],
        "visibility timeout (s)": int(queue["VisibilityTimeout"]),
        "DLQ name": redrive.get("deadLetterTargetArn", "").rsplit(":", 1)[-1],
        "maxReceiveCount": int(redrive.get("maxReceiveCount", 0)),
        "batch size": mapping["BatchSize"],
        "partial batch responses": "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
        "alarm name": alarm["AlarmName"], "alarm threshold (errors)": alarm["Threshold"],
        "alarm period (s)": alarm["Period"],
    }


def parity_table(settings: dict[str, dict], from_parameters: set[str]) -> pd.DataFrame:
    """Stages side by side (columns: one per stage), and for each setting whether the stages
    agree and, where they do not, whether a stack parameter explains it."""
    table = pd.DataFrame(settings)
    table["same"] = table.nunique(axis=1, dropna=False) == 1
    table["why they differ"] = [
        "" if same else "stack parameter (Prefix or Stage)" if name in from_parameters
        else "NOT FROM A PARAMETER: drift or a hand edit"
        for name, same in table["same"].items()]
    return table


def stage_parity(cf, lam, sqs, cw, stacks: dict[str, str], from_parameters: set[str]) -> pd.DataFrame:
    """parity_table() of the stages' stacks (stage -> stack name), as the services report them."""
    return parity_table({stage: read_pipeline(cf, lam, sqs, cw, stack) for stage, stack in stacks.items()},
                        from_parameters)


def unexplained(table: pd.DataFrame) -> list[str]:
    """Settings that differ between stages although no parameter makes them differ."""
    return [name for name, why in table["why they differ"].items() if why.startswith("NOT")]


# -- what a canary run measured ---------------------------------------------------------------------
def wait_for_requests(traffic, more: int, what: str, timeout: float = 60) -> None:
    """Until ``traffic`` (an AliasTraffic) has served ``more`` requests beyond those served now."""
    target = traffic.served() + more
    wait_until(lambda: traffic.served() >= target, timeout=timeout, what=what)


def alarm_or_bake(cw, alarm: str, traffic, bake_s: float, per_second: float) -> str:
    """Watch a canary from now on: "alarm" as soon as ``alarm`` is in ALARM, "quiet" once ``bake_s``
    seconds have passed and carried the planned traffic (``per_second`` x ``bake_s`` requests).
    A progress bar counts the seconds watched; it stops short when the alarm ends the watch."""
    started, served = traffic.now(), traffic.served()
    with Progress(int(bake_s), "canary under watch") as progress:
        def verdict():
            progress.step(max(0, int(traffic.now() - started) - progress.done))
            if cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"] == "ALARM":
                return "alarm"
            baked = traffic.now() - started >= bake_s
            return "quiet" if baked and traffic.served() - served >= per_second * bake_s else None

        return wait_until(verdict, timeout=bake_s + 120, interval=0.25, what="an alarm or the end of the bake")


def canary_result(lam, cw, function: str, alarm: str, frame: pd.DataFrame, events: dict[str, float],
                  stable: str, new: str, settle_s: float = 0.0, **run) -> dict:
    """One canary run's record: ``run`` (its settings), the versions, the requests, the events,
    the alarm's threshold, each version's BUG_PERCENT as Lambda keeps it, and the counts."""
    versions = {v: lam.get_function_configuration(FunctionName=function, Qualifier=v)["Environment"][
        "Variables"]["BUG_PERCENT"] for v in (stable, new)}
    threshold = cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["Threshold"]
    return {**run, "stable": stable, "new": new, "frame": frame, "events": events, "threshold": threshold,
            "versions": versions, "summary": canary_summary(frame, events, new, settle_s=settle_s)}


def canary_summary(frame: pd.DataFrame, events: dict[str, float], new: str,
                   settle_s: float = 0.0) -> dict:
    """Counts of one canary run: how much traffic the new version served while it was under
    watch, how many of those failed, and what it served after the decision (requests sent more
    than ``settle_s`` after it: an alias update may take a moment to reach every router)."""
    start = events["canary starts"]
    decided = events.get("rolled back", events.get("promoted"))
    during = frame[(frame["t"] >= start) & (frame["t"] < decided)]
    after = frame[frame["t"] >= decided + settle_s]
    to_new = during[during["version"] == new]
    failed = frame[(frame["version"] == new) & ~frame["ok"]]
    return {
        "decision": "rolled back" if "rolled back" in events else "promoted",
        "seconds under watch": round(decided - start, 2),
        "requests under watch": len(during), "served by the new version": len(to_new),
        "share to the new version": round(len(to_new) / len(during), 3) if len(during) else 0.0,
        "failed requests": len(failed),
        "first failure (s)": round(float(failed["t"].min()), 2) if len(failed) else None,
        "requests after the decision": len(after),
        "new version after the decision": int((after["version"] == new).sum()),
    }


def blast_radius(per_second: float, detect_s: float, bug_share: float, weight: float) -> dict:
    """Failed requests before a bad release is stopped, modelled: traffic x time to detection x
    the share of requests the bug breaks, for a canary at ``weight`` and for all at once."""
    return {"canary": per_second * detect_s * weight * bug_share,
            "all at once": per_second * detect_s * bug_share}


# -- prices (modelled) ---------------------------------------------------------------------------------
def stage_costs(alarms_per_stage: int, stages: int) -> pd.DataFrame:
    """What this lesson's stacks would cost per month on AWS, by item (modelled, us-east-1)."""
    rows = [
        ("CloudFormation (AWS::* resources)", "no charge", 0.0, CLOUDFORMATION_PRICING),
        ("CodeDeploy traffic shifting for Lambda", "no charge (only on-premises instances are billed)",
         0.0, CODEDEPLOY_PRICING),
        (f"metric alarms: {alarms_per_stage} per stage x {stages} stages", ALARM_MONTH.describe(),
         ALARM_MONTH.cost(alarms_per_stage * stages), ALARM_MONTH.source),
        ("a canary release", "no extra requests: the same traffic, split between two versions",
         0.0, LAMBDA_REQUESTS.source),
        ("an idle stage's function and queues", f"per request ({LAMBDA_REQUESTS.describe()}; SQS "
         "counts the mapping's empty long polls as requests, not modelled here)", 0.0,
         "Lambda and SQS pricing pages"),
    ]
    return pd.DataFrame(rows, columns=["item", "price", "USD per month (modelled)", "source"])
