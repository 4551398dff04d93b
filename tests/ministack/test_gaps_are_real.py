"""Each gap labkit/backend_gaps.py claims for MiniStack, shown on MiniStack itself. When a new
MiniStack release closes one, its probe fails here: remove the gap, and the notebooks that
stopped for it will run (and tests/ministack/test_notebooks_on_ministack.py will say whether
they then pass). One probe per gap; the AWS behaviour each one misses is in backend_gaps.NEEDS.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from labkit.backend_gaps import GAPS
from labkit.deploy import deploy_function
from labkit.lessons.polling import wait_until
from tests.conformance.apigateway_helpers import call, http_api

HANDLER = "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('no')\n    print('hello')\n    return 1\n"


def _lines(logs, group: str, count: int) -> dict[str, list[str]]:
    """stream -> messages, once ``count`` REPORT lines arrived."""
    def read():
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        found = {s["logStreamName"]: [e["message"] for e in logs.get_log_events(
            logGroupName=group, logStreamName=s["logStreamName"])["events"]] for s in streams}
        reports = sum("REPORT" in m for lines in found.values() for m in lines)
        return found if reports >= count else None
    return wait_until(read, 60, interval=0.5, what=f"{count} REPORT lines")


def test_every_gap_has_a_probe():
    probes = {"cold starts in the logs", "JSON log format", "SQS metrics", "metric filters",
              "function error types", "API Gateway integration timeouts", "API Gateway throttling",
              "failed inits replaced", "weighted aliases"}
    assert set(GAPS["ministack"]) == probes


def test_cold_starts_are_not_in_the_logs(aws):
    lam, logs = aws("lambda"), aws("logs")
    name = f"probe-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, HANDLER)
    for _ in range(2):
        lam.invoke(FunctionName=name, Payload=b"{}")
    streams = _lines(logs, f"/aws/lambda/{name}", 2)
    reports = [m for lines in streams.values() for m in lines if m.startswith("REPORT")]
    on_aws = len(streams) == 1 and sum("Init Duration" in r for r in reports) == 1
    assert not on_aws, f"MiniStack now reports cold starts as AWS does: {reports}"


def test_json_log_format_is_not_honoured(aws):
    lam, logs = aws("lambda"), aws("logs")
    name = f"probe-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, HANDLER, LoggingConfig={"LogFormat": "JSON"})
    lam.invoke(FunctionName=name, Payload=b"{}")
    lines = [m for ms in _lines(logs, f"/aws/lambda/{name}", 1).values() for m in ms]
    report = next(m for m in lines if "REPORT" in m)
    assert not report.lstrip().startswith("{"), f"MiniStack now writes JSON lines: {report}"


def test_sqs_metrics_are_not_published(aws):
    sqs, cw = aws("sqs"), aws("cloudwatch")
    name = f"probe-{uuid.uuid4().hex[:6]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    # list_metrics works there: a metric put by hand is listed (so an empty list means none)
    cw.put_metric_data(Namespace=f"Probe/{name}", MetricData=[{"MetricName": "Sent", "Value": 1}])
    assert cw.list_metrics(Namespace=f"Probe/{name}")["Metrics"]
    # AWS sends SQS metrics every minute ("Available CloudWatch metrics for Amazon SQS")
    deadline = time.monotonic() + 75
    while time.monotonic() < deadline:
        metrics = cw.list_metrics(Namespace="AWS/SQS", Dimensions=[
            {"Name": "QueueName", "Value": name}])["Metrics"]
        assert not metrics, f"MiniStack now publishes SQS metrics: {metrics[:2]}"
        time.sleep(5)


def test_metric_filters_are_missing(aws):
    with pytest.raises(ClientError, match="TestMetricFilter"):
        aws("logs").test_metric_filter(filterPattern='{ $.level = "ERROR" }',
                                       logEventMessages=['{"level": "ERROR"}'])


def test_function_errors_do_not_name_the_exception(aws):
    lam = aws("lambda")
    name = f"probe-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, HANDLER)
    answer = lam.invoke(FunctionName=name, Payload=json.dumps({"fail": True}).encode())
    error = json.loads(answer["Payload"].read())
    assert answer.get("FunctionError") and error.get("errorType") != "ValueError", \
        f"MiniStack now names the exception as AWS does: {error}"


SLEEPER = "import time\n\ndef handler(event, context):\n    time.sleep(3)\n    return {'statusCode': 200}\n"


def test_integration_timeouts_are_not_kept(aws, ministack):
    """On AWS ("Quotas for HTTP APIs": integration timeout at most 30 s; the 503 is what users
    report from real HTTP APIs, e.g. sst issue #2232): a 3 s function behind a 1 s integration
    timeout answers 503 after about 1 s."""
    arn = deploy_function(aws("lambda"), f"probe-{uuid.uuid4().hex[:6]}", SLEEPER, Timeout=10)
    api_id = http_api(aws("apigatewayv2"), arn, ["$default"], timeout_ms=1000)
    started = time.monotonic()
    status = call(f"{ministack.url}/_aws/execute-api/{api_id}/go", method="POST")[0]
    waited = time.monotonic() - started
    # what backend_gaps says MiniStack does: the function's own answer, after its 3 s
    assert status == 200 and waited >= 2.5, \
        f"MiniStack now stops waiting: {status} after {waited:.1f} s (AWS: 503 after 1 s)"


def test_throttling_limits_are_not_kept(aws, ministack):
    """On AWS ("Throttling requests to your HTTP API"): a route limited to a burst of 1 and
    0.01 requests per second answers 429 to the second and third of three quick requests."""
    arn = deploy_function(aws("lambda"), f"probe-{uuid.uuid4().hex[:6]}",
                          "def handler(event, context):\n    return {'statusCode': 200}\n")
    api_id = http_api(aws("apigatewayv2"), arn, ["GET /limited"], stage_settings={
        "RouteSettings": {"GET /limited": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.01}}})
    statuses = [call(f"{ministack.url}/_aws/execute-api/{api_id}/limited")[0] for _ in range(3)]
    assert statuses == [200, 200, 200], f"MiniStack now throttles: {statuses} (AWS: 200, 429, 429)"


def test_failed_inits_break_the_workers_under_concurrency(aws):
    """On AWS ("Understanding the Lambda execution environment lifecycle": Init runs again when
    it did not complete; an environment whose Init failed serves nothing) each invocation whose
    Init fails answers that error and the others run: 24 invokes, 8 at once, of a function
    whose Init fails half the time (as a database refusing connections makes it) mostly answer.
    The embedded backend answers 'ok' to about half or more and the Init error to the rest."""
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    lam = aws("lambda")
    name = f"probe-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, "import random, time\ntime.sleep(0.3)\n"
                               "if random.random() < 0.5:\n    raise RuntimeError('init refused')\n\n"
                               "def handler(event, context):\n    time.sleep(0.5)\n    return 'ok'\n",
                    Timeout=10)

    def invoke(_):
        answer = lam.invoke(FunctionName=name)
        body = json.loads(answer["Payload"].read())
        return "ok" if "FunctionError" not in answer else body.get("errorMessage", "")[:40]
    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(invoke, range(24)))
    broken = sum(n for outcome, n in outcomes.items() if "Worker process" in outcome)
    assert broken >= 12, f"MiniStack now replaces failed inits: {dict(outcomes)}"


def test_weighted_aliases_are_not_honoured(aws):
    """On AWS ("Lambda function aliases": an alias with a routing configuration sends that share
    of its invocations to the additional version; Invoke's ExecutedVersion names the version that
    ran) 40 invokes of an alias weighted 50 % to version 2 run version 2 about 20 times (all 40 on
    version 1 has probability 0.5^40). MiniStack runs version 1 for every one of them."""
    from collections import Counter

    lam = aws("lambda")
    name = f"probe-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, "def handler(event, context):\n    return 1\n")
    first = lam.publish_version(FunctionName=name)["Version"]
    deploy_function(lam, name, "def handler(event, context):\n    return 2\n")
    second = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=first,
                     RoutingConfig={"AdditionalVersionWeights": {second: 0.5}})
    answers = [lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}") for _ in range(40)]
    executed = Counter(answer.get("ExecutedVersion") for answer in answers)
    returned = Counter(json.loads(answer["Payload"].read()) for answer in answers)
    assert executed[second] == 0 and returned[2] == 0, \
        f"MiniStack now routes a weighted alias: ExecutedVersion {dict(executed)}, answers {dict(returned)}"
