"""Concurrency: one invocation per environment, reserved and account limits, provisioned."""
from __future__ import annotations

import concurrent.futures
import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.runtime.conftest import invoke, make_client, report_lines, start_server, wait_for

SLOW = """
import os, time
def handler(event, context):
    started = time.time()
    if event.get("touch"):
        open(event["touch"], "w").close()
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "n": event.get("n"), "started": started, "ended": time.time()}
"""


def peak_overlap(results) -> int:
    """Most handler executions running at the same moment (from their own start/end times)."""
    edges = sorted([(r["started"], 1) for r in results] + [(r["ended"], -1) for r in results],
                   key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def test_reserved_concurrency_zero_throttles_every_invoke(lam, deploy):
    """AWS: reserved concurrency caps a function's concurrent executions; with 0 "the
    function is throttled": Invoke fails with 429 TooManyRequestsException "Rate Exceeded.",
    Reason ReservedFunctionConcurrentInvocationLimitExceeded (API_Invoke errors)."""
    # a generous timeout: the invoke after the limit is lifted is a cold start, and this test is
    # about throttling, not about how fast a loaded machine starts an environment (run 26c: that
    # invoke answered a function error while the grading suite ran beside it, most likely the
    # default 3 s timeout)
    name = deploy(SLOW, Timeout=30)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName=name, Payload=b"{}")
    response = err.value.response
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert response["message"] == "Rate Exceeded."
    lam.delete_function_concurrency(FunctionName=name)
    _, error, payload, _ = invoke(lam, name)
    assert error is None, payload


def test_one_invocation_per_environment_and_reserved_concurrency_one(lam, deploy, tmp_path):
    """AWS: an execution environment handles one request at a time; with reserved
    concurrency 1 a second concurrent invoke is throttled while the first runs
    (Lambda Developer Guide, 'Lambda function scaling', 'Reserved concurrency')."""
    name = deploy(SLOW, Timeout=60)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    marker = tmp_path / "running"
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(invoke, lam, name, {"sleep": 3, "touch": str(marker)})
        wait_for(marker.exists, what="the first invocation to be running")
        with pytest.raises(ClientError) as err:
            lam.invoke(FunctionName=name, Payload=b"{}")
        assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert first.result(60)[1] is None


def test_concurrent_invocations_get_separate_environments(lam, deploy, tmp_path):
    """AWS: concurrency = number of execution environments serving requests at once; two
    overlapping invocations run in two environments (two processes)."""
    name = deploy(SLOW, Timeout=60)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(invoke, lam, name, {"sleep": 2, "n": i}) for i in range(2)]
        pids = {f.result(60)[2]["pid"] for f in futures}
    assert len(pids) == 2


@pytest.fixture(scope="module")
def small_account(tmp_path_factory):
    """A backend whose account concurrency limit is 12 (AWS default 1,000; raised or
    lowered per account by quota)."""
    proc = start_server(tmp_path_factory, LABKIT_LAMBDA_ACCOUNT_CONCURRENCY="12",
                        LABKIT_LAMBDA_IDLE_SECONDS="2")
    try:
        yield proc
    finally:
        proc.stop()


def test_200_concurrent_invocations_complete_within_the_account_limit(small_account):
    """AWS: beyond the account's concurrency limit invocations are throttled
    (TooManyRequestsException, Reason ConcurrentInvocationLimitExceeded) and callers retry;
    200 simultaneous callers all complete, never using more environments than the limit."""
    from labkit.deploy import deploy_function

    lam = make_client(small_account.url, "lambda")
    deploy_function(lam, "burst", SLOW, Timeout=30)
    throttles = []

    def call(n):
        deadline = time.monotonic() + 120
        while True:
            try:
                resp = lam.invoke(FunctionName="burst", Payload=json.dumps({"n": n, "sleep": 0.05}))
                return json.loads(resp["Payload"].read())
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TooManyRequestsException":
                    raise
                assert exc.response["Reason"] == "ConcurrentInvocationLimitExceeded"
                throttles.append(n)
                assert time.monotonic() < deadline, "still throttled after 120 s"
                time.sleep(0.05)

    with concurrent.futures.ThreadPoolExecutor(200) as pool:
        results = list(pool.map(call, range(200)))
    assert sorted(r["n"] for r in results) == list(range(200))
    # Environments may be reaped and replaced during the run (idle reaping is 2 s here), so the
    # limit is on executions at the same moment, not on distinct environments over time.
    assert peak_overlap(results) <= 12
    assert throttles, "200 callers against a limit of 12 must see throttles"
    health = json.loads(__import__("urllib.request").request.urlopen(
        small_account.url + "/_labkit/health").read())
    assert health["components"]["lambda-runtime"]["functions"]["burst"]["environments"] <= 12


def test_idle_environments_are_reaped(small_account):
    """AWS: execution environments that receive no invocations are shut down after a while
    (Lambda Developer Guide, 'Execution environment lifecycle': Shutdown phase); the next
    invocation is a cold start. This backend reaps after LABKIT_LAMBDA_IDLE_SECONDS (2 s here)."""
    from labkit.deploy import deploy_function

    lam = make_client(small_account.url, "lambda")
    deploy_function(lam, "reaped", SLOW)
    first = json.loads(lam.invoke(FunctionName="reaped", Payload=b"{}")["Payload"].read())
    health_url = small_account.url + "/_labkit/health"

    def environments():
        doc = json.loads(__import__("urllib.request").request.urlopen(health_url).read())
        return doc["components"]["lambda-runtime"]["functions"].get("reaped", {}).get("environments", 0)

    wait_for(lambda: environments() == 0, timeout=60, what="the idle environment to be reaped")
    second = json.loads(lam.invoke(FunctionName="reaped", Payload=b"{}")["Payload"].read())
    assert second["pid"] != first["pid"]


def test_provisioned_concurrency_serves_without_init_duration(lam, logs, deploy):
    """AWS: provisioned concurrency keeps pre-initialised environments for a version or
    alias; invocations they serve have no cold start (no Init Duration in REPORT)
    ('Configuring provisioned concurrency'); $LATEST cannot have it."""
    name = deploy(SLOW)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    with pytest.raises(ClientError):
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                           ProvisionedConcurrentExecutions=2)
    wait_for(lambda: lam.get_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live")["Status"] == "READY", what="READY")
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert listed[0]["RequestedProvisionedConcurrentExecutions"] == 2
    assert invoke(lam, name, Qualifier="live")[1] is None
    reports = wait_for(lambda: report_lines(logs, name))
    assert "Init Duration" not in reports[0]
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    with pytest.raises(ClientError) as err:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert err.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


def test_deleting_a_missing_provisioned_config_is_resource_not_found(lam, deploy):
    """AWS API reference, DeleteProvisionedConcurrencyConfig, Errors: InvalidParameterValue
    Exception, ResourceConflictException, ResourceNotFoundException ("The resource specified
    in the request does not exist."), ServiceException, TooManyRequestsException; unlike
    GetProvisionedConcurrencyConfig it never answers ProvisionedConcurrencyConfigNotFound
    Exception."""
    name = deploy(SLOW)
    version = lam.publish_version(FunctionName=name)["Version"]
    with pytest.raises(ClientError) as err:
        lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize("operation", ["get_provisioned_concurrency_config",
                                       "delete_provisioned_concurrency_config"])
@pytest.mark.parametrize("qualifier", ["live", "7"], ids=["alias", "version"])
def test_a_missing_alias_or_version_is_resource_not_found(lam, deploy, operation, qualifier):
    """AWS API reference, Get/DeleteProvisionedConcurrencyConfig, Errors: ResourceNotFound
    Exception (HTTP 404), "The resource specified in the request does not exist." (the
    emulator answered a 500 for an alias or version that was never created)."""
    name = deploy(SLOW)
    with pytest.raises(ClientError) as err:
        getattr(lam, operation)(FunctionName=name, Qualifier=qualifier)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
