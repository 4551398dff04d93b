"""labkit.lessons.iac_lesson and iac_figures: deploying and deleting stacks through change sets,
change sets and drift reports as tables, the declared resources of a template, stages side by side,
watching a canary, the counts of a canary run, its report and plot, and the modelled prices.
No backend: the AWS clients (and AliasTraffic's Lambda) are small stand-ins."""
from __future__ import annotations

import io
import json
import threading
import time

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from labkit.lessons import iac_lesson
from labkit.lessons.alias_traffic import AliasTraffic
from labkit.lessons.iac_figures import plot_canary, requests_per_bin, rollout_steps, show_canary_run
from labkit.lessons.iac_lesson import (
    ALARM_MONTH, Stacks, alarm_or_bake, blast_radius, canary_result, canary_summary, change_rows,
    declared_resources, detect_drift, drift_of, drift_rows, expansion_table, left_behind, parity_table,
    resource_types, stage_costs, stage_parity, template_diff, unexplained, wait_for_requests)

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String}
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Stage}-orders"   # a comment
  # a commented-out resource is not declared
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        def handler(event, context):
            return 1
Outputs:
  Url: {Value: !Ref Orders}
"""


def test_declared_resources_reads_the_keys_under_resources_only():
    assert declared_resources(TEMPLATE) == ["Orders", "Worker"]
    assert declared_resources("Parameters:\n  A: {Type: String}\n") == []


def test_template_diff_shows_only_the_changed_lines_with_context():
    diff = template_diff(TEMPLATE, TEMPLATE.replace("-orders", "-queue"), "v1", "v2")
    lines = diff.splitlines()
    assert lines[:2] == ["--- v1", "+++ v2"]
    changed = [line for line in lines if line[:1] in "-+" and not line.startswith(("---", "+++"))]
    assert changed == [
        '-      QueueName: !Sub "${Stage}-orders"   # a comment',
        '+      QueueName: !Sub "${Stage}-queue"   # a comment']
    assert template_diff(TEMPLATE, TEMPLATE) == ""


def test_change_rows_name_the_properties_and_why_they_change():
    change_set = {"Changes": [
        {"Type": "Resource", "ResourceChange": {
            "Action": "Modify", "LogicalResourceId": "Worker", "ResourceType": "AWS::Lambda::Function",
            "Replacement": "False", "Details": [
                {"Target": {"Attribute": "Properties", "Name": "Timeout"},
                 "ChangeSource": "DirectModification"},
                {"Target": {"Attribute": "Properties", "Name": "MemorySize"},
                 "ChangeSource": "ParameterReference"}]}},
        {"Type": "Resource", "ResourceChange": {
            "Action": "Add", "LogicalResourceId": "Orders", "ResourceType": "AWS::SQS::Queue"}}]}
    rows = change_rows(change_set)
    assert list(rows["resource"]) == ["Worker", "Orders"]
    worker = rows.iloc[0]
    assert worker["properties"] == "MemorySize, Timeout"
    assert worker["because of"] == "DirectModification, ParameterReference"
    assert rows.iloc[1]["action"] == "Add" and rows.iloc[1]["properties"] == ""
    assert change_rows({"Changes": []}).empty and list(change_rows({}).columns) == list(rows.columns)


DRIFTS = [
    {"LogicalResourceId": "Worker", "ResourceType": "AWS::Lambda::Function",
     "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [
         {"PropertyPath": "/MemorySize", "ExpectedValue": "256", "ActualValue": "1024",
          "DifferenceType": "NOT_EQUAL"},
         {"PropertyPath": "/Environment/Variables/DEBUG", "ExpectedValue": "null", "ActualValue": "1",
          "DifferenceType": "ADD"}]},
    {"LogicalResourceId": "Orders", "ResourceType": "AWS::SQS::Queue", "StackResourceDriftStatus": "IN_SYNC"},
    {"LogicalResourceId": "WorkerRole", "ResourceType": "AWS::IAM::Role",
     "StackResourceDriftStatus": "NOT_CHECKED"},
]


def test_drift_rows_one_row_per_difference_and_one_per_quiet_resource():
    table = drift_rows(DRIFTS)
    assert list(table["resource"]) == ["Orders", "Worker", "Worker", "WorkerRole"]   # sorted by resource
    worker = table[table["resource"] == "Worker"]
    assert list(worker["property"]) == ["/MemorySize", "/Environment/Variables/DEBUG"]
    assert list(worker["actual"]) == ["1024", "1"] and list(worker["difference"]) == ["NOT_EQUAL", "ADD"]
    assert drift_of(table, "Worker") == "MODIFIED" and drift_of(table, "Orders") == "IN_SYNC"
    with pytest.raises(KeyError):
        drift_of(table, "Missing")


def test_resource_types_of_a_processed_template():
    types = resource_types({"Resources": {"Worker": {"Type": "AWS::Lambda::Function"},
                                          "Alarm": {"Type": "AWS::CloudWatch::Alarm"}}})
    assert types.to_dict() == {"Alarm": "AWS::CloudWatch::Alarm", "Worker": "AWS::Lambda::Function"}


def test_parity_table_explains_differences_by_parameter_or_flags_them():
    table = parity_table({"prod": {"name": "p-worker", "memory": 512, "timeout": 10, "visibility": 180},
                          "dev": {"name": "d-worker", "memory": 128, "timeout": 10, "visibility": 60}},
                         from_parameters={"name", "memory"})
    assert table.loc["timeout", "same"] and not table.loc["memory", "same"]
    assert table.loc["timeout", "why they differ"] == ""
    assert table.loc["memory", "why they differ"].startswith("stack parameter")
    assert unexplained(table) == ["visibility"]


def _frame(rows):
    return pd.DataFrame(rows, columns=["t", "order", "version", "ok", "latency_ms", "error"])


CANARY = _frame([
    [0.1, "a", "1", True, 5, ""], [0.6, "b", "1", True, 5, ""],
    [1.1, "c", "2", True, 5, ""], [1.2, "d", "1", True, 5, ""], [1.7, "e", "2", False, 5, "boom"],
    [2.2, "f", "2", False, 5, "boom"], [2.4, "g", "1", True, 5, ""],
    [3.1, "h", "1", True, 5, ""], [3.6, "i", "1", True, 5, ""],
])
EVENTS = {"version published": 0.9, "canary starts": 1.0, "alarm seen": 2.9, "rolled back": 3.0}


def test_requests_per_bin_splits_the_new_version_by_outcome():
    bins = requests_per_bin(CANARY, new="2", bin_s=1.0)
    assert list(bins.index) == [0.0, 1.0, 2.0, 3.0]
    assert bins.loc[1.0].to_dict() == {"stable": 1, "new ok": 1, "new failed": 1}
    assert bins.loc[2.0].to_dict() == {"stable": 1, "new ok": 0, "new failed": 1}
    assert bins["stable"].sum() + bins["new ok"].sum() + bins["new failed"].sum() == len(CANARY)
    half = requests_per_bin(CANARY, new="2", bin_s=0.5)
    assert len(half) == 8 and half.sum().sum() == len(CANARY)   # empty windows are kept, as zeros
    assert requests_per_bin(_frame([]), new="2").empty


def test_canary_summary_counts_what_the_new_version_served_before_and_after():
    s = canary_summary(CANARY, EVENTS, new="2")
    assert s["decision"] == "rolled back" and s["seconds under watch"] == 2.0
    assert (s["requests under watch"], s["served by the new version"], s["failed requests"]) == (5, 3, 2)
    assert s["share to the new version"] == 0.6 and s["first failure (s)"] == 1.7
    assert (s["requests after the decision"], s["new version after the decision"]) == (2, 0)
    late = pd.concat([CANARY, _frame([[3.2, "j", "2", True, 5, ""]])], ignore_index=True)
    assert canary_summary(late, EVENTS, new="2")["new version after the decision"] == 1
    assert canary_summary(late, EVENTS, new="2", settle_s=0.5)["new version after the decision"] == 0
    promoted = canary_summary(CANARY, {"canary starts": 1.0, "promoted": 3.0}, new="2")
    assert promoted["decision"] == "promoted"


def test_blast_radius_scales_with_time_bug_and_weight():
    model = blast_radius(per_second=20, detect_s=60, bug_share=0.4, weight=0.1)
    assert model == pytest.approx({"canary": 48.0, "all at once": 480.0})
    assert blast_radius(20, 60, 0.0, 0.1) == {"canary": 0.0, "all at once": 0.0}


def test_plot_canary_draws_bars_events_and_threshold():
    fig = plot_canary(CANARY, EVENTS, stable="1", new="2", threshold=2, title="t", timing="emulated",
                      bin_s=1.0)
    top, bottom = fig.axes
    assert len(top.patches) >= 3 * 4                       # three stacked series over four windows
    assert {t.get_text() for t in top.texts} >= set(EVENTS)
    assert any(line.get_ydata()[0] == 2 for line in bottom.lines)   # the threshold line
    assert "emulated" in top.get_title()
    plt.close(fig)


def test_stage_costs_are_modelled_from_the_price_table():
    costs = stage_costs(alarms_per_stage=1, stages=2).set_index("item")
    assert costs["USD per month (modelled)"].sum() == pytest.approx(2 * ALARM_MONTH.usd)
    assert costs.loc["CloudFormation (AWS::* resources)", "USD per month (modelled)"] == 0
    assert all(str(source).startswith(("https://", "Lambda")) for source in costs["source"])


class _FakeLambda:
    """Answers Invoke like Lambda behind an alias: version 2 for every third order, which fails."""

    def __init__(self):
        self.calls, self.lock = 0, threading.Lock()

    def invoke(self, FunctionName, Qualifier, Payload):
        with self.lock:
            self.calls += 1
            n = self.calls
        answer = {"ExecutedVersion": "2" if n % 3 == 0 else "1",
                  "Payload": io.BytesIO(json.dumps({"order": json.loads(Payload)["order"]}).encode())}
        if n % 3 == 0:
            answer["FunctionError"] = "Unhandled"
        return answer


def test_traffic_records_each_request_with_the_version_that_ran():
    lam = _FakeLambda()
    with AliasTraffic(lam, "checkout", "live", per_second=400, clients=2, run="x") as traffic:
        deadline = traffic.now() + 10
        while traffic.served() < 12 and traffic.now() < deadline:
            threading.Event().wait(0.01)
    frame = traffic.frame()
    assert len(frame) >= 12 and frame["order"].is_unique and frame["order"].str.startswith("x-").all()
    assert set(frame["version"]) == {"1", "2"}
    assert (frame.loc[frame["version"] == "2", "ok"] == False).all()   # noqa: E712
    assert frame["t"].is_monotonic_increasing and (frame["latency_ms"] >= 0).all()


# -- deploying and deleting stacks, with a stand-in CloudFormation -------------------------------------
class _FakeCloudFormation:
    """Plans a change set at once (or fails it, for ``failing`` stacks), executes it at once, and
    deletes a stack at once; a deleted stack is still found by its id, as on AWS."""

    def __init__(self, failing=()):
        self.change_sets, self.stacks, self.failing = {}, {}, set(failing)

    def create(self, stack, template, parameters, kind, name):   # what the lesson's callback does
        arn = f"arn:changeSet/{name}"
        failed = stack in self.failing
        self.change_sets[arn] = {
            "stack": stack, "kind": kind, "parameters": parameters, "ExecutionStatus": "AVAILABLE",
            "Status": "FAILED" if failed else "CREATE_COMPLETE",
            "StatusReason": "Template format error" if failed else "",
            "Changes": [{"Type": "Resource", "ResourceChange": {
                "Action": "Add" if kind == "CREATE" else "Modify", "LogicalResourceId": "Worker",
                "ResourceType": "AWS::Lambda::Function"}}]}
        return arn

    def describe_change_set(self, ChangeSetName):
        return self.change_sets[ChangeSetName]

    def execute_change_set(self, ChangeSetName):
        change_set = self.change_sets[ChangeSetName]
        change_set["ExecutionStatus"] = "EXECUTE_COMPLETE"
        stack = change_set["stack"]
        self.stacks[stack] = {"StackName": stack, "StackId": f"id/{stack}",
                              "StackStatus": f"{change_set['kind']}_COMPLETE",
                              "Outputs": [{"OutputKey": "Function", "OutputValue": f"{stack}-fn"}]}

    def describe_stacks(self, StackName):
        found = [s for s in self.stacks.values() if StackName in (s["StackName"], s["StackId"])]
        return {"Stacks": found}

    def list_stack_resources(self, StackName):
        return {"StackResourceSummaries": [
            {"LogicalResourceId": "Worker", "ResourceType": "AWS::Lambda::Function",
             "PhysicalResourceId": f"{StackName}-fn"},
            {"LogicalResourceId": "Orders", "ResourceType": "AWS::SQS::Queue", "PhysicalResourceId": "q"}]}

    def delete_stack(self, StackName):
        self.stacks[StackName]["StackStatus"] = "DELETE_COMPLETE"


class _FakeLogs:
    class exceptions:
        class ResourceNotFoundException(Exception):
            pass

    def __init__(self, groups=()):
        self.groups = set(groups)

    def delete_log_group(self, logGroupName):
        if logGroupName not in self.groups:
            raise self.exceptions.ResourceNotFoundException(logGroupName)
        self.groups.remove(logGroupName)


def test_stacks_create_then_update_and_record_each_deploy(capsys):
    cf = _FakeCloudFormation()
    stacks = Stacks(cf, _FakeLogs(), cf.create, timeout_s=5)
    outputs = stacks.deploy("l12-a-prod", "T1", {"Stage": "prod", "Size": 256}, "v1", show=False)
    assert outputs == {"Function": "l12-a-prod-fn"} and "l12-a-prod" in stacks
    stacks.deploy("l12-a-prod", "T2", {"Stage": "prod"}, "v2", show=True)
    assert "l12-a-prod: change set UPDATE with template v2, 1 change(s)" in capsys.readouterr().out
    kinds = [c["kind"] for c in cf.change_sets.values()]
    assert kinds == ["CREATE", "UPDATE"]
    assert [name.rsplit("/", 1)[1] for name in cf.change_sets] == ["l12-a-prod-1", "l12-a-prod-2"]  # unique names
    times = stacks.deploy_times()
    assert list(times["change set"]) == ["CREATE", "UPDATE"] and list(times["template"]) == ["v1", "v2"]
    assert (times[["plan (s)", "execute (s)"]] >= 0).all().all() and list(times.index) == ["l12-a-prod"] * 2


def test_a_failed_plan_raises_with_its_reason_and_the_stack_stays_to_be_deleted():
    cf = _FakeCloudFormation(failing={"l12-a-bad"})
    stacks = Stacks(cf, _FakeLogs(), cf.create, timeout_s=5)
    with pytest.raises(RuntimeError, match="Template format error"):
        stacks.deploy("l12-a-bad", "T", {}, "bad", show=False)
    assert list(stacks) == ["l12-a-bad"] and stacks.deploys == []


def test_removing_a_stack_deletes_it_and_its_functions_log_groups():
    cf = _FakeCloudFormation()
    logs = _FakeLogs(groups={"/aws/lambda/l12-a-one-fn", "/aws/lambda/someone-else"})
    stacks = Stacks(cf, logs, cf.create, timeout_s=5)
    for name in ("l12-a-one", "l12-a-two"):
        stacks.deploy(name, "T", {}, "v1", show=False)
    stacks.remove("l12-a-one")
    assert cf.stacks["l12-a-one"]["StackStatus"] == "DELETE_COMPLETE" and list(stacks) == ["l12-a-two"]
    assert logs.groups == {"/aws/lambda/someone-else"}
    assert stacks.remove_all() == ["l12-a-two"] and list(stacks) == []   # a missing log group is fine


def test_detect_drift_waits_for_the_detection_and_tabulates_the_drifts():
    class _DriftingCloudFormation:
        polls = 0

        def detect_stack_drift(self, StackName):
            return {"StackDriftDetectionId": "d-1"}

        def describe_stack_drift_detection_status(self, StackDriftDetectionId):
            self.polls += 1
            done = self.polls > 1
            return {"DetectionStatus": "DETECTION_COMPLETE" if done else "DETECTION_IN_PROGRESS",
                    "StackDriftStatus": "DRIFTED" if done else "UNKNOWN", "DriftedStackResourceCount": 1}

        def describe_stack_resource_drifts(self, StackName):
            return {"StackResourceDrifts": DRIFTS}

    cf = _DriftingCloudFormation()
    status, table = detect_drift(cf, "l12-a-prod", timeout_s=10)
    assert cf.polls == 2 and status["StackDriftStatus"] == "DRIFTED"
    assert drift_of(table, "Worker") == "MODIFIED" and len(table) == 4


def test_left_behind_lists_only_what_is_named_with_the_prefix():
    class _Pages:
        def __init__(self, **pages):
            self.pages = pages

        def get_paginator(self, operation):
            return type("P", (), {"paginate": lambda _self: self.pages[operation]})()

    cf = _Pages(list_stacks=[{"StackSummaries": [
        {"StackName": "l12-a-prod", "StackStatus": "DELETE_COMPLETE"},
        {"StackName": "l12-a-dev", "StackStatus": "UPDATE_COMPLETE"},
        {"StackName": "other", "StackStatus": "CREATE_COMPLETE"}]}])
    lam = _Pages(list_functions=[{"Functions": [{"FunctionName": "l12-a-dev-worker"}]},
                                 {"Functions": [{"FunctionName": "other-worker"}]}])
    sqs = type("S", (), {"list_queues": lambda self, QueueNamePrefix: {}})()
    cw = type("C", (), {"describe_alarms": lambda self, AlarmNamePrefix: {"MetricAlarms": []}})()
    logs = type("L", (), {"describe_log_groups": lambda self, logGroupNamePrefix: {"logGroups": []}})()
    left = left_behind("l12-a", cf, lam, sqs, cw, logs)
    assert left == {"stacks": ["l12-a-dev"], "functions": ["l12-a-dev-worker"], "queues": [], "alarms": [],
                    "log groups": []}


def test_expansion_table_tells_declared_resources_from_the_transforms():
    processed = json.dumps({"Resources": {"Worker": {"Type": "AWS::Lambda::Function"},
                                          "WorkerRole": {"Type": "AWS::IAM::Role"},
                                          "Orders": {"Type": "AWS::SQS::Queue"}}})   # a JSON text, as GetTemplate may
    table = expansion_table(processed, TEMPLATE)
    assert table["declared by"].to_dict() == {"Orders": "the template", "Worker": "the template",
                                              "WorkerRole": "SAM's transform"}
    assert table.loc["WorkerRole", "type"] == "AWS::IAM::Role"


def test_stage_parity_reads_each_stage_and_compares_them(monkeypatch):
    live = {"p-stack": {"name": "p", "memory": 512, "timeout": 10}, "d-stack": {"name": "d", "memory": 512,
                                                                                "timeout": 30}}
    monkeypatch.setattr(iac_lesson, "read_pipeline", lambda cf, lam, sqs, cw, stack: live[stack])
    table = stage_parity(None, None, None, None, {"prod": "p-stack", "dev": "d-stack"}, {"name"})
    assert list(table.columns[:2]) == ["prod", "dev"] and unexplained(table) == ["timeout"]


# -- watching a canary ----------------------------------------------------------------------------------
class _FakeTraffic:
    """AliasTraffic's clock and count: ``per_second`` requests served each second, from now."""

    def __init__(self, per_second):
        self.started, self.per_second = time.monotonic(), per_second

    def now(self):
        return time.monotonic() - self.started

    def served(self):
        return int(self.now() * self.per_second)


class _FakeAlarms:
    def __init__(self, fires_after_s=None, threshold=2.0):
        self.started, self.fires_after_s, self.threshold = time.monotonic(), fires_after_s, threshold

    def describe_alarms(self, AlarmNames):
        fired = self.fires_after_s is not None and time.monotonic() - self.started >= self.fires_after_s
        return {"MetricAlarms": [{"AlarmName": AlarmNames[0], "StateValue": "ALARM" if fired else "OK",
                                  "Threshold": self.threshold}]}


def test_alarm_or_bake_stops_at_the_alarm_or_after_a_quiet_bake():
    started = time.monotonic()
    assert alarm_or_bake(_FakeAlarms(fires_after_s=0.3), "a", _FakeTraffic(100), bake_s=30, per_second=100) == "alarm"
    assert time.monotonic() - started < 5
    started = time.monotonic()
    assert alarm_or_bake(_FakeAlarms(), "a", _FakeTraffic(100), bake_s=1, per_second=100) == "quiet"
    assert time.monotonic() - started >= 1


def test_a_bake_without_its_traffic_is_not_a_quiet_one(monkeypatch):
    wait_until = iac_lesson.wait_until
    monkeypatch.setattr(iac_lesson, "wait_until", lambda predicate, timeout, interval, what:
                        wait_until(predicate, timeout=1, interval=interval, what=what))   # not bake_s + 120
    with pytest.raises(TimeoutError, match="an alarm or the end of the bake"):
        alarm_or_bake(_FakeAlarms(), "a", _FakeTraffic(1), bake_s=0.2, per_second=100)


def test_wait_for_requests_counts_from_now():
    traffic = _FakeTraffic(200)
    before = traffic.served()
    wait_for_requests(traffic, 20, "twenty more", timeout=5)
    assert traffic.served() >= before + 20


def test_canary_result_keeps_the_run_the_versions_and_the_counts():
    class _Lambda:
        def get_function_configuration(self, FunctionName, Qualifier):
            return {"Environment": {"Variables": {"BUG_PERCENT": {"1": "0", "2": "50"}[Qualifier]}}}

    result = canary_result(_Lambda(), _FakeAlarms(threshold=2.0), "checkout", "a", CANARY, EVENTS, "1", "2",
                           run=3, weight=0.1, bug_percent=50)
    assert (result["run"], result["weight"], result["bug_percent"]) == (3, 0.1, 50)
    assert result["versions"] == {"1": "0", "2": "50"} and result["threshold"] == 2.0
    assert result["summary"] == canary_summary(CANARY, EVENTS, new="2")


def test_rollout_steps_are_in_order_with_the_time_between_them():
    steps = rollout_steps({"canary starts": 1.0, "version published": 0.9, "rolled back": 3.0})
    assert list(steps.index) == ["version published", "canary starts", "rolled back"]
    assert list(steps["since the previous step (s)"].fillna(-1)) == [-1, 0.1, 2.0]


def test_show_canary_run_prints_the_counts_and_the_modelled_blast_radius(capsys, monkeypatch):
    import labkit.lessons.figures as figures

    shown = []
    monkeypatch.setattr(figures, "show_figure", lambda fig: (shown.append(fig), plt.close(fig)))
    result = {"run": 1, "weight": 0.1, "bug_percent": 50, "stable": "1", "new": "2", "frame": CANARY,
              "events": EVENTS, "threshold": 2.0, "versions": {"1": "0", "2": "50"},
              "summary": canary_summary(CANARY, EVENTS, new="2")}
    show_canary_run(result, per_second=20, timing="emulated")
    out = capsys.readouterr().out
    assert "BUG_PERCENT per version (versions are immutable): {'1': '0', '2': '50'}" in out
    assert "rolled back after 2.0 s under watch (emulated); version 2 served 3 of 5 requests (60%" in out
    assert "first failure to alarm seen: 1.2 s" in out
    assert "modelled for AWS, 20 requests/s and one 60 s alarm period to notice: about 60 failed" in out
    assert len(shown) == 1 and "rolled back (driven by hand)" in shown[0].axes[0].get_title()
