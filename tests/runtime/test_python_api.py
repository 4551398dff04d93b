"""The runtime's Python API (component "lambda-runtime"), used by pollers, EventBridge
targets, metrics and lessons. Runs an embedded server inside the test process."""
from __future__ import annotations

import json
import time

import pytest

from labkit.deploy import deploy_function
from labkit.emulator.runtime import FunctionNotFound, InvokeResult, Throttled
from tests.runtime.conftest import make_client

SOURCE = """
import os
calls = 0
def handler(event, context):
    global calls
    calls += 1
    if event.get("fail"):
        raise ValueError("nope")
    return {"pid": os.getpid(), "calls": calls}
"""


@pytest.fixture(scope="module")
def embedded():
    from labkit.emulator.server import EmbeddedServer

    server = EmbeddedServer(port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def runtime(embedded):
    return embedded.component("lambda-runtime")


@pytest.fixture(scope="module")
def fn(embedded):
    # a timeout far above its few milliseconds of work: what these tests look at is the result
    # and the listeners' events, and a machine busy with make test's other lanes once took the
    # default 3 s (run 17a: the invoke counted as an error)
    deploy_function(make_client(embedded.url, "lambda"), "api-fn", SOURCE, Timeout=30)
    return "api-fn"


def test_invoke_returns_an_invoke_result(runtime, fn):
    """AWS API_Invoke: a synchronous invoke returns the payload; a failed one carries
    FunctionError "Unhandled"; the first invocation of a new environment is a cold start."""
    first = runtime.invoke(fn, b'{}')
    assert isinstance(first, InvokeResult)
    assert first.function_error is None and json.loads(first.payload)["calls"] == 1
    assert first.cold is True and first.request_id and "REPORT RequestId" in first.log_tail
    second = runtime.invoke(fn, b'{"fail": true}')
    assert second.function_error == "Unhandled" and second.cold is False
    assert json.loads(second.payload)["errorType"] == "ValueError"
    with pytest.raises(FunctionNotFound):
        runtime.invoke("nope-not-here", b"{}")


def test_listeners_see_invokes_and_throttles(runtime, embedded, fn):
    """AWS CloudWatch metrics Invocations / Errors / Throttles / ConcurrentExecutions are
    derived from each invoke; listeners get one event per invoke or throttle."""
    events = []
    runtime.add_listener(events.append)
    runtime.invoke(fn, b"{}")
    lam = make_client(embedded.url, "lambda")
    lam.put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=0)
    try:
        with pytest.raises(Throttled) as err:
            runtime.invoke(fn, b"{}")
        assert err.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    finally:
        lam.delete_function_concurrency(FunctionName=fn)
    invoked, throttled = events[-2], events[-1]
    assert invoked["function_name"] == fn and invoked["throttled"] is False
    assert invoked["concurrent"] == 1 and invoked["error"] is False
    assert throttled["throttled"] is True
    assert set(invoked) == {"function_name", "duration_ms", "error", "throttled", "cold",
                            "concurrent", "timestamp", "qualifier", "version", "weighted_alias"}
    assert (invoked["qualifier"], invoked["weighted_alias"]) == (None, False)


def test_force_cold_start_and_health(runtime, fn):
    """Lessons force a cold start: the next invocation runs INIT again in a new environment."""
    before = json.loads(runtime.invoke(fn, b"{}").payload)["pid"]
    assert runtime.force_cold_start(fn) >= 1
    after = runtime.invoke(fn, b"{}")
    assert after.cold is True and json.loads(after.payload)["pid"] != before
    health = runtime.health()
    assert health["functions"][fn]["environments"] == 1
    assert health["cpu_share"] == "emulated"


CPU_BOUND = """
import time
def handler(event, context):
    cpu0, wall0 = time.process_time(), time.perf_counter()
    x = 0
    while time.process_time() - cpu0 < event["cpu_seconds"]:
        x += 1
    return {"cpu": time.process_time() - cpu0, "wall": time.perf_counter() - wall0}
"""


def test_cpu_share_is_proportional_to_memory(runtime, embedded):
    """AWS: "Lambda allocates CPU power in proportion to the amount of memory configured";
    at 1,769 MB a function has the equivalent of one vCPU (Lambda Developer Guide,
    'Configure Lambda function memory'). At 128 MB (7 % of a vCPU) a CPU-bound handler
    gets at most about a tenth of the wall clock; the emulation pauses it to do so. The job is
    long enough (0.3 CPU-s, ~4 s at 7 %) for a slow first check on a loaded machine to be paid
    back within the invocation. The enforcer reports its pauses through a pipe: polled."""
    lam = make_client(embedded.url, "lambda")
    deploy_function(lam, "cpu-small", CPU_BOUND, MemorySize=128, Timeout=60)
    runtime.invoke("cpu-small", b'{"cpu_seconds": 0.01}')   # the environment and the enforcer up
    pauses_before = runtime.health()["cpu_share_pauses"]
    small = json.loads(runtime.invoke("cpu-small", b'{"cpu_seconds": 0.3}').payload)
    assert small["cpu"] / small["wall"] < 0.25, small
    deadline = time.monotonic() + 10
    while runtime.health()["cpu_share_pauses"] == pauses_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runtime.health()["cpu_share_pauses"] > pauses_before
