"""One definition of an invocation's outcomes for both runtimes (labkit.lambda_outcomes): the
AWS wording of each error, the REPORT status of each outcome, and the Init phase's deadline."""
from __future__ import annotations

import signal

import pytest

from labkit import lambda_outcomes as outcomes


def test_errors_are_worded_as_lambda_words_them():
    """Lambda Developer Guide, "Troubleshoot invocation issues in Lambda": Sandbox.Timedout,
    "Task timed out after 3.00 seconds"; Runtime.ExitError, "Runtime exited with error: exit
    status 1" or "signal: killed"; both prefixed "RequestId: <id> Error: " in the response."""
    assert outcomes.timeout_error(3, "r-1") == {
        "errorType": "Sandbox.Timedout", "errorMessage": "RequestId: r-1 Error: Task timed out after 3.00 seconds"}
    assert outcomes.timeout_error(2.5)["errorMessage"] == "Task timed out after 2.50 seconds"
    assert outcomes.exit_error(1, "r-2") == {
        "errorType": "Runtime.ExitError", "errorMessage": "RequestId: r-2 Error: Runtime exited with error: exit status 1"}
    assert outcomes.exit_error(-signal.SIGKILL)["errorMessage"] == "Runtime exited with error: signal: killed"
    assert outcomes.exit_error(None)["errorMessage"].endswith("signal: killed")
    assert outcomes.exit_description(-signal.SIGSEGV) == "signal: segmentation fault"


def test_report_status_per_outcome():
    """Telemetry API, platform.report: status success, error or timeout."""
    assert [outcomes.report_status(o) for o in outcomes.OUTCOMES] == [
        "success", "error", "timeout", "error", "error"]
    with pytest.raises(ValueError):
        outcomes.report_status("timed out")


def test_the_init_deadline_is_10_s_or_the_function_timeout_when_longer():
    assert outcomes.init_deadline_s(3) == 10
    assert outcomes.init_deadline_s(15) == 15
