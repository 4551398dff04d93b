"""labkit.lessons.iac_lesson: change sets and drift reports as tables, the declared resources of a
template, stages side by side, the counts of a canary run and its plot, and the modelled prices.
Pure functions only (no backend); AliasTraffic is exercised with a stand-in Lambda client."""
from __future__ import annotations

import io
import json
import threading

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from labkit.lessons.alias_traffic import AliasTraffic
from labkit.lessons.iac_lesson import (
    ALARM_MONTH, blast_radius, canary_summary, change_rows, declared_resources, drift_of,
    drift_rows, parity_table, plot_canary, requests_per_bin, resource_types, stage_costs,
    template_diff, unexplained)

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
