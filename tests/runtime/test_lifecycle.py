"""Execution environments: init once, warm reuse, REPORT lines, timeouts, crashes."""
from __future__ import annotations

import math
import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor

from tests.runtime.conftest import invoke, log_messages, report_lines, wait_for

COUNTER = """
import os, time
INIT_PID = os.getpid()
calls = 0
print("init ran in", INIT_PID)
def handler(event, context):
    global calls
    calls += 1
    if event.get("touch"):
        open(event["touch"], "w").close()   # tells the test the handler is running
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"pid": os.getpid(), "calls": calls}
"""

REPORT_RE = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>\d+\.\d\d) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<used>\d+) MB\t(Init Duration: (?P<init>\d+\.\d\d) ms\t)?$")


def test_init_runs_once_and_the_environment_is_reused(lam, logs, deploy):
    """AWS: "Lambda runs your function's initialization code once per execution environment"
    and reuses the environment for subsequent invocations while it is warm (Lambda Developer
    Guide, 'Lambda execution environment lifecycle')."""
    name = deploy(COUNTER)
    first = invoke(lam, name)[2]
    second = invoke(lam, name)[2]
    assert second["pid"] == first["pid"]
    assert (first["calls"], second["calls"]) == (1, 2)
    messages = wait_for(lambda: len(report_lines(logs, name)) == 2 and log_messages(logs, name))
    assert sum(1 for m in messages if m.startswith("init ran in")) == 1


def test_report_lines_carry_aws_fields_and_init_duration_only_when_cold(lam, logs, deploy):
    """AWS: the REPORT line has Duration, Billed Duration (rounded up to the next ms),
    Memory Size, Max Memory Used, and Init Duration "for the first request served"
    (Lambda Developer Guide, 'Working with Lambda function logs'/'Monitoring')."""
    name = deploy(COUNTER, MemorySize=256)
    invoke(lam, name)
    invoke(lam, name)
    reports = wait_for(lambda: (r := report_lines(logs, name)) and len(r) == 2 and r)
    cold, warm = (REPORT_RE.match(r) for r in reports)
    assert cold and warm, reports
    assert cold["init"] is not None and warm["init"] is None
    assert float(cold["init"]) > 0
    assert cold["memory"] == warm["memory"] == "256"
    assert 0 < int(warm["used"]) <= 256
    # billed = duration rounded up to 1 ms; on a cold start it includes the INIT phase
    # (billed since 1 Aug 2025 for on-demand ZIP functions: AWS Compute Blog, "AWS Lambda
    # standardizes billing for INIT phase")
    assert int(warm["billed"]) == max(1, math.ceil(float(warm["duration"])))
    assert int(cold["billed"]) == max(1, math.ceil(float(cold["duration"]) + float(cold["init"])))


def test_log_group_and_stream_names_match_aws(lam, logs, deploy):
    """AWS: logs go to the group /aws/lambda/<function name>, one log stream per execution
    environment, named YYYY/MM/DD/[<version>]<id> (Lambda Developer Guide, 'Sending
    Lambda function logs to CloudWatch Logs')."""
    name = deploy(COUNTER)
    invoke(lam, name)
    streams = wait_for(lambda: logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"])
    assert len(streams) == 1
    assert re.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", streams[0]["logStreamName"])
    messages = log_messages(logs, name)
    order = [m.split(" ")[0] for m in messages if m.split(" ")[0] in ("START", "END", "REPORT")]
    assert order == ["START", "END", "REPORT"]


def test_timeout_kills_the_environment_and_the_next_invoke_is_cold(lam, logs, deploy):
    """AWS: when a function exceeds its Timeout, Lambda stops it: "Task timed out after
    N.NN seconds" (errorType Sandbox.Timedout) and the execution environment is replaced
    (Lambda Developer Guide, 'Troubleshoot invocation issues', 'Configure function timeout')."""
    name = deploy(COUNTER, Timeout=1)
    first_pid = invoke(lam, name)[2]["pid"]
    status, error, payload, tail = invoke(lam, name, {"sleep": 30})
    assert error == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "Task timed out after 1.00 seconds" in tail
    after = invoke(lam, name)[2]
    assert after["calls"] == 1 and after["pid"] != first_pid
    wait_for(lambda: not _alive(first_pid), what="the timed-out worker to be gone")


def test_infinite_loop_times_out_and_the_server_keeps_serving(lam, deploy):
    """AWS: a function that never returns is stopped at its Timeout; other invocations
    are unaffected."""
    name = deploy("def handler(event, context):\n    while True:\n        pass\n", Timeout=1)
    _, error, payload, _ = invoke(lam, name)
    assert payload["errorType"] == "Sandbox.Timedout"
    other = deploy(COUNTER)
    assert invoke(lam, other)[1] is None


def test_exit_in_handler_is_runtime_exit_error(lam, deploy):
    """AWS: if the runtime process exits during an invocation the result is
    Runtime.ExitError, "Runtime exited with error: exit status N"; the environment is
    replaced (Lambda Developer Guide, 'Troubleshoot execution issues')."""
    name = deploy("""
import os, sys
def handler(event, context):
    if event.get("how") == "sys.exit":
        sys.exit(3)
    os._exit(7)
""")
    _, error, payload, _ = invoke(lam, name, {"how": "sys.exit"})
    assert error == "Unhandled" and payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Runtime exited with error: exit status 3")
    _, _, payload, _ = invoke(lam, name, {"how": "os._exit"})
    assert payload["errorMessage"].endswith("Runtime exited with error: exit status 7")


def test_an_init_over_10_s_is_given_the_function_timeout(lam, deploy):
    """AWS: "The Init phase is limited to 10 seconds. If all three tasks do not complete within
    10 seconds, Lambda retries the Init phase at the time of the first function invocation with
    the configured function timeout." (Lambda Developer Guide, "Understanding the Lambda
    execution environment lifecycle"). An init of 10.5 s succeeds under a 15 s timeout, and
    times out (Sandbox.Timedout) under a 3 s one. Both functions are invoked at once: one wait."""
    slow_init = "import time\ntime.sleep(10.5)\ndef handler(event, context):\n    return 'ready'\n"
    names = {"long": deploy(slow_init, Timeout=15), "short": deploy(slow_init, Timeout=3)}
    with ThreadPoolExecutor(2) as pool:
        answers = dict(zip(names, pool.map(lambda name: invoke(lam, name), names.values())))
    assert answers["long"][1:3] == (None, "ready"), answers["long"]
    assert answers["short"][1] == "Unhandled" and answers["short"][2]["errorType"] == "Sandbox.Timedout"


def test_import_error_is_an_init_error(lam, deploy):
    """AWS: an error while importing the handler module fails INIT with
    Runtime.ImportModuleError ("Unable to import module 'app': ..."); a syntax error gives
    Runtime.UserCodeSyntaxError (awslambdaric bootstrap; Lambda 'Python errors' docs)."""
    missing = deploy("import no_such_module_anywhere\ndef handler(e, c):\n    return 1\n")
    _, error, payload, _ = invoke(lam, missing)
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'app'" in payload["errorMessage"]
    broken = deploy("def handler(e, c)\n    return 1\n")
    _, error, payload, _ = invoke(lam, broken)
    assert payload["errorType"] == "Runtime.UserCodeSyntaxError"
    fine = deploy(COUNTER)
    assert invoke(lam, fine)[1] is None   # the emulator keeps serving


def test_sigkill_mid_invocation_fails_it_and_the_next_is_cold(lam, deploy, tmp_path):
    """AWS: an execution environment that crashes fails the in-flight invocation
    (Runtime.ExitError, "signal: killed") and the next invocation starts a new one."""
    import concurrent.futures

    name = deploy(COUNTER, Timeout=60)
    pid = invoke(lam, name)[2]["pid"]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        marker = tmp_path / "running"
        running = pool.submit(invoke, lam, name, {"sleep": 50, "touch": str(marker)})
        wait_for(marker.exists, what="the handler to start")
        os.kill(pid, signal.SIGKILL)
        _, error, payload, _ = running.result(timeout=60)
    assert error == "Unhandled" and payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("signal: killed")
    after = invoke(lam, name)[2]
    assert after["pid"] != pid and after["calls"] == 1


def test_memory_limit_kills_the_environment(lam, logs, deploy):
    """AWS: a function that uses more than its MemorySize is stopped ("Runtime exited with
    error: signal: killed", Runtime.ExitError) and REPORT shows Max Memory Used equal to the
    Memory Size (Lambda Developer Guide, 'Configure memory')."""
    name = deploy("""
def handler(event, context):
    hog = []
    for _ in range(400):
        hog.append(bytearray(1024 * 1024))   # touch 1 MB at a time
    return len(hog)
""", MemorySize=128, Timeout=30)
    _, error, payload, _ = invoke(lam, name)
    assert error == "Unhandled" and payload["errorType"] == "Runtime.ExitError", payload
    assert payload["errorMessage"].endswith("signal: killed")
    report = wait_for(lambda: report_lines(logs, name))[0]
    assert "Max Memory Used: 128 MB" in report


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ", 1)[1][0] != "Z"

