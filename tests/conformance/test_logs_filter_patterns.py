"""CloudWatch Logs filter patterns in FilterLogEvents, TestMetricFilter and metric filters
(patch logs_filter_patterns).

AWS source for every example quoted below: Amazon CloudWatch Logs User Guide, "Filter pattern
syntax for metric filters, subscription filters, filter log events, and Live Tail" (and its
pages on unstructured, JSON and space-delimited log events), unless another page is named.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

DEADLINE = 60.0


@pytest.fixture(scope="module")
def logs(aws):
    return aws("logs")


def _group(logs, lines, streams=("s1",), start_ms=None):
    """A new log group holding ``lines`` (one event each, 1 ms apart) in its first stream."""
    group = f"/labkit/patterns-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    for stream in streams:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = start_ms or int(time.time() * 1000) - 10_000
    if lines:
        logs.put_log_events(logGroupName=group, logStreamName=streams[0], logEvents=[
            {"timestamp": start + i, "message": m} for i, m in enumerate(lines)])
    return group


def _found(logs, group, pattern, **kwargs):
    return [e["message"] for e in
            logs.filter_log_events(logGroupName=group, filterPattern=pattern, **kwargs)["events"]]


def _lambda_like_lines():
    """15 events as a Lambda function writes them: START/END/REPORT, JSON and plain lines."""
    lines = []
    for n, level in enumerate(["INFO", "ERROR", "ERROR"]):
        rid = f"req-{n}"
        lines.append(f"START RequestId: {rid} Version: $LATEST")
        lines.append(json.dumps({"level": level, "message": "order step", "requestId": rid}))
        lines.append(f"plain text: step {n} ERROR-free")
        lines.append(f"END RequestId: {rid}")
        lines.append(f"REPORT RequestId: {rid}\tDuration: 1.00 ms\tBilled Duration: 1 ms")
    return lines


def test_json_pattern_returns_only_the_matching_json_lines(logs):
    """Guide (JSON log events): "{ $.eventType = "UpdateTrail" }" filters on one property's
    value; START/END/REPORT and plain-text lines are not JSON and never match. moto returned
    all 15 events here; AWS returns the 2 ERROR lines."""
    lines = _lambda_like_lines()
    group = _group(logs, lines)
    assert len(_found(logs, group, "")) == 15
    errors = _found(logs, group, '{ $.level = "ERROR" }')
    assert [json.loads(m)["requestId"] for m in errors] == ["req-1", "req-2"]
    assert len(_found(logs, group, '{ $.level = "ERROR" || $.level = "INFO" }')) == 3


def test_terms_phrases_or_and_exclusions(logs):
    """Guide: 'The filter pattern "ERROR" matches ... [ERROR] A fatal exception has occurred /
    Exiting with ERRORCODE: -1'; '"ERROR" - "Exiting"' excludes the second; over 1. ERROR WARN
    message 2. ERROR message 3. WARN message: "`?ERROR ?WARN` matches examples 1, 2, and 3 ...
    `ERROR WARN` only matches example 1 ... ERROR -WARN matches example 2"; "Metric filters
    are case sensitive"."""
    group = _group(logs, ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1",
                          "ERROR WARN message", "ERROR message", "WARN message",
                          "error in lower case", "[WARN] Failed to process the request"])
    assert len(_found(logs, group, "ERROR")) == 4
    assert _found(logs, group, '"ERROR" - "Exiting"') == [
        "[ERROR] A fatal exception has occurred", "ERROR WARN message", "ERROR message"]
    assert len(_found(logs, group, "?ERROR ?WARN")) == 6
    assert _found(logs, group, "ERROR WARN") == ["ERROR WARN message"]
    assert _found(logs, group, "ERROR -WARN -Exiting -fatal") == ["ERROR message"]
    assert _found(logs, group, "error") == ["error in lower case"]
    assert _found(logs, group, '"Failed to process the request"') == [
        "[WARN] Failed to process the request"]


GUIDE_EVENT = {"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111",
               "arrayKey": ["value", "another value"],
               "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
               "SomeObject": None, "ThisFlag": True}


def test_json_examples_from_the_user_guide(logs):
    """Guide, on its JSON example event, "The following filters would match":
    { $.eventType = "UpdateTrail" } { $.sourceIPAddress != 123.123.* } { $.arrayKey[0] =
    "value" } { $.objectList[1].id = 2 } { $.SomeObject IS NULL } { $.SomeOtherObject NOT
    EXISTS } { $.ThisFlag IS TRUE }; numeric comparisons "{ $.latency >= 500 }"; compound
    "{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }" does not
    match; "*Event will match PutEvent"."""
    other = {"eventType": "PutEvent", "sourceIPAddress": "123.123.0.1", "latency": 700,
             "user": {"id": 2}, "users": [{"email": "x"}], "actions": ["GET", "PUT", "DELETE"]}
    group = _group(logs, [json.dumps(GUIDE_EVENT), json.dumps(other), "not json ThisFlag"])
    guide = [json.dumps(GUIDE_EVENT)]
    for pattern in ['{ $.eventType = "UpdateTrail" }', "{ $.sourceIPAddress != 123.123.* }",
                    '{ $.arrayKey[0] = "value" }', "{ $.objectList[1].id = 2 }",
                    "{ $.SomeObject IS NULL }", "{ $.ThisFlag IS TRUE }"]:
        assert _found(logs, group, pattern) == guide, pattern
    assert len(_found(logs, group, "{ $.SomeOtherObject NOT EXISTS }")) == 2
    assert _found(logs, group, "{ $.latency >= 500 }") == [json.dumps(other)]
    assert _found(logs, group, "{ $.eventType = *Event }") == [json.dumps(other)]
    assert _found(logs, group, '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || '
                               '$.actions[2] = "GET" }') == []


APACHE = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /index.html HTTP/1.0" 404 4355']


def test_space_delimited_examples_from_the_user_guide(logs):
    """Guide (space-delimited log events), on its Apache lines: "[ip, user, username,
    timestamp, request, status_code, bytes > 1000]", "[..., status_code = 200, bytes]" style
    conditions, "status_code = 4*", "request = *html*", "[..., status_code, bytes]",
    "[ip, user, ...]"; a field count that does not fit matches nothing."""
    group = _group(logs, APACHE + ["too few fields"])
    head = "ip, user, username, timestamp"
    assert _found(logs, group, f"[{head}, request, status_code, bytes > 5000]") == [APACHE[1]]
    assert _found(logs, group, f"[{head}, request, status_code = 200, bytes]") == [APACHE[0]]
    assert _found(logs, group, f"[{head}, request = *html*, status_code = 4*, bytes]") == [
        APACHE[2]]
    assert _found(logs, group, "[..., status_code >= 400, bytes]") == APACHE[1:]
    assert _found(logs, group, "[ip, user, ...]") == APACHE + ["too few fields"]
    assert _found(logs, group, f"[{head}, request, status_code, bytes]") == APACHE


def test_filter_log_events_keeps_streams_time_range_limit_and_next_token(logs):
    """API Reference, FilterLogEvents: logStreamNames "Filters the results to only logs from
    the log streams in this list"; startTime/endTime bound the timestamps; limit "The maximum
    number of events to return"; nextToken "The token for the next set of events to return"
    — all applied to the events the filterPattern matches."""
    start = int(time.time() * 1000) - 60_000
    lines = [json.dumps({"level": "ERROR" if i % 2 else "INFO", "n": i}) for i in range(10)]
    group = _group(logs, lines, streams=("a", "b"), start_ms=start)
    logs.put_log_events(logGroupName=group, logStreamName="b", logEvents=[
        {"timestamp": start + 100, "message": json.dumps({"level": "ERROR", "n": 100})}])
    pattern = '{ $.level = "ERROR" }'
    assert [json.loads(m)["n"] for m in _found(logs, group, pattern, logStreamNames=["a"])] == [
        1, 3, 5, 7, 9]
    assert [json.loads(m)["n"] for m in _found(
        logs, group, pattern, startTime=start + 3, endTime=start + 7)] == [3, 5, 7]
    first = logs.filter_log_events(logGroupName=group, filterPattern=pattern,
                                   logStreamNames=["a"], limit=2)
    assert [json.loads(e["message"])["n"] for e in first["events"]] == [1, 3]
    rest = logs.filter_log_events(logGroupName=group, filterPattern=pattern,
                                  logStreamNames=["a"], nextToken=first["nextToken"])
    assert [json.loads(e["message"])["n"] for e in rest["events"]] == [5, 7, 9]


@pytest.mark.parametrize("pattern", ['{ $.level = "ERROR"', '{ level = "ERROR" }',
                                     "RequestId: abc", "{ $.latency > slow }", "[ip, user"])
def test_invalid_pattern_is_an_invalid_parameter_exception(logs, pattern):
    """AWS answers a pattern outside the documented syntax with InvalidParameterException:
    FilterLogEvents "Invalid filter pattern", PutMetricFilter "Invalid metric filter
    pattern" (API Reference, Errors: "InvalidParameterException: A parameter is specified
    incorrectly"); the guide: "Terms that include characters other than alphanumeric
    characters or underscores must be placed inside double quotes"."""
    group = _group(logs, ["one line"])
    with pytest.raises(ClientError) as caught:
        logs.filter_log_events(logGroupName=group, filterPattern=pattern)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert error["Message"].startswith("Invalid filter pattern")
    with pytest.raises(ClientError) as caught:
        logs.put_metric_filter(logGroupName=group, filterName="f", filterPattern=pattern,
                               metricTransformations=[{"metricName": "m", "metricNamespace": "n",
                                                       "metricValue": "1"}])
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert caught.value.response["Error"]["Message"].startswith("Invalid metric filter pattern")
    assert logs.describe_metric_filters(logGroupName=group)["metricFilters"] == []


def test_test_metric_filter_returns_matches_and_extracted_values(logs):
    """API Reference, TestMetricFilter: "Tests the filter pattern of a metric filter against
    a sample of log event messages". Guide: filter "[..., request=*.html*, status_code=4*,]"
    on 127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534
    extracts "$status_code": "404", "$7": "1534", "$4": "10/Oct/2000:13:25:15 -0700",
    "$3": "frank", "$2": "-", "$1": "127.0.0.1"."""
    line = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
    result = logs.test_metric_filter(filterPattern="[..., request=*.html*, status_code=4*,]",
                                     logEventMessages=[APACHE[0], line])
    [match] = result["matches"]
    assert match["eventMessage"] == line
    assert match["extractedValues"] == {
        "$1": "127.0.0.1", "$2": "-", "$3": "frank", "$4": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0", "$status_code": "404", "$7": "1534"}


def _stats(cw, namespace, metric, dimensions=()):
    now = datetime.now(timezone.utc)
    points = cw.get_metric_statistics(
        Namespace=namespace, MetricName=metric, Statistics=["Sum", "SampleCount", "Maximum"],
        Period=3600, StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=5),
        Dimensions=list(dimensions))["Datapoints"]
    return (sum(p["Sum"] for p in points), sum(p["SampleCount"] for p in points),
            max((p["Maximum"] for p in points), default=None))


def test_metric_filter_publishes_values_dimensions_and_default(aws, logs):
    """Guide: "metricFilter: { $.latency = * } metricValue: $.latency"; "If logs are
    ingested during a one-minute time period but no matches are found, the value specified for
    Default Value (if any) is reported"; space-delimited "$bytes" values and dimensions from
    fields (API Reference, MetricTransformation: dimensions "The fields to use as dimensions
    for the metric"). PutMetricFilter "Creates or updates a metric filter"."""
    cw = aws("cloudwatch")
    ns = f"Labkit/{uuid.uuid4().hex[:6]}"
    group = _group(logs, [])
    for name, pattern, transformation in [
        ("latency", "{ $.latency = * }", {"metricName": "Latency", "metricValue": "$.latency",
                                          "unit": "Milliseconds",
                                          "dimensions": {"Service": "$.service"}}),
        ("errors", '{ $.level = "ERROR" }', {"metricName": "Errors", "metricValue": "1",
                                             "defaultValue": 0}),
        ("errors", '{ $.level = "ERROR" }', {"metricName": "Errors", "metricValue": "1",
                                             "defaultValue": 0}),   # an update, not a copy
        ("bytes", "[..., status_code = 5*, bytes]", {"metricName": "Bytes5xx",
                                                     "metricValue": "$bytes"})]:
        logs.put_metric_filter(logGroupName=group, filterName=name, filterPattern=pattern,
                               metricTransformations=[{**transformation, "metricNamespace": ns}])
    assert len(logs.describe_metric_filters(logGroupName=group)["metricFilters"]) == 3
    now = int(time.time() * 1000)
    messages = [json.dumps({"service": "orders", "level": "INFO", "latency": 120}),
                json.dumps({"service": "orders", "level": "ERROR", "latency": 480}),
                json.dumps({"service": "billing", "level": "INFO", "latency": 30}),
                "plain text line"] + APACHE
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now + i, "message": m} for i, m in enumerate(messages)])
    orders = [{"Name": "Service", "Value": "orders"}]
    wait_until(lambda: _stats(cw, ns, "Latency", orders)[1] >= 2, DEADLINE, what="Latency")
    assert _stats(cw, ns, "Latency", orders) == (600.0, 2.0, 480.0)
    assert _stats(cw, ns, "Latency", [{"Name": "Service", "Value": "billing"}])[0] == 30.0
    assert _stats(cw, ns, "Errors") == (1.0, 7.0, 1.0)   # 1 match, 6 defaults of 0
    assert _stats(cw, ns, "Bytes5xx") == (5324.0, 1.0, 5324.0)


def test_metric_filter_counts_a_lambda_functions_own_log_lines(aws, logs):
    """Lambda writes its function's output to /aws/lambda/NAME (Lambda Developer Guide,
    "Sending Lambda function logs to CloudWatch Logs"); a metric filter on that group turns
    each matching line into a datapoint, as for PutLogEvents."""
    lam, cw = aws("lambda"), aws("cloudwatch")
    name = f"mf-{uuid.uuid4().hex[:6]}"
    ns = f"Labkit/{uuid.uuid4().hex[:6]}"
    logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
    logs.put_metric_filter(
        logGroupName=f"/aws/lambda/{name}", filterName="errors",
        filterPattern='{ $.level = "ERROR" }',
        metricTransformations=[{"metricName": "AppErrors", "metricNamespace": ns,
                                "metricValue": "1"}])
    deploy_function(lam, name, (
        "import json\n"
        "def handler(event, context):\n"
        "    print(json.dumps({'level': event['level'], 'message': 'charged'}))\n"
        "    return {}\n"))
    for level in ("ERROR", "INFO", "ERROR"):
        lam.invoke(FunctionName=name, Payload=json.dumps({"level": level}).encode())
    # Invoke returns after the runtime wrote the logs; START/END/REPORT lines are not JSON
    wait_until(lambda: _stats(cw, ns, "AppErrors")[1] >= 2, DEADLINE, what="two AppErrors")
    assert _stats(cw, ns, "AppErrors")[:2] == (2.0, 2.0)


def test_alarm_on_a_metric_filter_metric_goes_to_alarm(aws, logs):
    """CloudWatch User Guide, "Create a CloudWatch alarm based on a log group-metric filter":
    an alarm on the metric a metric filter publishes changes state when matching log events
    arrive. Alarm evaluation as in PutMetricAlarm (API Reference)."""
    cw = aws("cloudwatch")
    ns = f"Labkit/{uuid.uuid4().hex[:6]}"
    group = _group(logs, [])
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="?ERROR ?FATAL",
                           metricTransformations=[{"metricName": "ErrorCount",
                                                   "metricNamespace": ns, "metricValue": "1"}])
    alarm = f"log-errors-{uuid.uuid4().hex[:6]}"
    cw.put_metric_alarm(AlarmName=alarm, Namespace=ns, MetricName="ErrorCount", Statistic="Sum",
                        Period=10, EvaluationPeriods=1, Threshold=2,
                        ComparisonOperator="GreaterThanOrEqualToThreshold")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now, "message": m}   # one timestamp: one 10 s period
        for m in ["INFO all good", "ERROR card declined", "FATAL out of memory"]])
    state = wait_until(lambda: (s := cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0])[
        "StateValue"] == "ALARM" and s, 6 * 10, what="the alarm to reach ALARM")
    assert json.loads(state["StateReasonData"])["recentDatapoints"] == [2.0]
