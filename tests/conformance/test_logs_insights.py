"""CloudWatch Logs Insights queries: StartQuery / GetQueryResults / StopQuery (patch
logs_insights).

AWS sources: CloudWatch Logs User Guide, "CloudWatch Logs Insights query syntax" and
"Supported logs and discovered fields"; CloudWatch Logs API Reference, StartQuery,
GetQueryResults, StopQuery. Each test quotes what it checks.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until

DEADLINE = 60.0


@pytest.fixture(scope="module")
def logs(aws):
    return aws("logs")


def _group(logs, lines, start_ms, stream="s1"):
    group = f"/labkit/insights-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": start_ms + i * 1000, "message": m} for i, m in enumerate(lines)])
    return group


def _query(logs, groups, query, start_s=None, end_s=None, statuses=None):
    """Run a query to its end; -> (rows as dicts, statistics)."""
    now = int(time.time())
    query_id = logs.start_query(logGroupNames=groups, queryString=query,
                                startTime=start_s or now - 3600, endTime=end_s or now + 60)["queryId"]

    def done():
        result = logs.get_query_results(queryId=query_id)
        if statuses is not None:
            statuses.append(result["status"])
        return result["status"] not in ("Scheduled", "Running") and result
    result = wait_until(done, DEADLINE, interval=0.05, what="the query to end")
    assert result["status"] == "Complete"
    rows = [{f["field"]: f["value"] for f in row} for row in result["results"]]
    return rows, result.get("statistics", {})   # moto alone sends none


LINES = []
for _n, _level in enumerate(["INFO", "ERROR", "INFO", "ERROR"]):
    LINES += [f"START RequestId: req-{_n} Version: $LATEST",
              json.dumps({"level": _level, "orderId": f"o-{_n}", "amountCents": 100 * (_n + 1),
                          "customer": {"tier": "gold" if _n % 2 else "silver"}}),
              f"END RequestId: req-{_n}"]


def test_fields_and_filter_on_discovered_json_fields(logs):
    """Guide: "fields f1, f2 | filter (f1=10 or f3>25)" retrieves fields of the events that
    pass the filter; JSON fields are discovered, nested ones "using the dot notation"
    (userIdentity.type); GetQueryResults statistics: recordsMatched "The number of log events
    that matched the query string", recordsScanned, bytesScanned."""
    start = int(time.time() * 1000) - 60_000
    group = _group(logs, LINES, start)
    rows, stats = _query(logs, [group], 'fields @timestamp, orderId, customer.tier, level '
                                        '| filter level = "ERROR" | sort @timestamp desc')
    assert [(r["orderId"], r["customer.tier"]) for r in rows] == [("o-3", "gold"), ("o-1", "gold")]
    assert set(rows[0]) == {"@timestamp", "orderId", "customer.tier", "level", "@ptr"}
    assert rows[0]["@timestamp"].count(":") == 2 and len(rows[0]["@timestamp"]) == 23
    assert stats["recordsMatched"] == 2.0 and stats["recordsScanned"] == 12.0
    assert stats["bytesScanned"] == float(sum(len(m.encode()) for m in LINES))
    rows, _ = _query(logs, [group], "filter amountCents > 150 and customer.tier = 'silver'")
    assert [json.loads(r["@message"])["orderId"] for r in rows] == ["o-2"]
    assert set(rows[0]) == {"@timestamp", "@message", "@ptr"}   # guide: filter alone shows these


def test_stats_by_field_sort_limit_like_and_regex(logs):
    """Guide: "stats avg (f1) by f2 calculates the average value of f1 for each unique value
    of f2"; "stats avg(f1) as myAvgF1 | sort myAvgF1 desc"; "filter f1 like /Exception/",
    "filter f1 like "Exception"" (substring), case-sensitive; "limit ... returns the first 25
    events by sort order"."""
    start = int(time.time() * 1000) - 60_000
    group = _group(logs, LINES, start)
    rows, stats = _query(logs, [group], "filter ispresent(level) | stats count(*) as n, "
                                        "sum(amountCents) as total, avg(amountCents) by level "
                                        "| sort total desc")
    assert rows == [{"level": "ERROR", "n": "2", "total": "600", "avg(amountCents)": "300"},
                    {"level": "INFO", "n": "2", "total": "400", "avg(amountCents)": "200"}]
    assert stats["recordsMatched"] == 4.0
    rows, _ = _query(logs, [group], "fields @message | filter @message like /RequestId: req-[12]/ "
                                    "and @message like 'START' | sort @timestamp asc | limit 1")
    assert [r["@message"] for r in rows] == ["START RequestId: req-1 Version: $LATEST"]
    rows, _ = _query(logs, [group], "filter @message like 'error'")   # case-sensitive
    assert rows == []


def test_parse_glob_and_regex(logs):
    """Guide: 'parse @message "user=*, method:*, latency := *" as @user, @method, @latency |
    stats avg(@latency) by @method, @user'; parse with a regular expression and named groups
    "(?<time>...)" extracts ephemeral fields."""
    start = int(time.time() * 1000) - 60_000
    lines = ["user=ana, method:GET, latency := 30", "user=ana, method:GET, latency := 50",
             "user=bob, method:PUT, latency := 100", "unrelated line"]
    group = _group(logs, lines, start)
    rows, _ = _query(logs, [group], 'parse @message "user=*, method:*, latency := *" as @user, '
                                    "@method, @latency | filter ispresent(@user) "
                                    "| stats avg(@latency) by @method, @user | sort @user")
    assert rows == [{"@method": "GET", "@user": "ana", "avg(@latency)": "40"},
                    {"@method": "PUT", "@user": "bob", "avg(@latency)": "100"}]
    rows, _ = _query(logs, [group], r"parse @message /user=(?<who>\w+), method:(?<verb>[A-Z]+)/ "
                                    "| filter verb = 'PUT' | display who, verb")
    assert [(r["who"], r["verb"]) for r in rows] == [("bob", "PUT")]


def test_lambda_report_fields_stats_pct_and_bin(aws, logs):
    """Guide, discovered fields of Lambda logs: "@timestamp, @logStream, @message,
    @requestId, @duration, @billedDuration, @type, @maxMemoryUsed, @memorySize"; sample
    query style "filter @type = "REPORT" | stats ... pct(@duration, 95) ... by bin(5m)";
    "bin(period) Rounds the value of @timestamp to the given period and then truncates"."""
    lam = aws("lambda")
    name = f"insights-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, "def handler(event, context):\n    return {}\n", MemorySize=256)
    request_ids = [lam.invoke(FunctionName=name, Payload=b"{}")["ResponseMetadata"]
                   ["HTTPHeaders"]["x-amzn-requestid"] for _ in range(3)]
    group = f"/aws/lambda/{name}"
    rows, _ = _query(logs, [group], 'filter @type = "REPORT" | stats count(*) as invocations, '
                                    "max(@duration), pct(@duration, 95), sum(@billedDuration), "
                                    "max(@memorySize), count(@initDuration) by bin(5m)")
    assert len(rows) in (1, 2)                       # the three may straddle a 5-minute edge
    assert sum(int(r["invocations"]) for r in rows) == 3
    assert {r["max(@memorySize)"] for r in rows} == {"256000000"}      # bytes, as on AWS
    assert sum(int(r["count(@initDuration)"]) for r in rows) == 1      # one cold start
    assert all(r["bin(5m)"].endswith(":00.000") and float(r["pct(@duration, 95)"]) > 0
               for r in rows)
    rows, _ = _query(logs, [group], "fields @requestId, @type | filter @type in ['START', 'END', "
                                    "'REPORT'] | sort @timestamp asc")
    assert [r["@requestId"] for r in rows] == [rid for rid in request_ids for _ in range(3)]


def test_time_range_and_several_groups(logs):
    """API Reference, StartQuery: "You specify the log groups and time range to query";
    startTime/endTime in seconds since the epoch, "The range is inclusive"; @log is "a log
    group identifier in the form of account-id:log-group-name" (guide)."""
    start = (int(time.time()) - 600) * 1000
    first = _group(logs, [json.dumps({"n": i}) for i in range(5)], start)   # one each second
    second = _group(logs, [json.dumps({"n": 10})], start)
    rows, stats = _query(logs, [first, second], "fields n, @log | sort n",
                         start_s=start // 1000 + 1, end_s=start // 1000 + 3)
    assert [r["n"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["@log"] == f"123456789012:{first}"
    assert stats["recordsScanned"] == 3.0


def test_status_lifecycle_stop_query_and_malformed_queries(logs):
    """API Reference, GetQueryResults status: "Scheduled | Running | Complete | Failed |
    Cancelled | Timeout | Unknown"; StopQuery "Stops a CloudWatch Logs Insights query that is
    in progress", success "This is true if the query was stopped by the StopQuery operation";
    StartQuery errors: MalformedQueryException "The query string is not valid"."""
    group = _group(logs, LINES, int(time.time() * 1000) - 60_000)
    seen: list[str] = []
    _query(logs, [group], "fields @message", statuses=seen)
    order = ["Scheduled", "Running", "Complete"]
    assert seen[-1] == "Complete"
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)
    [query] = [q for q in logs.describe_queries(logGroupName=group)["queries"]]
    assert query["status"] == "Complete"
    assert logs.stop_query(queryId=query["queryId"])["success"] is False   # not in progress
    for bad in ["fields @message | frobnicate x", "filter level ==", "stats level",
                "fields nosuchfunction(x)", "limit many"]:
        with pytest.raises(ClientError) as caught:
            logs.start_query(logGroupName=group, queryString=bad, startTime=0,
                             endTime=int(time.time()))
        assert caught.value.response["Error"]["Code"] == "MalformedQueryException", bad
