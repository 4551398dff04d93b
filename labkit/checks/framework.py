"""Checks: behaviour tests of a learner's code against a live backend, under injected faults.

A lab module declares a ``Lab`` and its checks:

    LAB = Lab("99", "Idempotent payments", handler_file="lab99_payment.py", tasks={...})

    @LAB.check("task-2", "sequential-duplicates", "a resent order is charged once", points=2,
               hint="...", public={"copies": [2, 1, 3]}, hidden=lambda rng: {...})
    def sequential_duplicates(s: Scenario) -> None:
        ...make what it needs with s.create (s.create.table("orders"): named under the
        scenario's prefix, deleted when it ends), drive s.function(...), then
        s.expect(condition, observed=..., expected=...)

Each check runs once with its *public* parameters (a fixed fault schedule, what ``check()``
in the notebook runs) and, at grading time, ``hidden_count`` more times with parameters drawn
from the instructor's seed. A check passes a run when its function returns; ``Mismatch``
(raised by ``expect``) is a failure with what was observed and expected; any other exception
is a failure of the learner's code to behave ("could not complete").
"""
from __future__ import annotations

import dataclasses
import random
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from labkit.checks.sandbox import Function, Invocation, Limits, ran_together, start_environments
from labkit.checks.scenario_resources import ScenarioResources
from labkit.faults import rng as seeded_rng
from labkit.lessons.polling import wait_until


class Mismatch(Exception):
    def __init__(self, observed: str, expected: str):
        super().__init__(f"observed {observed}; expected {expected}")
        self.observed, self.expected = observed, expected


INCONCLUSIVE = "inconclusive: "   # how an observation the machine may have spoiled begins


class Inconclusive(Mismatch):
    """What a scenario observed may have been caused by the machine (an invocation slowed past
    a timeout, a race that never happened), not by the code under test: the scenario runs
    again, and is reported inconclusive (no points) only if that happens every time."""

    def __init__(self, observed: str, expected: str):
        super().__init__(f"{INCONCLUSIVE}{observed}", expected)


SCENARIO_TRIES = 2   # an inconclusive scenario runs this often before it is reported


def inconclusive_if_timed_out(error: Any, what: str, expected: str) -> None:
    """A Lambda error payload saying the invocation ran past the function's timeout
    ("Sandbox.Timedout"): a handler that never returns as much as a machine too busy to run a
    quick one in time. Raises Inconclusive (the scenario runs again; reported, with no
    points, only if it happens every time) naming both; any other payload returns."""
    if isinstance(error, dict) and error.get("errorType") == "Sandbox.Timedout":
        raise Inconclusive(f"{what} ran past the function's timeout: "
                           f"{str(error.get('errorMessage', ''))[:160]}",
                           f"{expected} (the machine may have been too busy)")


@dataclass
class CheckSpec:
    lab: str
    task: str
    id: str
    title: str
    points: int
    hint: str
    run: Callable[["Scenario"], None]
    public: dict[str, Any]
    hidden: Callable[[random.Random], dict[str, Any]] | None = None
    hidden_count: int = 2
    # checks of one seed group draw the same hidden scenarios (one run judged by several checks)
    seed_group: str | None = None


@dataclass
class CheckResult:
    lab: str
    task: str
    check: str
    title: str
    points: int
    max_points: int
    passed: bool
    hidden: bool
    scenarios: int
    failed_scenarios: int
    hint: str
    observed: str = ""
    expected: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Lab:
    def __init__(self, number: str, title: str, handler_file: str, notebook: str,
                 tasks: dict[str, str], extra_files: tuple[str, ...] = (),
                 lesson_sections: dict[str, str | tuple[str, str]] | None = None,
                 lesson: str | None = None):
        self.number, self.title = number, title
        self.handler_file, self.notebook = handler_file, notebook
        # files the notebook writes beside the handler that the checks also read (e.g. a
        # state machine definition): grading copies them with the handler
        self.extra_files = tuple(extra_files)
        self.tasks = tasks
        self.checks: list[CheckSpec] = []
        # the lesson a check that fails again points the learner to: notebooks/<lesson>, and
        # the heading of the section each task practises ((lesson, heading) for another one)
        self.lesson = lesson or notebook
        self.lesson_sections = dict(lesson_sections or {})
        unknown = sorted(set(self.lesson_sections) - set(tasks))
        if unknown:
            raise ValueError(f"lab {number}: lesson_sections for unknown tasks {unknown}")

    def check(self, task: str, check_id: str, title: str, points: int, hint: str,
              public: dict[str, Any], hidden: Callable[[random.Random], dict] | None = None,
              hidden_count: int = 2, seed_group: str | None = None):
        if task not in self.tasks:
            raise ValueError(f"lab {self.number} has no task {task!r}")

        def register(fn: Callable[[Scenario], None]) -> Callable[[Scenario], None]:
            self.checks.append(CheckSpec(self.number, task, check_id, title, points, hint, fn,
                                         public, hidden, hidden_count if hidden else 0,
                                         seed_group))
            return fn

        return register

    def lesson_section(self, task: str) -> tuple[str, str | None]:
        """(lesson notebook, section heading or None) that the task practises."""
        section = self.lesson_sections.get(task)
        if isinstance(section, tuple):
            return section
        return self.lesson, section

    @property
    def submitted_files(self) -> tuple[str, ...]:
        """Every file of a submission the checks read: the handler first."""
        return (self.handler_file, *self.extra_files)

    def checks_for(self, task: str | None = None) -> list[CheckSpec]:
        if task is not None and task not in self.tasks:
            raise ValueError(f"lab {self.number} has no task {task!r}; "
                             f"tasks: {', '.join(self.tasks)}")
        return [c for c in self.checks if task is None or c.task == task]

    def max_points(self, hidden: bool) -> int:
        return sum(c.points for c in self.checks if not hidden or c.hidden_count)


@dataclass
class Target:
    """What checks run against: the learner's handler file and a backend."""

    handler_path: str
    endpoint_url: str | None
    drop_root: bool = False      # grading: learner code runs as an unprivileged user
    limits: Limits = field(default_factory=Limits)
    zygote: Any = None   # set by run_checks: what starts execution environments (sandbox)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # what scenarios share (Scenario.shared): a new dict for every run_checks
    _shared: dict[Any, "_Shared"] = field(default_factory=dict, repr=False)

    def client(self, service: str):
        """One boto3 client per service (thread-safe), bound to the target's backend."""
        with self._lock:
            if service not in self._clients:
                import boto3

                kwargs: dict[str, Any] = {"region_name": "us-east-1"}
                if self.endpoint_url:
                    kwargs.update(endpoint_url=self.endpoint_url, aws_access_key_id="test",
                                  aws_secret_access_key="test")
                client = boto3.session.Session().client(service, **kwargs)
                # botocore makes a client's exception classes on first use, unlocked: two
                # threads raising at once can each make their own, and `except
                # client.exceptions.X` then misses the other thread's X. Made here, once.
                client.exceptions  # noqa: B018
                self._clients[service] = client
            return self._clients[service]


class Scenario:
    """One run of one check: its parameters, fresh names, and the functions it deployed."""

    def __init__(self, spec: CheckSpec, params: dict[str, Any], target: Target):
        self.spec, self.params, self.target = spec, params, target
        # every resource a run creates carries this prefix, so runs never see each other
        self.namespace = f"lab{spec.lab}-{spec.id}-{uuid.uuid4().hex[:8]}"
        self.evidence: dict[str, Any] = {}
        self._functions: list[Function] = []
        self._cleanups: list[Callable[[], None]] = []
        self._machine_explanations: list[Callable[[], None]] = []
        # what it creates in the backend, named under the prefix and deleted at close
        self.create = ScenarioResources(self)

    def client(self, service: str):
        return self.target.client(service)

    def shared(self, make: Callable[[], Any]) -> Any:
        """What the scenarios of one checking run with this seed group and these parameters
        share (the capstone: one run of a system, judged by one check per invariant). The first
        to ask makes it; the others wait for it."""
        key = (self.spec.seed_group or self.spec.id, repr(sorted(self.params.items())))
        with self.target._lock:
            entry = self.target._shared.get(key)
            mine = entry is None
            if mine:
                entry = self.target._shared[key] = _Shared()
        if mine:
            try:
                entry.value = make()
            except BaseException as exc:  # noqa: BLE001 - every sharer sees the same failure
                entry.error = exc
            finally:
                entry.ready.set()
        entry.ready.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value

    def forget_shared(self, value: Any) -> None:
        """A shared value the machine may have spoiled: the next to ask makes a new one."""
        with self.target._lock:
            for key, entry in list(self.target._shared.items()):
                if entry.ready.is_set() and entry.value is value:
                    del self.target._shared[key]

    def function(self, env: dict[str, str], timeout_s: float = 10.0) -> Function:
        fn = Function(self.target.handler_path, env=env, endpoint_url=self.target.endpoint_url,
                      timeout_s=timeout_s, zygote=self.target.zygote,
                      drop_root=self.target.drop_root)
        self._functions.append(fn)
        return fn

    def on_cleanup(self, fn: Callable[[], None]) -> None:
        self._cleanups.append(fn)

    def on_failure_ask(self, explain: Callable[[], None]) -> None:
        """When the scenario fails, call ``explain()`` first: it raises Inconclusive if the
        machine, not the code, may have caused what was observed (a wrong answer stays wrong
        when the machine was fast: only failures are explained, after their verdicts)."""
        self._machine_explanations.append(explain)

    def explain_failure(self) -> None:
        for explain in self._machine_explanations:
            try:
                explain()
            except Inconclusive:
                raise
            except Exception:  # noqa: BLE001 - an explanation that fails must not hide the verdict
                pass

    def settle(self, condition: Callable[[], Any], timeout: float, what: str,
               interval: float = 0.5) -> bool:
        """Wait until `condition()` holds; at the deadline go on (False, noted in the evidence):
        the verdicts that follow say what is missing, better than "timed out" would."""
        try:
            wait_until(condition, timeout=timeout, interval=interval, what=what)
            return True
        except TimeoutError:
            self.evidence.setdefault("waited_out", []).append(f"{what} ({timeout:g} s)")
            return False

    def expect(self, condition: bool, observed: str, expected: str) -> None:
        if not condition:
            raise Mismatch(observed, expected)

    def expect_raced(self, what: str, invocations: list[Invocation]) -> None:
        """A race the check provokes proves something only if it could happen: invocations
        released together that the machine ran one after another (no two in progress at once)
        make the run inconclusive, not passed (invocations whose environment never started are
        left to the check's other verdicts)."""
        handed_over = [i for i in invocations if i.ended]
        if len(handed_over) >= 2 and not ran_together(handed_over):
            raise Inconclusive(f"the {what} did not run at the same time (the machine ran them "
                               f"one after another)",
                               f"two or more of the {what} in progress at one moment, so that "
                               f"the race is tested")

    def close(self) -> None:
        for fn in self._functions:
            self.evidence.setdefault("function_log_tail", fn.log_tail(2000))
            fn.close()
        for cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception:  # best effort: never let cleanup hide the outcome
                pass


@dataclass
class _Shared:
    ready: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


def _run_scenario(spec: CheckSpec, params: dict[str, Any], target: Target) -> dict[str, Any]:
    """Run one scenario; an inconclusive one runs again, up to SCENARIO_TRIES times."""
    started = time.monotonic()
    for attempt in range(1, SCENARIO_TRIES + 1):
        outcome = _try_scenario(spec, params, target)
        if not outcome.pop("inconclusive", False):
            break
    outcome["tries"] = attempt
    outcome["seconds"] = round(time.monotonic() - started, 2)
    return outcome


def _try_scenario(spec: CheckSpec, params: dict[str, Any], target: Target) -> dict[str, Any]:
    scenario = Scenario(spec, params, target)
    outcome: dict[str, Any] = {"params": params, "passed": False}
    try:
        try:
            spec.run(scenario)
        except Mismatch:
            scenario.explain_failure()   # raises Inconclusive if the machine may be the cause
            raise
        outcome["passed"] = True
    except Inconclusive as m:
        outcome.update(observed=m.observed, expected=m.expected, inconclusive=True)
    except Mismatch as m:
        outcome.update(observed=m.observed, expected=m.expected)
    except Exception as exc:  # noqa: BLE001 - learner code misbehaving must not crash checks
        dropped = _dropped_by_the_backend(exc)
        outcome.update(observed=f"{INCONCLUSIVE if dropped else ''}the check could not complete: "
                                f"{type(exc).__name__}: {exc}",
                       expected="the scenario to run to the end",
                       traceback=traceback.format_exc(limit=5))
        if dropped:
            outcome["inconclusive"] = True
    finally:
        scenario.close()
    outcome["evidence"] = scenario.evidence
    return outcome


def _dropped_by_the_backend(exc: Exception) -> bool:
    """The backend closed a connection before answering one of the check's own calls: its idle
    limit racing a pooled connection reused at that moment (RFC 9112, 9.3.1), a window a busy
    machine widens (make test run 17b). The machine's doing, not the learner's: run it again."""
    from botocore.exceptions import ConnectionClosedError

    return isinstance(exc, ConnectionClosedError)


def hidden_params(spec: CheckSpec, seed: str) -> list[dict[str, Any]]:
    """The hidden scenarios of a check: a function of the instructor's seed only."""
    assert spec.hidden is not None
    return [spec.hidden(seeded_rng(seed, spec.lab, spec.seed_group or spec.id, i))
            for i in range(spec.hidden_count)]


def run_checks(specs: list[CheckSpec], target: Target, seed: str | None = None,
               parallel: int = 16, public: bool = True) -> list[CheckResult]:
    """Public results for every check, then hidden ones (aggregated per check) given a seed;
    public=False: the hidden ones only (the public scenario was run already, e.g. the same
    code under another seed)."""
    assert public or seed is not None, "no public scenario and no seed: nothing to run"
    jobs: list[tuple[CheckSpec, bool, dict[str, Any]]] = []
    for spec in specs:
        if public:
            jobs.append((spec, False, spec.public))
        if seed is not None and spec.hidden is not None:
            jobs += [(spec, True, p) for p in hidden_params(spec, seed)]
    with start_environments(target.limits, target.drop_root) as zygote, \
            ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        target = dataclasses.replace(target, zygote=zygote, _shared={})
        outcomes = list(pool.map(lambda job: _run_scenario(job[0], job[2], target), jobs))
    results: list[CheckResult] = []
    for spec in specs:
        for hidden in (False, True):
            mine = [o for (s, h, _), o in zip(jobs, outcomes) if s is spec and h is hidden]
            if not mine:
                continue
            failed = [o for o in mine if not o["passed"]]
            first = failed[0] if failed else {}
            results.append(CheckResult(
                lab=spec.lab, task=spec.task, check=spec.id, title=spec.title,
                points=0 if failed else spec.points, max_points=spec.points,
                passed=not failed, hidden=hidden, scenarios=len(mine),
                failed_scenarios=len(failed), hint=spec.hint,
                observed=first.get("observed", ""), expected=first.get("expected", ""),
                evidence=mine))
    return results
