"""CloudWatch DescribeAlarmHistory (patch cloudwatch_alarm_history)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from labkit.lessons.polling import wait_until


def _alarm(cw) -> str:
    name = f"history-{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(AlarmName=name, Namespace="Labkit/History", MetricName="Errors",
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
                        ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="ignore")
    return name


def test_state_changes_are_in_the_alarm_history(aws):
    """AWS DescribeAlarmHistory: "Retrieves the history for the specified alarm. You can
    filter the results by date range or item type." A state change is a StateUpdate item
    with HistorySummary "Alarm updated from OK to ALARM" and HistoryData JSON holding
    oldState / newState (stateValue, stateReason); newest first (ScanBy default
    TimestampDescending); MaxRecords pages with NextToken (CloudWatch API Reference,
    DescribeAlarmHistory and AlarmHistoryItem; history example in the CloudWatch User Guide,
    'Viewing alarm history')."""
    cw = aws("cloudwatch")
    name = _alarm(cw)
    other = _alarm(cw)
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="all quiet")
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="errors seen")
    cw.set_alarm_state(AlarmName=other, StateValue="ALARM", StateReason="other alarm")

    updates = wait_until(lambda: (items := cw.describe_alarm_history(
        AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]) and len(items) >= 2
        and items, 30, what="two StateUpdate history items")
    assert [i["HistorySummary"] for i in updates] == [
        "Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK"]
    newest = updates[0]
    assert newest["AlarmName"] == name and newest["AlarmType"] == "MetricAlarm"
    assert newest["HistoryItemType"] == "StateUpdate"
    data = json.loads(newest["HistoryData"])
    assert data["oldState"]["stateValue"] == "OK" and data["oldState"]["stateReason"] == "all quiet"
    assert data["newState"]["stateValue"] == "ALARM" and data["newState"]["stateReason"] == "errors seen"
    assert newest["Timestamp"] >= updates[1]["Timestamp"] >= before

    everything = cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    assert {i["HistoryItemType"] for i in everything} == {"StateUpdate", "ConfigurationUpdate"}
    assert f'Alarm "{name}" created' in [i["HistorySummary"] for i in everything]
    assert all(i["AlarmName"] == name for i in everything)

    page = cw.describe_alarm_history(AlarmName=name, MaxRecords=1)
    assert len(page["AlarmHistoryItems"]) == 1 and page["NextToken"]
    rest = cw.describe_alarm_history(AlarmName=name, MaxRecords=1, NextToken=page["NextToken"])
    assert rest["AlarmHistoryItems"][0]["HistorySummary"] != page["AlarmHistoryItems"][0]["HistorySummary"]

    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert cw.describe_alarm_history(AlarmName=name, StartDate=future,
                                     EndDate=future + timedelta(hours=1))["AlarmHistoryItems"] == []
    assert cw.describe_alarm_history(AlarmName=name, StartDate=before, EndDate=future,
                                     HistoryItemType="StateUpdate")["AlarmHistoryItems"] == updates
    names = {i["AlarmName"] for i in cw.describe_alarm_history(
        HistoryItemType="StateUpdate", StartDate=before)["AlarmHistoryItems"]}
    assert {name, other} <= names
