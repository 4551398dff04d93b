"""Checks for lab 13 (testing serverless code): the learner writes the tests of a small bookings
service (labkit/labs/lab_13_service: domain, adapters, a handler that wires them), and the
checks run those tests against the service, against equivalent refactorings of it, and against
planted bugs (labkit.checks.lab_13_variants).

A tier's check passes only if its tests pass on every correct implementation AND fail on every
planted bug of its scenario: tests that pass everything (they assert nothing) or fail
everything (they assert the wrong thing, or cannot run) get no points, and neither do tests
that were skipped (a skipped test proves nothing: lesson 13's TierRun.passed). Each scenario
plants one bug of every aspect of its tier, so tests that leave an aspect out fail every
scenario; the hidden ones draw other bugs, refactorings and names from the seed.

- task 1, the unit tests (class TestUnit), run with no backend at all;
- task 2, the integration tests (class TestIntegration), run against the backend with
  TEST_PREFIX, the prefix of every name they create; nothing may be left behind;
- task 3, the end-to-end test (class TestEndToEnd), run against a deployed stage whose names it
  gets from the environment, whose event source mapping starts polling only a few seconds
  after the first booking arrives: a test that sleeps a fixed time and looks once is too early.
"""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from labkit import cleanup
from labkit.checks.framework import Inconclusive, Lab, Scenario
from labkit.checks.lab_13_pytest import NO_BACKEND, TIMED_OUT, first_problem, run_tests
from labkit.checks.lab_13_stage import deploy_stage, enable_later, slowed_down
from labkit.checks.lab_13_variants import (
    AS_GIVEN, END_TO_END_BUGS, INTEGRATION_BUGS, INTEGRATION_VARIANTS, UNIT_BUGS, UNIT_VARIANTS,
    drawn_bugs, public_bugs, write_service)

LAB = Lab(
    "13", "Testing serverless code: the tests that catch the bugs",
    handler_file="lab13_test_bookings.py", notebook="13_testing_serverless_code.ipynb",
    tasks={
        "task-1": "Unit tests of the rules and of the batch adapter, with fakes",
        "task-2": "Integration tests of the adapters against the backend",
        "task-3": "An end-to-end test of the deployed flow, polled with a deadline",
    },
    lesson_sections={
        "task-1": "2 · Unit tests: the domain with fakes",
        "task-2": "3 · Integration tests: the adapters against the backend",
        "task-3": "4 · End-to-end: the deployed flow, polled with a deadline",
    },
)
# generous: a run that needs a second alone can take a minute on a loaded 2-core machine
UNIT_TIMEOUT_S, INTEGRATION_TIMEOUT_S, END_TO_END_TIMEOUT_S = 120, 180, 240


def _judge(s: Scenario, runs: dict[tuple[str, str], Any], tier: str) -> None:
    """runs: (implementation, "correct" or "bug") -> TierRun. The correct ones must pass,
    then every bug must make a test fail."""
    s.evidence["runs"] = {f"{kind}: {name}": {"summary": run.summary(), "first problem": first_problem(run)}
                          for (name, kind), run in runs.items()}
    s.on_failure_ask(lambda: _unfinished(runs, tier))
    for (name, kind), run in runs.items():
        if kind == "correct":
            s.expect(run.passed, observed=f"{tier} on {name} (correct code): {first_problem(run)}",
                     expected=f"every test in {tier} to run and pass on correct code")
    for (name, kind), run in runs.items():
        if kind == "bug":
            caught = run.returncode not in (0, TIMED_OUT) and len(run.tests) > 0
            s.expect(caught, observed=f"{tier} on the service with a bug planted ({name}): "
                                      f"{first_problem(run) if run.returncode == TIMED_OUT else run.summary()}",
                     expected=f"a test in {tier} to fail on that bug")


def _unfinished(runs: dict[tuple[str, str], Any], tier: str) -> None:
    """A run stopped at the check's deadline says nothing of the tests: they may wait with no
    deadline of their own, or the machine may have been too busy to finish them."""
    stopped = [name for (name, _), run in runs.items() if run.returncode == TIMED_OUT]
    if stopped:
        raise Inconclusive(f"{tier} did not finish within the check's deadline on: "
                           f"{', '.join(stopped)}",
                           "every run to finish: each wait in a test with a deadline of its own")


def _run_all(jobs: list[tuple[str, str]], run_one) -> dict[tuple[str, str], Any]:
    """Each (implementation, kind) run side by side: most of a run is Python starting up or
    waiting on a queue."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return dict(zip(jobs, pool.map(run_one, jobs)))


def _tests_file(s: Scenario) -> Path:
    path = Path(s.target.handler_path)
    s.expect(path.is_file(), observed=f"no {LAB.handler_file}",
             expected=f"your tests, written by the %%writefile {LAB.handler_file} cell")
    return path


# -- task 1: unit tests ------------------------------------------------------------------------
def _hidden_unit(r: random.Random) -> dict[str, Any]:
    return {"correct": UNIT_VARIANTS[1], "bugs": drawn_bugs(r, UNIT_BUGS)}


@LAB.check("task-1", "unit-tests", "your unit tests pass the service and its refactorings and "
           "fail on each bug in its rules or its batch adapter, with no backend", points=4,
           hint="In TestUnit, call book() and process_batch() with FakeStore and FakeNotifier: "
                "assert the exact price at 4 and at 5 seats (5 is the first with the group "
                "rate) with a price that does not divide by 10; that 0 and 9 seats and a seat "
                "price of 0 raise InvalidBooking and save and publish nothing; and that a batch "
                "with a bad record in the middle answers exactly that record's messageId and "
                "still saves the records after it.",
           public={"correct": AS_GIVEN, "bugs": public_bugs(UNIT_BUGS)}, hidden=_hidden_unit,
           hidden_count=1)
def unit_tests(s: Scenario) -> None:
    tests = _tests_file(s)
    with TemporaryDirectory(prefix="lab13-unit-") as scratch:
        def run_one(job):
            app = write_service(job[0], Path(scratch) / str(jobs.index(job)))
            return run_tests(s, tests, "TestUnit", app, {"AWS_ENDPOINT_URL": NO_BACKEND},
                             label=job[0], timeout_s=UNIT_TIMEOUT_S)

        jobs = [(s.params["correct"], "correct")] + [(b, "bug") for b in s.params["bugs"]]
        runs = _run_all(jobs, run_one)
    _judge(s, runs, "TestUnit")


# -- task 2: integration tests ---------------------------------------------------------------------
def _hidden_integration(r: random.Random) -> dict[str, Any]:
    return {"correct": INTEGRATION_VARIANTS[1], "bugs": drawn_bugs(r, INTEGRATION_BUGS),
            "prefix": r.choice(["ci", "it", "pr", "build", "check"]) + f"-{r.randrange(10**4):04d}"}


def _left_behind(s: Scenario, prefix: str) -> list[str]:
    """What is still there under `prefix`, in any service (a table being deleted is not
    counted). On AWS a deleted queue may be listed for up to 60 s (Amazon SQS API Reference,
    DeleteQueue); the embedded backend deletes at once."""
    found = cleanup.find(s.client, cleanup.by_prefix(prefix), stacks=False)
    return [item.name.rsplit("/", 1)[-1] for item in found]


@LAB.check("task-2", "integration-tests", "your integration tests pass the adapters and their "
           "refactorings and fail on each bug in the DynamoDB store or the SQS notifier, against "
           "the backend, leaving nothing behind", points=4,
           hint="In TestIntegration, make a table with boto3 from TABLE_DEFINITION (not a fake, "
                "not a key schema of your own) and a queue, each named "
                "f\"{os.environ['TEST_PREFIX']}-...\" and deleted in the fixture's teardown; save "
                "a Booking with DynamoBookingStore and assert get() returns an equal one (and "
                "None for an unknown id); publish an event with SqsNotifier and assert "
                "json.loads of the received body equals it.",
           public={"correct": AS_GIVEN, "bugs": public_bugs(INTEGRATION_BUGS), "prefix": "lab13-it"},
           hidden=_hidden_integration, hidden_count=1)
def integration_tests(s: Scenario) -> None:
    tests = _tests_file(s)
    with TemporaryDirectory(prefix="lab13-integration-") as scratch:
        def run_one(job):
            name, kind = job
            prefix = f"{s.params['prefix']}-{s.namespace[-8:]}-{jobs.index(job)}"
            app = write_service(name, Path(scratch) / prefix)
            run = run_tests(s, tests, "TestIntegration", app, {"TEST_PREFIX": prefix}, label=name,
                            timeout_s=INTEGRATION_TIMEOUT_S)
            return run, prefix

        jobs = [(s.params["correct"], "correct")] + [(b, "bug") for b in s.params["bugs"]]
        done = _run_all(jobs, run_one)
    _judge(s, {job: run for job, (run, _) in done.items()}, "TestIntegration")
    left = [name for _, prefix in done.values() for name in _left_behind(s, prefix)]
    s.expect(not left, observed=f"left behind by TestIntegration: {left}",
             expected="every table and queue your tests make deleted by the end of the test")


# -- task 3: the end-to-end test ---------------------------------------------------------------
def _hidden_end_to_end(r: random.Random) -> dict[str, Any]:
    return {"bugs": drawn_bugs(r, END_TO_END_BUGS), "batch_size": r.choice([1, 5, 10]),
            "start_after_s": r.choice([5, 6, 7, 8])}


@LAB.check("task-3", "end-to-end-test", "your end-to-end test passes the deployed stage, even "
           "when it is slow to start, and fails on each wiring bug", points=4,
           hint="In TestEndToEnd, read BOOKINGS_QUEUE_URL, BOOKINGS_DLQ_URL, NOTIFY_QUEUE_URL "
                "and BOOKINGS_TABLE from os.environ; send a few good bookings and one with 0 "
                "seats; poll (with a deadline of a minute or more, never one fixed sleep) until the "
                "bookings queue has nothing visible, in flight or delayed; then assert every good "
                "booking is in the table, one notification per good booking on the notify "
                "queue, and exactly the bad booking on the dead-letter queue.",
           public={"bugs": public_bugs(END_TO_END_BUGS), "batch_size": 10, "start_after_s": 5},
           hidden=_hidden_end_to_end, hidden_count=1)
def end_to_end_test(s: Scenario) -> None:
    tests = _tests_file(s)
    with TemporaryDirectory(prefix="lab13-e2e-") as scratch:
        app = write_service(AS_GIVEN, Path(scratch) / "app")

        def run_one(job):
            name, kind = job
            stage, mapping = deploy_stage(s, str(jobs.index(job)), app,
                                          bug=name if kind == "bug" else None,
                                          batch_size=s.params["batch_size"])
            enable_later(s, mapping, stage["BOOKINGS_QUEUE_URL"], s.params["start_after_s"])
            return run_tests(s, tests, "TestEndToEnd", app, stage, label=name,
                             timeout_s=END_TO_END_TIMEOUT_S)

        correct = (f"the deployed stage (batches of {s.params['batch_size']}, polling from "
                   f"{s.params['start_after_s']} s after the first booking)")
        jobs = [(correct, "correct")] + [(b, "bug") for b in s.params["bugs"]]
        stages = [s.create.name(str(i)) for i in range(len(jobs))]
        runs = _run_all(jobs, run_one)
    s.on_failure_ask(lambda: slowed_down(s, stages))
    _judge(s, runs, "TestEndToEnd")
