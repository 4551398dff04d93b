"""A scenario the machine may have spoiled runs again (framework.Inconclusive), and lab 03's
pipeline tells a redelivery by the clock (an invocation slower than the visibility timeout)
from one the handler asked for."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from labkit.checks import framework
from labkit.checks.framework import Inconclusive, Mismatch, _run_scenario, inconclusive_if_timed_out
from labkit.checks.lab_03_pipeline import ENDED, Pipeline


def spec(run) -> SimpleNamespace:
    return SimpleNamespace(lab="99", id="demo", run=run)


def scripted(*steps):
    """A check whose n-th run does steps[n]: "pass", "inconclusive", or "mismatch"."""
    runs = []

    def run(s):
        step = steps[len(runs)]
        runs.append(step)
        if step == "inconclusive":
            raise Inconclusive("the race did not happen", "a race")
        if step == "mismatch":
            raise Mismatch("charged twice", "charged once")
    return run, runs


def test_an_inconclusive_scenario_runs_again_and_can_pass():
    run, runs = scripted("inconclusive", "pass")
    outcome = _run_scenario(spec(run), {}, target=None)
    assert outcome["passed"] and outcome["tries"] == 2 and runs == ["inconclusive", "pass"]


def test_inconclusive_every_time_is_reported_inconclusive_without_points():
    run, runs = scripted(*["inconclusive"] * framework.SCENARIO_TRIES)
    outcome = _run_scenario(spec(run), {}, target=None)
    assert not outcome["passed"] and outcome["tries"] == framework.SCENARIO_TRIES
    assert outcome["observed"].startswith("inconclusive: the race did not happen")


def test_a_connection_the_backend_dropped_runs_again():
    """botocore's ConnectionClosedError from the check's own call (the backend's idle limit met
    a reused connection: run 17b) is the machine's doing; any other crash of the check is not."""
    from botocore.exceptions import ConnectionClosedError

    runs = []

    def run(s):
        runs.append(1)
        if len(runs) == 1:
            raise ConnectionClosedError(endpoint_url="http://127.0.0.1:1/2015-03-31/functions")
    outcome = _run_scenario(spec(run), {}, target=None)
    assert outcome["passed"] and outcome["tries"] == 2

    def always(s):
        raise ConnectionClosedError(endpoint_url="http://127.0.0.1:1/")
    outcome = _run_scenario(spec(always), {}, target=None)
    assert not outcome["passed"] and outcome["tries"] == framework.SCENARIO_TRIES
    assert outcome["observed"].startswith("inconclusive: the check could not complete: ConnectionClosedError")

    crashes = []

    def crashed(s):
        crashes.append(1)
        raise KeyError("mapping_uuid")
    outcome = _run_scenario(spec(crashed), {}, target=None)
    assert not outcome["passed"] and crashes == [1]


def test_a_wrong_answer_runs_once():
    run, runs = scripted("mismatch", "pass")
    outcome = _run_scenario(spec(run), {}, target=None)
    assert not outcome["passed"] and runs == ["mismatch"] and outcome["observed"] == "charged twice"


def test_a_failure_the_machine_explains_runs_again():
    runs = []

    def first_run_overran():
        if len(runs) == 1:
            raise Inconclusive("an invocation overran", "none overran")

    def run(s):
        runs.append(1)
        s.on_failure_ask(first_run_overran)
        if len(runs) == 1:
            raise Mismatch("charged twice", "charged once")
    outcome = _run_scenario(spec(run), {}, target=None)
    assert outcome["passed"] and outcome["tries"] == 2


def test_an_explanation_that_fails_leaves_the_verdict():
    def broken():
        raise RuntimeError("the attempts table is gone")

    def run(s):
        s.on_failure_ask(broken)
        raise Mismatch("charged twice", "charged once")
    outcome = _run_scenario(spec(run), {}, target=None)
    assert not outcome["passed"] and outcome["observed"] == "charged twice"


def test_a_pass_is_never_explained_away():
    asked = []

    def run(s):
        s.on_failure_ask(lambda: asked.append(1))
    assert _run_scenario(spec(run), {}, target=None)["passed"] and not asked


# -- lab 03: redelivered by the clock or by the handler -----------------------------------------

def pipeline(records: list[tuple[str, float, str]], ended: dict[str, float]) -> Pipeline:
    """records: (body, delivered at, invocation); ended: invocation -> when it ended."""
    p = Pipeline.__new__(Pipeline)
    p.sent = {body: {"kind": "ok", "order": {"id": body}} for body, _, _ in records}
    # the harness's range key: when, which invocation, which message (HARNESS in lab_03_pipeline)
    items = [{"body": {"S": b}, "at": {"S": f"{at:.6f}#{inv}#m-{i}"}} for i, (b, at, inv) in enumerate(records)]
    items += [{"body": {"S": ENDED}, "at": {"S": inv}, "ended": {"N": str(t)}} for inv, t in ended.items()]
    p._recorded = lambda: items
    return p


def test_a_redelivery_the_handler_asked_for_is_not_explained():
    # ok-1 reported failed by invocation a (ended at 1.5), delivered again at 8.0
    pipeline([("ok-1", 1.0, "a"), ("ok-1", 8.0, "b")], {"a": 1.5, "b": 8.2}).unless_overrun()


def test_a_redelivery_while_the_first_invocation_still_ran_is_inconclusive():
    p = pipeline([("ok-1", 1.0, "a"), ("ok-1", 7.5, "b")], {"a": 9.0, "b": 7.9})
    with pytest.raises(Inconclusive, match="ok-1 delivered again while an earlier invocation"):
        p.unless_overrun()


def test_a_redelivery_after_an_invocation_that_never_ended_is_inconclusive():
    p = pipeline([("ok-2", 1.0, "a"), ("ok-2", 8.0, "b")], {"b": 8.1})
    with pytest.raises(Inconclusive, match="ok-2"):
        p.unless_overrun()


def test_messages_delivered_once_are_not_explained():
    pipeline([("ok-1", 1.0, "a"), ("ok-2", 1.0, "a")], {}).unless_overrun()


def test_a_grading_row_names_the_checks_left_unjudged():
    """A check inconclusive on every try lost its points unjudged: the gradebook's status says
    which, so the instructor regrades that learner instead of trusting the score (a loaded grading
    machine gave lab 09's solution 12/18 with status "ok")."""
    from labkit.checks.framework import CheckResult
    from labkit.grading.executor import with_unjudged_checks

    def result(check, passed, observed):
        return CheckResult(lab="09", task="task-1", check=check, title="", points=0,
                           max_points=6, passed=passed, hidden=False, scenarios=1,
                           failed_scenarios=0 if passed else 1, hint="", observed=observed,
                           expected="")

    unjudged = Inconclusive("18 batches timed out", "").observed
    results = [result("drained-in-time", False, unjudged), result("drained-in-time", False, unjudged),
               result("fair-share", False, "charged twice"), result("bounded", True, "")]
    status = with_unjudged_checks("ok", results)
    assert status.startswith("inconclusive, not judged: drained-in-time (")
    assert "fair-share" not in status and "regrade" in status
    assert with_unjudged_checks("cell 3 raised KeyError", results).startswith(
        "cell 3 raised KeyError; inconclusive, not judged: drained-in-time")
    assert with_unjudged_checks("ok", results[2:]) == "ok"


def test_the_harness_records_two_copies_of_one_body_in_one_batch_as_two_deliveries(monkeypatch):
    """SQS at-least-once: one batch can carry a message twice. The harness's items are keyed by
    (body, when#invocation#message id): without the message id two copies written in one
    BatchWriteItem could share a key, which DynamoDB refuses ("Provided list of item keys
    contains duplicates", BatchWriteItem API Reference) and the invocation would fail."""
    import sys
    import types

    import boto3
    from moto import mock_aws

    from labkit.checks.lab_03_pipeline import HARNESS

    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1", "ATTEMPTS_TABLE": "attempts"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setitem(sys.modules, "lab03_orders", types.SimpleNamespace(handler=lambda e, c: {}))
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(TableName="attempts", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "body", "AttributeType": "S"},
                                               {"AttributeName": "at", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "body", "KeyType": "HASH"},
                                    {"AttributeName": "at", "KeyType": "RANGE"}])
        harness: dict = {}
        exec(compile(HARNESS, "lab03_harness.py", "exec"), harness)
        copy = {"body": '{"id": "ok-1"}', "attributes": {"ApproximateReceiveCount": "1"}}
        # both copies written in the same microsecond: the clock alone cannot tell them apart
        with monkeypatch.context() as frozen:
            frozen.setattr(harness["time"], "time", lambda: 1_800_000_000.0)
            harness["handler"]({"Records": [{**copy, "messageId": "m-1"}, {**copy, "messageId": "m-2"}]}, None)
        items = ddb.scan(TableName="attempts")["Items"]
    assert sum(item["body"]["S"] == '{"id": "ok-1"}' for item in items) == 2


def test_an_invocation_past_its_timeout_is_inconclusive_any_other_error_is_left_to_the_check():
    timed_out = {"errorType": "Sandbox.Timedout",
                 "errorMessage": "RequestId: 1 Error: Task timed out after 10.00 seconds"}
    with pytest.raises(Inconclusive) as raised:
        inconclusive_if_timed_out(timed_out, "the invocation with {'country': 'FR'}", "an answer")
    assert raised.value.observed.startswith("inconclusive: the invocation with {'country': 'FR'} "
                                            "ran past the function's timeout: RequestId: 1")
    assert "the machine may have been too busy" in raised.value.expected
    for other in ({"errorType": "KeyError", "errorMessage": "'XX'"}, None, "Task timed out", [1]):
        inconclusive_if_timed_out(other, "the invocation", "an answer")   # returns: not a timeout

    def hangs_every_time(s):
        inconclusive_if_timed_out(timed_out, "the invocation", "an answer")
    outcome = _run_scenario(spec(hangs_every_time), {}, target=None)
    assert not outcome["passed"] and outcome["tries"] == framework.SCENARIO_TRIES
