"""The helpers lesson notebooks use to read Lambda logs, poll and force cold starts."""
from __future__ import annotations

import io
import json
import time
import uuid
import zipfile

import pytest

from labkit import cost
from labkit.lessons import (
    force_cold_start, parse_report_line, read_json_lines, read_report_lines, run_prefix,
    wait_for_json_lines, wait_for_reports, wait_until,
)

# The shape AWS prints (fields separated by tabs), as shown in the Lambda Developer Guide,
# "Using CloudWatch Logs with Lambda": Init Duration only on a cold start.
COLD = ("REPORT RequestId: 3f1c7a9e-0d1b-4c55-9a59-2b8f0f0f0001\tDuration: 147.82 ms\t"
        "Billed Duration: 148 ms\tMemory Size: 512 MB\tMax Memory Used: 78 MB\t"
        "Init Duration: 312.45 ms\t")
WARM = ("REPORT RequestId: 3f1c7a9e-0d1b-4c55-9a59-2b8f0f0f0002\tDuration: 2.50 ms\t"
        "Billed Duration: 3 ms\tMemory Size: 512 MB\tMax Memory Used: 79 MB\t")


def test_parse_cold_report_line_reads_every_field():
    row = parse_report_line(COLD)
    assert row["request_id"] == "3f1c7a9e-0d1b-4c55-9a59-2b8f0f0f0001"
    assert (row["duration_ms"], row["billed_ms"], row["init_ms"]) == (147.82, 148.0, 312.45)
    assert (row["memory_mb"], row["max_memory_mb"]) == (512.0, 78.0)
    assert row["cold"] is True


def test_parse_warm_report_line_has_no_init_duration():
    row = parse_report_line(WARM)
    assert row["duration_ms"] == 2.5 and row["billed_ms"] == 3.0
    assert row["init_ms"] != row["init_ms"]  # NaN
    assert row["cold"] is False


def test_a_report_line_cut_short_keeps_the_numbers_it_has():
    """The lessons show what a line holds; a bill (labkit.cost) prices only complete lines."""
    short = "REPORT RequestId: 3f1c7a9e-0d1b\tDuration: 1.00 ms\tBilled Duration: 1 ms"
    row = parse_report_line(short)
    assert (row["request_id"], row["duration_ms"], row["billed_ms"]) == ("3f1c7a9e-0d1b", 1.0, 1.0)
    assert row["memory_mb"] != row["memory_mb"] and row["cold"] is False   # NaN, warm
    assert cost.parse_report(short) is None


def test_non_report_lines_are_not_parsed():
    assert parse_report_line("START RequestId: abc Version: $LATEST") is None
    assert parse_report_line('{"kind": "processed"}') is None


def _put(logs, function_name, messages, when_ms):
    group = f"/aws/lambda/{function_name}"
    stream = f"2026/01/01/[$LATEST]{uuid.uuid4().hex}"
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": when_ms + i, "message": m} for i, m in enumerate(messages)])
    return stream


def test_read_report_lines_from_cloudwatch_logs(aws):
    logs, name = aws("logs"), run_prefix("t-report")
    now_ms = int(time.time() * 1000)
    stream = _put(logs, name, ["START RequestId: x Version: $LATEST", "hello", COLD, "END", WARM],
                  now_ms)
    frame = read_report_lines(logs, name)
    assert list(frame["cold"]) == [True, False]
    assert list(frame["log_stream"]) == [stream, stream]
    assert frame["billed_ms"].sum() == 151.0


def test_since_leaves_out_older_events(aws):
    logs, name = aws("logs"), run_prefix("t-since")
    now_ms = int(time.time() * 1000)
    _put(logs, name, [COLD], now_ms - 60_000)
    _put(logs, name, [WARM], now_ms)
    frame = read_report_lines(logs, name, since=(now_ms - 1000) / 1000)
    assert list(frame["cold"]) == [False]


def test_function_never_invoked_has_no_lines(aws):
    assert len(read_report_lines(aws("logs"), run_prefix("t-none"))) == 0


def test_read_json_lines_filters_by_kind(aws):
    logs, name = aws("logs"), run_prefix("t-json")
    _put(logs, name, ['{"kind": "processed", "id": "a"}', "not json {", '{"kind": "other"}',
                      '{"kind": "processed", "id": "b"}', COLD], int(time.time() * 1000))
    assert list(read_json_lines(logs, name, kind="processed")["id"]) == ["a", "b"]
    assert len(read_json_lines(logs, name)) == 3


def test_wait_for_reports_returns_once_enough_lines_arrived(aws):
    logs, name = aws("logs"), run_prefix("t-wait")
    _put(logs, name, [COLD, WARM], int(time.time() * 1000))
    assert len(wait_for_reports(logs, name, 2, timeout=10)) == 2
    with pytest.raises(TimeoutError, match="3 REPORT"):
        wait_for_reports(logs, name, 3, timeout=0.5)
    with pytest.raises(TimeoutError):
        wait_for_json_lines(logs, name, 1, kind="processed", timeout=0.5)


def test_wait_until_returns_the_first_truthy_value():
    calls = []

    def third_time():
        calls.append(1)
        return len(calls) if len(calls) >= 3 else 0

    assert wait_until(third_time, timeout=10, interval=0.01) == 3


def test_wait_until_names_what_it_waited_for():
    with pytest.raises(TimeoutError, match="the queue to drain"):
        wait_until(lambda: False, timeout=0.2, interval=0.05, what="the queue to drain")


def test_wait_until_asks_what_is_missing_at_the_deadline():
    """``what`` as a function is called once, at the deadline: the error says what the last look
    found missing, not what was missing when the wait began."""
    looks = []

    def still_missing():
        looks.append(1)
        return None

    with pytest.raises(TimeoutError, match=r"the lines \(missing: 3 after 1+ looks\)"):
        wait_until(still_missing, timeout=0.2, interval=0.05,
                   what=lambda: f"the lines (missing: 3 after {'1' * len(looks)} looks)")


def test_poll_gives_the_last_value_and_looks_once_more_at_the_deadline(monkeypatch):
    """A check judges what poll returns: at the deadline, the value of a last look taken at
    the deadline itself, not one taken a sleep earlier."""
    import labkit.lessons.polling as polling

    clock = {"now": 0.0}
    monkeypatch.setattr(polling.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(polling.time, "sleep", lambda s: clock.update(now=clock["now"] + s))
    looks = []

    def empty_list():
        looks.append(clock["now"])
        return []

    assert polling.poll(empty_list, timeout=1.0, interval=0.3) == []
    assert looks == pytest.approx([0.0, 0.3, 0.6, 0.9, 1.0])


def test_run_prefixes_are_unique():
    assert len({run_prefix("l00") for _ in range(100)}) == 100


def _zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", source)
    return buf.getvalue()


def test_force_cold_start_changes_configuration_and_keeps_variables(aws):
    lam, name = aws("lambda"), run_prefix("t-cold")
    role = aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                        Role=role["Role"]["Arn"],
                        Code={"ZipFile": _zip("def handler(e, c):\n    return 1\n")},
                        Environment={"Variables": {"KEEP": "me"}})
    first = force_cold_start(lam, name)
    second = force_cold_start(lam, name)
    variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    assert first != second
    assert variables == {"KEEP": "me", "LABKIT_COLD_START_NONCE": second}


def test_force_cold_start_makes_the_next_invocation_cold(aws):
    """AWS Lambda Operator Guide, "Lambda execution environments": an environment is created
    "with the memory, runtime, and configuration specified", so a configuration change
    means the next invocation runs in a new environment (Init Duration in its REPORT)."""
    lam, logs, name = aws("lambda"), aws("logs"), run_prefix("t-cold-run")
    role = aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    source = ("import uuid\nENV = uuid.uuid4().hex\ncount = 0\n"
              "def handler(e, c):\n    global count\n    count += 1\n    return [ENV, count]\n")
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler", Role=role,
                        Code={"ZipFile": _zip(source)})
    lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def invoke():
        return json.loads(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())

    env_before, _ = invoke()
    assert invoke() == [env_before, 2]
    force_cold_start(lam, name)
    env_after, count_after = invoke()
    assert env_after != env_before and count_after == 1
    reports = wait_for_reports(logs, name, 3, timeout=30)
    assert list(reports["cold"]) == [True, False, True]
