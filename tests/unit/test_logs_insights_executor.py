"""The Logs Insights executor (labkit/emulator/logs_insights.py) on hand-made records.

AWS sources: CloudWatch Logs User Guide, "CloudWatch Logs Insights query syntax" and
"Supported logs and discovered fields"; each test quotes what it checks.
"""
from __future__ import annotations

import json

import pytest

from labkit.emulator.logs_insights import discover, format_value, run
from labkit.emulator.logs_insights_syntax import QueryError, Timestamp

BASE = 1_767_268_800_000   # 2026-01-01 12:00:00 UTC
REPORT = ("REPORT RequestId: r1\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB"
          "\tMax Memory Used: 40 MB\tInit Duration: 95.12 ms\t")


def records(messages: list[str]) -> list[dict]:
    out = []
    for i, message in enumerate(messages):
        out.append({"@timestamp": Timestamp(BASE + i * 60_000), "@message": message,
                    "@ptr": str(i), **discover(message)})
    return out


def query(text: str, messages: list[str]) -> list[dict]:
    rows, _ = run(text, records(messages))
    return [{k: format_value(v) for k, v in row.items() if k != "@ptr"} for row in rows]


def test_lambda_fields_are_discovered():
    """Guide: Lambda logs have "@requestId, @duration, @billedDuration, @type,
    @maxMemoryUsed, @memorySize"; memory is reported in bytes (the guide's sample query
    divides "@memorySize / 1000 / 1000" to get MB)."""
    assert discover(REPORT) == {"@type": "REPORT", "@requestId": "r1", "@duration": 12.5,
                                "@billedDuration": 13.0, "@memorySize": 128e6,
                                "@maxMemoryUsed": 40e6, "@initDuration": 95.12}
    assert discover("START RequestId: r1 Version: $LATEST") == {"@type": "START",
                                                                "@requestId": "r1"}
    line = "[INFO]\t2026-01-01T00:00:00.000Z\t0f1e2d3c-1111-2222-3333-444455556666\thello"
    assert discover(line) == {"@requestId": "0f1e2d3c-1111-2222-3333-444455556666"}


def test_json_fields_use_dot_notation_and_the_first_embedded_fragment():
    """Guide: "the field type in the JSON object userIdentity is represented as
    userIdentity.type"; arrays by index ("items.0.instanceId"); in Lambda logs "only for the
    first embedded JSON fragment in each log event"."""
    message = 'prefix {"userIdentity": {"type": "IAMUser"}, "items": [{"id": "i-1"}]} {"x": 1}'
    assert discover(message) == {"userIdentity.type": "IAMUser", "items.0.id": "i-1"}


def test_fields_filter_sort_limit():
    """Guide: "fields f1, f2 | filter (f1=10 or f3>25)"; "sort f1 desc"; "limit 25 ...
    returns the first 25 events by sort order"; aliases: "fields abs(myField) as
    AbsoluteValuemyField"."""
    lines = [json.dumps({"f1": n, "f3": 30 - n}) for n in (10, 3, 7, 1)]
    assert query("fields f1, abs(f3 - 40) as d | filter (f1=10 or f3>25) | sort f1 desc "
                 "| limit 2", lines) == [{"f1": "10", "d": "20"}, {"f1": "3", "d": "13"}]


def test_like_regex_and_substring_are_case_sensitive():
    """Guide: "filter f1 like /Exception/", "filter f1 =~ /Exception/", "filter f1 like
    "Exception"" are case-sensitive; "like /(?i)Exception/" is not."""
    lines = [json.dumps({"f1": "IOException raised"}), json.dumps({"f1": "exception lower"})]
    for text in ("filter f1 like /Exception/", "filter f1 =~ /Exception/",
                 'filter f1 like "Exception"'):
        assert len(query(text, lines)) == 1, text
    assert len(query("filter f1 like /(?i)Exception/", lines)) == 2
    assert len(query("filter f1 not like /Exception/", lines)) == 1
    assert len(query("filter f1 like /Exception|lower/ | limit 5", lines)) == 2   # | in a regex


def test_stats_by_and_bin():
    """Guide: "stats avg (f1) by f2 calculates the average value of f1 for each unique value
    of f2"; "bin(period) Rounds the value of @timestamp to the given period"; pct "returns
    the @duration value at which 95 percent of the values of @duration are lower"."""
    lines = [json.dumps({"f1": v, "f2": k}) for v, k in [(1, "a"), (3, "a"), (10, "b"),
                                                          (20, "b"), (30, "b"), (40, "b")]]
    assert query("stats avg(f1), count(*) as n, pct(f1, 50) by f2", lines) == [
        {"f2": "a", "avg(f1)": "2", "n": "2", "pct(f1, 50)": "1"},
        {"f2": "b", "avg(f1)": "25", "n": "4", "pct(f1, 50)": "20"}]
    assert query("stats sum(f1) by bin(5m)", lines) == [
        {"bin(5m)": "2026-01-01 12:00:00.000", "sum(f1)": "64"},
        {"bin(5m)": "2026-01-01 12:05:00.000", "sum(f1)": "40"}]


def test_parse_glob_and_regex():
    """Guide: 'parse @message "user=*, method:*, latency := *" as @user, @method,
    @latency'; "parse @message /(?<time>...) .* (?<code>...)/" extracts named groups."""
    lines = ["user=ana, method:GET, latency := 30 ms"]
    assert query('parse @message "user=*, method:*, latency := *" as @user, @method, @latency '
                 "| display @user, @method, @latency", lines) == [
        {"@user": "ana", "@method": "GET", "@latency": "30 ms"}]
    assert query(r"parse @message /latency := (?<ms>\d+)/ | display ms", lines) == [{"ms": "30"}]


def test_records_matched_counts_events_before_stats_and_limit():
    """API Reference, QueryStatistics: recordsMatched "The number of log events that matched
    the query string"."""
    rows, matched = run('filter @message like "a" | limit 1', records(["a", "ab", "c"]))
    assert (len(rows), matched) == (1, 2)


@pytest.mark.parametrize("text", ["fields", "frobnicate x", "filter a ==", "stats f1",
                                  "fields nosuch(x)", "limit many", "fields a |",
                                  'parse @message "a*b" as x, y', "filter a = 1 b"])
def test_malformed_queries_are_rejected(text):
    """API Reference, StartQuery errors: MalformedQueryException "The query string is not
    valid"."""
    with pytest.raises(QueryError):
        run(text, [])
