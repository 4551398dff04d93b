"""Helpers for lesson 12 (infrastructure as code and safe delivery): change sets and drift
reports as tables, a stack's live settings, the canary plot (of labkit.lessons.alias_traffic's
rows), and the modelled prices.

    change_rows(cf.describe_change_set(...))         # one row per resource the change set touches
    drift_rows(cf.describe_stack_resource_drifts(...)["StackResourceDrifts"])
    with AliasTraffic(lam, "checkout", "live", per_second=20) as traffic: ...   # alias_traffic
    show_figure(plot_canary(traffic.frame(), events, stable="1", new="2", threshold=2, ...))

Everything that talks to AWS takes plain boto3 clients from the caller, so the lesson runs the
same on the embedded backend and on AWS.
"""
from __future__ import annotations

import difflib
import json

import matplotlib.pyplot as plt
import pandas as pd

from labkit.cost.prices import CLOUDWATCH_PRICING, LAMBDA_REQUESTS, Price

CLOUDFORMATION_PRICING = "https://aws.amazon.com/cloudformation/pricing/"
CODEDEPLOY_PRICING = "https://aws.amazon.com/codedeploy/pricing/"
# A standard-resolution metric alarm, per alarm per month (us-east-1). The kit's stored copy of
# the pricing page did not show the alarm table: checked against third-party summaries of it.
ALARM_MONTH = Price(0.10, 1, "alarm-month", CLOUDWATCH_PRICING, checked="2026-12-05")

DRIFT_COLUMNS = ["resource", "type", "drift", "property", "expected", "actual", "difference"]
CHANGE_COLUMNS = ["action", "resource", "type", "replacement", "properties", "because of"]


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


def resource_types(template: dict) -> pd.Series:
    """Logical id -> resource type of a template (a parsed one: GetTemplate's answer)."""
    return pd.Series({name: body.get("Type", "") for name, body in
                      (template.get("Resources") or {}).items()}, name="type").sort_index()


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


def unexplained(table: pd.DataFrame) -> list[str]:
    """Settings that differ between stages although no parameter makes them differ."""
    return [name for name, why in table["why they differ"].items() if why.startswith("NOT")]


# -- what a canary run measured ---------------------------------------------------------------------
def requests_per_bin(frame: pd.DataFrame, new: str, bin_s: float = 0.5) -> pd.DataFrame:
    """Requests sent in each ``bin_s`` window: served by any other version ("stable"), by
    ``new`` successfully ("new ok") or with an error ("new failed")."""
    columns = ["stable", "new ok", "new failed"]
    if frame.empty:
        return pd.DataFrame(columns=columns, dtype=int)
    kind = frame.apply(lambda r: "stable" if r["version"] != new else "new ok" if r["ok"] else "new failed",
                       axis=1)
    start = (frame["t"] // bin_s) * bin_s
    counts = pd.crosstab(start.rename("bin start (s)"), kind).reindex(columns=columns, fill_value=0)
    every = [round(i * bin_s, 9) for i in range(int(start.max() / bin_s + 1.5))]
    counts.index = counts.index.map(lambda v: round(v, 9))
    return counts.reindex(every, fill_value=0).astype(int)


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


def plot_canary(frame: pd.DataFrame, events: dict[str, float], stable: str, new: str,
                threshold: float, title: str, timing: str, bin_s: float = 0.5):
    """Requests per version over time (stacked bars), failures in red, the new version's failures
    summed below with the alarm threshold, and every event of the rollout as a line."""
    bins = requests_per_bin(frame, new, bin_s)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1.4]})
    x, base = bins.index.to_numpy(dtype=float), 0
    for column, color, label in (("stable", "tab:blue", f"version {stable}"),
                                 ("new ok", "tab:orange", f"version {new}: ok"),
                                 ("new failed", "tab:red", f"version {new}: error")):
        top.bar(x, bins[column], width=bin_s, align="edge", bottom=base, color=color, label=label)
        base = base + bins[column].to_numpy()
    failed = frame[(frame["version"] == new) & ~frame["ok"]].sort_values("t")
    bottom.step([0.0, *failed["t"], float(frame["t"].max()) if len(frame) else 0.0],
                [0, *range(1, len(failed) + 1), len(failed)], where="post", color="tab:red")
    bottom.axhline(threshold, color="grey", ls="--", lw=1)
    bottom.annotate(f"alarm threshold: {threshold:g} errors in one period", (0, threshold),
                    xytext=(2, 3), textcoords="offset points", fontsize=8, color="grey")
    highest = max(float(base.max()) if len(bins) else 0.0, 1.0)
    top.set_ylim(0, highest * 1.6)           # headroom above the bars for the event labels
    if "canary starts" in events:
        decided = events.get("rolled back", events.get("promoted", x[-1] + bin_s if len(x) else 0.0))
        top.axvspan(events["canary starts"], decided, color="tab:orange", alpha=0.08, lw=0, zorder=0)
    for n, (label, t) in enumerate(sorted(events.items(), key=lambda item: item[1])):
        for axis in (top, bottom):
            axis.axvline(t, color="black", ls=":", lw=1)
        top.annotate(label, (t, highest * (1.5 - 0.12 * (n % 4))), xytext=(3, 0), textcoords="offset points",
                     fontsize=8, va="center")
    top.set_ylabel(f"requests per {bin_s:g} s")
    top.set_title(f"{title} ({timing})", fontsize=10)
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    bottom.set_ylabel(f"errors of v{new}\n(cumulative)")
    bottom.set_xlabel("seconds after the traffic started")
    return fig


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
