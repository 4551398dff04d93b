"""The filter-pattern grammar (labkit/emulator/logs_patterns.py) on the AWS user guide's examples.

Source: Amazon CloudWatch Logs User Guide, "Filter pattern syntax for metric filters,
subscription filters, filter log events, and Live Tail" and its pages on unstructured, JSON
and space-delimited log events. Each test quotes the examples it checks.
"""
from __future__ import annotations

import json

import pytest

from labkit.emulator.logs_patterns import PatternError, compile_pattern, split_fields


def matching(pattern: str, messages: list[str]) -> list[int]:
    """1-based numbers of the messages the pattern matches (the guide numbers its examples)."""
    compiled = compile_pattern(pattern)
    return [i for i, m in enumerate(messages, 1) if compiled.matches(m)]


OR_EXAMPLES = ["ERROR WARN message", "ERROR message", "WARN message"]


def test_terms_are_case_sensitive_substrings():
    """Guide: 'The filter pattern "ERROR" matches log event messages that contain this term,
    such as [ERROR] A fatal exception has occurred / Exiting with ERRORCODE: -1';
    "Metric filters are case sensitive"."""
    lines = ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1",
             "error in lower case"]
    assert matching("ERROR", lines) == [1, 2]
    assert matching('"ERROR"', lines) == [1, 2]
    assert matching("error", lines) == [3]


def test_include_and_exclude_terms():
    """Guide: 'if you change the filter pattern to "ERROR" - "Exiting", the log event message
    "Exiting with ERRORCODE: -1" would be excluded'."""
    lines = ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"]
    assert matching('"ERROR" - "Exiting"', lines) == [1]
    assert matching("ERROR -Exiting", lines) == [1]


def test_all_terms_must_appear_and_phrases_are_exact():
    """Guide: 'The filter pattern "ERROR Exception" matches log event messages that contain
    both terms'; a quoted phrase matches that exact phrase."""
    lines = ["[ERROR] Caught IllegalArgumentException", "[ERROR] Unhandled Exception",
             "[WARN] Failed to process the request", "[INFO] Exception: none",
             "[WARN] the request failed to process"]
    assert matching("ERROR Exception", lines) == [1, 2]
    assert matching('"Failed to process the request"', lines) == [3]
    assert matching("Failed to process the request", lines) == [3]


def test_or_pattern_matching_with_question_marks():
    """Guide (OR pattern matching): "`ERROR` matches examples 1 and 2. `?ERROR ?WARN` matches
    examples 1, 2, and 3 ... `ERROR WARN` only matches example 1 ... ERROR -WARN matches
    example 2" over 1. ERROR WARN message 2. ERROR message 3. WARN message."""
    assert matching("ERROR", OR_EXAMPLES) == [1, 2]
    assert matching("?ERROR ?WARN", OR_EXAMPLES) == [1, 2, 3]
    assert matching("ERROR WARN", OR_EXAMPLES) == [1]
    assert matching("ERROR -WARN", OR_EXAMPLES) == [2]


def test_match_everything_and_regex_terms():
    """Guide: an empty pattern, or " ", matches every event; "%...%" is a regular
    expression ("Using regular expressions in filter patterns")."""
    assert matching("", OR_EXAMPLES) == [1, 2, 3]
    assert matching('" "', OR_EXAMPLES) == [1, 2, 3]
    assert matching("%^WARN%", OR_EXAMPLES) == [3]


def test_space_delimited_or_pattern():
    """Guide: "[w1=ERROR, w2] matches ERROR (pattern 2), [w1=ERROR || w1=WARN, w2] matches
    lines containing ERROR or WARN (patterns 2 and 3)"."""
    assert matching("[w1=ERROR, w2]", OR_EXAMPLES) == [2]
    assert matching("[w1=ERROR || w1=WARN, w2]", OR_EXAMPLES) == [2, 3]


def test_json_or_pattern():
    """Guide: "{$.foo = bar} matches pattern 1, {$.foo = baz } matches pattern 2, and
    {$.foo = bar || $.foo = baz } matches pattern 1 and 2" over {"foo": "bar"}, {"foo": "baz"}."""
    lines = ['{"foo": "bar"}', '{"foo": "baz"}']
    assert matching("{$.foo = bar}", lines) == [1]
    assert matching("{$.foo = baz }", lines) == [2]
    assert matching("{$.foo = bar || $.foo = baz }", lines) == [1, 2]


GUIDE_JSON = json.dumps({
    "eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None, "ThisFlag": True})


@pytest.mark.parametrize("pattern", [
    '{ $.eventType = "UpdateTrail" }', "{ $.sourceIPAddress != 123.123.* }",
    '{ $.arrayKey[0] = "value" }', "{ $.objectList[1].id = 2 }", "{ $.SomeObject IS NULL }",
    "{ $.SomeOtherObject NOT EXISTS }", "{ $.ThisFlag IS TRUE }"])
def test_json_examples_that_match(pattern):
    """Guide, JSON metric filter examples: on the guide's event (eventType UpdateTrail, ...,
    SomeObject null, ThisFlag true) "The following filters would match"."""
    assert compile_pattern(pattern).matches(GUIDE_JSON)


@pytest.mark.parametrize("pattern", [
    '{ $.eventType = "Update" }', "{ $.sourceIPAddress != 111.111.* }",
    '{ $.arrayKey[2] = "value" }', "{ $.ThisFlag IS FALSE }", "{ $.eventType IS NULL }",
    "{ $.eventType NOT EXISTS }", "{ $.arrayKey = value }", "{ $.arrayKey != value }"])
def test_json_near_misses_do_not_match(pattern):
    """Guide: values must "exactly match"; "The SELECTOR must point to a value node ... both
    {$.users = 1} and {$.users != 1} will fail to match a log event where users is an array"."""
    assert not compile_pattern(pattern).matches(GUIDE_JSON)


def test_json_wildcards_in_values():
    """Guide: "*Event will match PutEvent and GetEvent. Event* will match EventId and
    EventName. Ev*ent will only match the actual string Ev*ent"."""
    lines = ['{"e": "PutEvent"}', '{"e": "EventId"}', '{"e": "Ev*ent"}', '{"e": "Evxent"}']
    assert matching("{ $.e = *Event }", lines) == [1]
    assert matching("{ $.e = Event* }", lines) == [2]
    assert matching('{ $.e = "Ev*ent" }', lines) == [3]


COMPOUND = json.dumps({
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"},
              {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]})


@pytest.mark.parametrize("pattern, matches", [
    ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
    ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
    ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && '
     '$.actions[2] = nomatch }', True),
    ('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && '
     '$.actions[2] = nomatch }', False)])
def test_json_compound_conditions(pattern, matches):
    """Guide, JSON compound conditions: "Parenthesis are allowed and the syntax follows
    standard order of operations () > && > ||"; the four examples, two match, two do not."""
    assert compile_pattern(pattern).matches(COMPOUND) is matches


def test_json_numeric_comparisons():
    """Guide, numeric comparisons: "{ $.latency >= 500 } { $.numbers[0] < 10e3 }
    { $.numbers[0] < 10e-3 } { $.processes[4].averageRuntime <= 55.5 } { $.errorCode = 400 }
    { $.errorCode != 500 } { $.latency > +1000 }"."""
    doc = json.dumps({"latency": 1500, "numbers": [0.001], "errorCode": 400,
                      "processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]})
    for pattern in ["{ $.latency >= 500 }", "{ $.numbers[0] < 10e3 }", "{ $.numbers[0] < 10e-3 }",
                    "{ $.processes[4].averageRuntime <= 55.5 }", "{ $.errorCode = 400 }",
                    "{ $.errorCode != 500 }", "{ $.latency > +1000 }"]:
        assert compile_pattern(pattern).matches(doc), pattern
    assert not compile_pattern("{ $.latency < 1000 }").matches(doc)


def test_non_json_lines_never_match_a_json_pattern():
    """Guide: JSON filter patterns apply to JSON log events; a text line, even one that
    contains the words, is not one."""
    lines = ['START RequestId: 1 Version: $LATEST', 'level ERROR', '{"level": "ERROR"}',
             '{"level": "ERROR"', '{"level": "INFO"}', '2026-01-01 {"level": "ERROR"}']
    assert matching('{ $.level = "ERROR" }', lines) == [3]
    assert matching("{ $.level NOT EXISTS }", lines) == []


APACHE = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /index.html HTTP/1.0" 404 4355']


def test_space_delimited_fields_and_ellipsis():
    """Guide: "The characters between a pair of square brackets [] or two double quotes ("")
    are treated as a single field"; [ip, user, username, timestamp, request, status_code,
    bytes]; "[..., status_code, bytes] [ip, user, ..., status_code, bytes] [ip, user, ...]"."""
    assert split_fields(APACHE[0]) == ["127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700",
                                       "GET /apache_pb.gif HTTP/1.0", "200", "1534"]
    for pattern in ["[ip, user, username, timestamp, request, status_code, bytes]",
                    "[..., status_code, bytes]", "[ip, user, ..., status_code, bytes]",
                    "[ip, user, ...]"]:
        assert matching(pattern, APACHE) == [1, 2, 3], pattern
    assert matching("[ip, user, username]", APACHE) == []   # 7 fields, 3 named, no "..."


def test_space_delimited_conditions():
    """Guide: "[ip, user, username, timestamp, request, status_code, bytes > 1000]
    [... status_code = 200, bytes] [... status_code = 4*, bytes] [... request = *html*,
    status_code = 4*, bytes]" and "status_code = 4* && status_code != 403"."""
    head = "ip, user, username, timestamp"
    assert matching(f"[{head}, request, status_code, bytes > 1000]", APACHE) == [1, 2, 3]
    assert matching(f"[{head}, request, status_code, bytes > 5000]", APACHE) == [2]
    assert matching(f"[{head}, request, status_code = 200, bytes]", APACHE) == [1]
    assert matching(f"[{head}, request, status_code = 4*, bytes]", APACHE) == [3]
    assert matching(f"[{head}, request = *html*, status_code = 4*, bytes]", APACHE) == [3]
    assert matching(f"[{head}, request, status_code = 4* && status_code != 403, bytes]",
                    APACHE) == [3]
    assert matching(f"[{head}, request, status_code >= 400 && bytes < 5000, bytes]",
                    APACHE) == [3]


def test_space_delimited_extracted_fields():
    """Guide: filter "[..., request=*.html*, status_code=4*,]" on 127.0.0.1 - frank
    [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534 extracts "$status_code":
    "404", "$request": ..., "$7": "1534", "$4": "10/Oct/2000:13:25:15 -0700", "$3": "frank",
    "$2": "-", "$1": "127.0.0.1"."""
    line = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
    found = compile_pattern("[..., request=*.html*, status_code=4*,]").match(line)
    assert found.extracted == {"$1": "127.0.0.1", "$2": "-", "$3": "frank",
                               "$4": "10/Oct/2000:13:25:15 -0700",
                               "$request": "GET /index.html HTTP/1.0", "$status_code": "404",
                               "$7": "1534"}
    assert found.value("$status_code") == "404"


def test_json_match_reads_metric_values():
    """Guide (publishing numerical values): "metricFilter: { $.latency = * } metricValue:
    $.latency"."""
    found = compile_pattern("{ $.latency = * }").match('{"latency": 42, "user": {"id": 7}}')
    assert found.value("$.latency") == 42
    assert found.value("$.user.id") == 7
    assert found.extracted == {"$.latency": "42"}
    assert compile_pattern("{ $.latency = * }").match('{"latency": null}') is None


@pytest.mark.parametrize("pattern", [
    "{ $.level = ERROR", "[ip, user", '{ level = "ERROR" }', "{ $.latency > slow }",
    "{ $.a IS MAYBE }", "{ $.a NOT THERE }", "{ $.a = }", "{ ($.a = 1 }", "{ $.a = 1 ) }",
    "RequestId: abc", '""', "%[%", '"unterminated', "[a, b > x]", "[]"])
def test_invalid_patterns_are_rejected(pattern):
    """Guide: "Terms that include characters other than alphanumeric or underscore must be
    placed inside double quotes"; AWS answers InvalidParameterException "Invalid filter
    pattern" to a pattern that is not in the documented syntax, instead of matching."""
    with pytest.raises(PatternError):
        compile_pattern(pattern)
