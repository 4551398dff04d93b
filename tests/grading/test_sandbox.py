"""The handler sandbox behaves like Lambda's execution environments where checks rely on it,
whether its environments are forked from a zygote (Linux) or started as processes of their own
(Windows, macOS: the Spawner, forced here with LABKIT_PORTABLE=1)."""
from __future__ import annotations

import os
import textwrap

import pytest

from labkit.checks.sandbox import Function, Zygote, ran_together
from labkit.checks.spawner import Spawner
from labkit.platform_support import PORTABLE_ENV


@pytest.fixture(scope="module", params=["zygote", "spawner"])
def zygote(request):
    """What starts the environments: each test runs with both."""
    with (Zygote() if request.param == "zygote" else Spawner()) as starter:
        yield starter


def test_the_platform_decides_what_starts_environments(monkeypatch):
    from labkit.checks.sandbox import start_environments

    monkeypatch.setenv(PORTABLE_ENV, "1")
    with start_environments() as starter:
        assert isinstance(starter, Spawner)
    monkeypatch.setenv(PORTABLE_ENV, "0")
    with start_environments() as starter:
        assert isinstance(starter, Zygote)   # this is Linux


def _handler(tmp_path, body: str):
    path = tmp_path / "fn.py"
    path.write_text(textwrap.dedent(body))
    os.chmod(tmp_path, 0o755)
    return str(path)


def test_init_once_per_environment_and_reuse(tmp_path, zygote):
    """AWS: init code runs once per execution environment, which is reused for later
    invocations (Lambda Developer Guide, "Lambda execution environment lifecycle")."""
    path = _handler(tmp_path, """
        import os, time
        COUNT = {"n": 0}
        def handler(event, context):
            COUNT["n"] += 1
            time.sleep(event.get("hold", 0))
            return {"pid": os.getpid(), "n": COUNT["n"], "env": os.environ.get("X")}
    """)
    with Function(path, env={"X": "set"}, zygote=zygote) as fn:
        a, b = fn.invoke({}), fn.invoke({})
        assert (a.payload["n"], b.payload["n"]) == (1, 2)
        assert a.payload["pid"] == b.payload["pid"] and a.payload["env"] == "set"
        assert fn.cold_starts == 1
        # held long enough to overlap however the threads are scheduled: one environment each
        together = fn.invoke_at_once([{"hold": 1.0}] * 3)
        assert len({r.payload["pid"] for r in together}) == 3
        assert ran_together(together)   # each invocation knows when it ran
        one_after_another = [fn.invoke({"hold": 0.1}) for _ in range(2)]
        assert not ran_together(one_after_another)


def test_context_and_environment_report_the_configured_memory(tmp_path, zygote):
    """AWS: the context's memory_limit_in_mb is the function's configured memory, and Lambda
    sets AWS_LAMBDA_FUNCTION_MEMORY_SIZE to it (Lambda Developer Guide, "Using the Lambda
    context object to retrieve Python function information"; "Defined runtime environment
    variables"). The sandbox said 128 whatever the configuration."""
    path = _handler(tmp_path, """
        import os
        def handler(event, context):
            return [context.memory_limit_in_mb, os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]]
    """)
    with Function(path, memory_mb=512, zygote=zygote) as fn:
        assert fn.invoke({}).payload == [512, "512"]
    with Function(path, zygote=zygote) as fn:
        assert fn.invoke({}).payload == [128, "128"]   # Lambda's default memory


def test_environment_holds_no_grader_secrets(tmp_path, zygote, monkeypatch):
    monkeypatch.setenv("LABKIT_GRADE_SEED", "secret-seed")
    path = _handler(tmp_path, """
        import os
        def handler(event, context):
            return dict(os.environ)
    """)
    with Function(path, zygote=zygote) as fn:
        env = fn.invoke({}).payload
    assert "secret-seed" not in str(env)


def test_timeout_kills_the_environment(tmp_path, zygote):
    """AWS: "Task timed out after N seconds", and the environment is replaced (Lambda
    Developer Guide, "Troubleshoot invocation issues")."""
    path = _handler(tmp_path, """
        import time
        def handler(event, context):
            if event.get("hang"):
                while True:
                    time.sleep(1)
            return "fine"
    """)
    with Function(path, timeout_s=1.0, zygote=zygote) as fn:
        hung = fn.invoke({"hang": True})
        assert hung.status == "timeout" and "timed out" in hung.error["errorMessage"]
        assert fn.invoke({}).payload == "fine"
        assert fn.cold_starts == 2


def test_crash_and_errors_are_reported(tmp_path, zygote):
    """AWS: a process that exits during an invocation is Runtime.ExitError, "Runtime exited with
    error: exit status 3", or "signal: killed" (Lambda Developer Guide, "Troubleshoot invocation
    issues in Lambda"): the emulator's runtime words it the same (labkit.lambda_outcomes)."""
    path = _handler(tmp_path, """
        import os, signal
        def handler(event, context):
            if event == "exit":
                os._exit(3)
            if event == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError("bad order")
    """)
    with Function(path, zygote=zygote) as fn:
        exited, killed = fn.invoke("exit"), fn.invoke("kill")
        assert exited.status == killed.status == "crashed"
        assert exited.error == {"errorType": "Runtime.ExitError",
                                "errorMessage": "Runtime exited with error: exit status 3"}
        assert killed.error["errorMessage"] == "Runtime exited with error: signal: killed"
        err = fn.invoke("x")
        assert err.status == "error" and err.error["errorType"] == "ValueError"


def test_init_error(tmp_path, zygote):
    path = _handler(tmp_path, "def handler(event, context:\n")
    with Function(path, zygote=zygote) as fn:
        result = fn.invoke({})
    assert result.status == "init_error" and result.error["errorType"] == "SyntaxError"
