"""CloudWatch DescribeAlarmHistory: the alarm's state changes, configuration updates and
actions, newest first (moto has no such action: HTTP 500).

Each alarm change is recorded per account/region as AWS shapes the item: StateUpdate
("Alarm updated from OK to ALARM", HistoryData with oldState/newState), ConfigurationUpdate
("Alarm \"x\" created" / "updated") and Action items (the SNS notifications the
cloudwatch_alarms patch sends). History outlives the alarm, as on AWS (kept 30 days).
"""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

NAME = "cloudwatch_alarm_history"
AWS_BEHAVIOUR = (
    "DescribeAlarmHistory: \"Retrieves the history for the specified alarm. You can filter the "
    "results by date range or item type. If an alarm name is not specified, the histories for "
    "either all metric alarms or all composite alarms are returned. CloudWatch retains the "
    "history of an alarm even if you delete the alarm.\" Items have AlarmName, AlarmType, "
    "Timestamp, HistoryItemType (ConfigurationUpdate | StateUpdate | Action), HistorySummary, "
    "HistoryData; ScanBy defaults to TimestampDescending; MaxRecords 1-100 with NextToken "
    "(CloudWatch API Reference, DescribeAlarmHistory, AlarmHistoryItem)."
)

DEFAULT_MAX_RECORDS = 100
_history: dict[tuple[str, str], list[dict]] = {}   # (account, region) -> items, oldest first


def apply(ctx) -> None:
    from moto.cloudwatch.models import Alarm, CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    moto_put = CloudWatchBackend.put_metric_alarm
    moto_update_state = Alarm.update_state

    def put_metric_alarm(self, name, *args, **kwargs):
        existed = name in self.alarms
        alarm = moto_put(self, name, *args, **kwargs)
        verb = "updated" if existed else "created"
        _record(self.account_id, self.region_name, alarm, "ConfigurationUpdate",
                f'Alarm "{name}" {verb}',
                {"version": "1.0", "type": "Update" if existed else "Create",
                 ("updatedAlarm" if existed else "createdAlarm"): _alarm_summary(alarm)})
        return alarm

    def update_state(self, reason, reason_data, state_value):
        old = (self.state_value, self.state_reason, self.state_reason_data)
        actions_before = len(self.history)
        moto_update_state(self, reason, reason_data, state_value)
        if old[0] == state_value:
            return  # AWS records a StateUpdate only when the state changes
        account = getattr(self, "account_id", None) or self.alarm_arn.split(":")[4]
        _record(account, self.region_name, self, "StateUpdate",
                f"Alarm updated from {old[0]} to {state_value}",
                {"version": "1.0",
                 "oldState": _state(old[0], old[1], old[2]),
                 "newState": _state(state_value, reason, reason_data)})
        for item in self.history[actions_before:]:   # actions the cloudwatch_alarms patch ran
            if item[0] == "Action":
                arn = item[1].rsplit(" ", 1)[-1]
                _record(account, self.region_name, self, "Action", item[1],
                        {"actionState": "Succeeded", "notificationResource": arn,
                         "stateUpdateTimestamp": int(self.state_updated_timestamp.replace(
                             tzinfo=timezone.utc).timestamp() * 1000)})

    CloudWatchBackend.put_metric_alarm = put_metric_alarm
    Alarm.update_state = update_state
    CloudWatchResponse.describe_alarm_history = _describe_alarm_history
    ctx.add_component(_HistoryStore())


class _HistoryStore:
    """Forgets the recorded history on POST /_labkit/reset, with the rest of the state."""

    name = "alarm-history"

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def reset(self) -> None:
        _history.clear()

    def health(self) -> dict:
        return {"items": sum(len(items) for items in _history.values())}


def _record(account: str, region: str, alarm, item_type: str, summary: str, data: dict) -> None:
    _history.setdefault((account, region), []).append({
        "AlarmName": alarm.name,
        "AlarmType": "CompositeAlarm" if alarm.rule else "MetricAlarm",
        "Timestamp": datetime.now(timezone.utc),
        "HistoryItemType": item_type,
        "HistorySummary": summary,
        "HistoryData": json.dumps(data),
    })


def _state(value: str, reason: str | None, reason_data: str | None) -> dict:
    state = {"stateValue": value, "stateReason": reason or ""}
    if reason_data:
        try:
            state["stateReasonData"] = json.loads(reason_data)
        except ValueError:
            pass
    return state


def _alarm_summary(alarm) -> dict:
    return {"alarmName": alarm.name, "alarmArn": alarm.alarm_arn,
            "namespace": alarm.namespace, "metricName": alarm.metric_name,
            "statistic": alarm.statistic, "period": alarm.period,
            "evaluationPeriods": alarm.evaluation_periods, "threshold": alarm.threshold,
            "comparisonOperator": alarm.comparison_operator,
            "actionsEnabled": alarm.actions_enabled, "alarmActions": list(alarm.alarm_actions)}


def _when(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), timezone.utc)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _describe_alarm_history(self):
    from moto.core.responses import ActionResult

    name = self._get_param("AlarmName")
    item_type = self._get_param("HistoryItemType")
    types = self._get_param("AlarmTypes") or ["MetricAlarm"]
    start, end = _when(self._get_param("StartDate")), _when(self._get_param("EndDate"))
    limit = int(self._get_param("MaxRecords") or DEFAULT_MAX_RECORDS)
    offset = int(base64.b64decode(self._get_param("NextToken") or "MA==").decode() or 0)
    ascending = self._get_param("ScanBy") == "TimestampAscending"

    items = [i for i in _history.get((self.current_account, self.region), [])
             if (not name or i["AlarmName"] == name)
             and (not item_type or i["HistoryItemType"] == item_type)
             and (name or i["AlarmType"] in types)
             and (start is None or i["Timestamp"] >= start)
             and (end is None or i["Timestamp"] <= end)]
    if not ascending:
        items.reverse()
    page = items[offset:offset + limit]
    result = {"AlarmHistoryItems": page}
    if offset + limit < len(items):
        result["NextToken"] = base64.b64encode(str(offset + limit).encode()).decode()
    return ActionResult(result)
