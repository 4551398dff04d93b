"""One run of the learner's capstone under a chaos schedule, shared by the checks that judge it
(one check per invariant, Scenario.shared): the learner's settings (``configure``), the system
deployed and driven (labkit.lessons.capstone_system), the learner's alarm watched from outside
(``create_alarm``: quiet before anything is sent, firing once something is parked, only then).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from labkit.checks.alarm_watch import (
    NotWithinPublishes, alarm_notes, alarmed, depth_publishes, wait_for_alarm)
from labkit.checks.framework import Inconclusive, Mismatch, Scenario
from labkit.lessons.capstone_invariants import Verdict, killed_bodies
from labkit.lessons.capstone_system import (
    FUNCTION_TIMEOUT_S, QUIET_PUBLISHES, Observation, OrderSystem)

LEARNER_CALL_TIMEOUT_S = 15.0
# what configure may answer: a name, and the range AWS accepts for it
SETTINGS = {"batch_size": (1, 10), "maximum_concurrency": (2, 1000),   # SQS ESM limits
            "max_receive_count": (1, 1000), "memory_mb": (128, 10240)}


def observation(s: Scenario) -> Observation:
    """The run of this scenario's schedule: made by the first check to ask."""
    return s.shared(lambda: _run(s))


def judge(s: Scenario, invariant, clean_run: bool = False) -> None:
    """The verdict of one invariant on the shared run, as a check's pass or Mismatch.
    clean_run: the verdict means something only if no batch timed out (the SLO leaves out the
    orders of batches that never ended, which a timeout would add to the chaos's), so such a
    run is inconclusive whatever the verdict."""
    o = observation(s)
    if clean_run:
        _unless_timed_out(s, o)
    if o.problem and o.machine_may_be_the_cause:
        s.forget_shared(o)
        raise Inconclusive(o.problem, "the worker to start within the function's timeout "
                           "(the machine may have been too busy)")
    if o.problem:
        raise Mismatch(o.problem, "the system to run the schedule to the end")
    verdict: Verdict = invariant(o)
    s.evidence["verdict"] = vars(verdict)
    s.evidence["run"] = {"settings": o.settings, "orders": len(o.schedule["orders"]),
                         "charges": len(o.charges), "refunds": len(o.refunds),
                         "warehouse": {k: v for k, v in o.warehouse.items()
                                       if k in ("capacity", "peak_in_flight", "overloaded")},
                         "parked": len(o.parked), "alarm": o.alarm,
                         "invocations": len(o.report_lines)}
    if not verdict.ok:
        if not verdict.conclusive:
            s.on_failure_ask(lambda: _unless_timed_out(s, o))
        raise Mismatch(verdict.observed, verdict.expected)


def _unless_timed_out(s: Scenario, o: Observation) -> None:
    """More invocations that never ended than the chaos killed: one ran out of its timeout. A
    batch is ~1-2 s of work against FUNCTION_TIMEOUT_S, so a machine too loaded to run it may
    have caused what the check saw: the run is made again (and so is the verdict). (A worker
    that hangs every time is reported inconclusive, with no points.)"""
    unended = {inv for seen in o.deliveries.values() for _, inv in seen} - set(o.ended)
    if len(unended) > o.schedule["crashes"]:
        s.forget_shared(o)
        raise Inconclusive(f"{len(unended) - o.schedule['crashes']} invocation(s) of the worker "
                           f"ended without an answer beyond the {o.schedule['crashes']} the chaos "
                           f"killed: timed out after {FUNCTION_TIMEOUT_S} s? "
                           f"({len(killed_bodies(o))} messages affected)",
                           "each batch answered within the function's timeout")


def _call(s: Scenario, name: str, event: dict[str, Any]) -> tuple[Any, str]:
    """(the learner's function's answer, '' or what went wrong)."""
    result = s.function({"LABKIT_HANDLER_NAME": name}, timeout_s=LEARNER_CALL_TIMEOUT_S).invoke(event)
    s.evidence.setdefault("calls", []).append({"function": name, **result.as_evidence()})
    return result.payload, "" if result.ok else f"{name}(event) ended with {result.describe()}"


def _settings(s: Scenario) -> tuple[dict[str, Any], str]:
    answer, problem = _call(s, "configure", {"warehouse_capacity": s.params["capacity"],
                                            "function_timeout_s": FUNCTION_TIMEOUT_S})
    if problem:
        return {}, problem
    if not isinstance(answer, dict):
        return {}, f"configure returned {type(answer).__name__}, not a dict"
    wrong = [f"{k}={answer.get(k)!r} (allowed: {low}..{high})" for k, (low, high) in SETTINGS.items()
             if not isinstance(answer.get(k), int) or not low <= answer[k] <= high]
    return answer, (f"configure's settings out of range: {', '.join(wrong)}" if wrong else "")


def _run(s: Scenario) -> Observation:
    settings, problem = _settings(s)
    if problem:
        return Observation(s.params, settings, "", problem=problem)
    system = OrderSystem(s.client, f"lab14-{s.namespace[-8:]}", Path(s.target.handler_path).read_text(),
                         s.params, settings)
    try:
        alarm_event = system.build()
        _, alarm_problem = _call(s, "create_alarm", alarm_event)
        problem = system.warm_up()
        if problem:
            system.obs.problem = f"the worker could not start: {problem}"
            # an environment that did not start within the timeout: a module that never
            # finishes importing, or a machine too busy to import it (lab 03's warm-up says so)
            system.obs.machine_may_be_the_cause = "Timedout" in problem
            return system.obs
        watch = _AlarmWatch(s, system, alarm_problem)
        watch.before_sending()
        system.arm_faults()
        system.connect_and_send()
        system.settle()
        watch.after_settling()
        return system.observe()
    finally:
        system.tear_down()


class _AlarmWatch:
    """The learner's alarm seen from outside: its state and what it told the on-call topic."""

    def __init__(self, s: Scenario, system: OrderSystem, problem: str):
        self.sqs, self.cw, self.system = s.client("sqs"), s.client("cloudwatch"), system
        self.notes: list[dict[str, Any]] = []
        self.a = system.obs.alarm
        self.a["exists"] = bool(self._alarm())
        if problem:
            self.a["problem"] = problem

    def _alarm(self) -> dict[str, Any]:
        found = self.cw.describe_alarms(AlarmNames=[self.system.alarm_name])["MetricAlarms"]
        return found[0] if found else {}

    def _fired(self) -> bool:
        alarm_notes(self.sqs, self.system.inbox, self.notes)
        return alarmed(self.notes, self.system.alarm_name)

    def before_sending(self) -> None:
        """Quiet first: OK once the empty DLQ's depth was published (and evaluated)
        QUIET_PUBLISHES times. An OK before that may be an evaluation without data (missing
        data "notBreaching"), which an alarm that breaches on an empty DLQ also gives."""
        if not self.a["exists"]:
            return
        system = self.system

        def quiet() -> bool:
            state = self._alarm().get("StateValue")
            if state == "ALARM" or self._fired():
                return True
            return state == "OK" and depth_publishes(
                self.cw, system.dlq_name, system.alarm_created) >= QUIET_PUBLISHES

        try:
            wait_for_alarm(quiet, self.cw, system.dlq_name, system.alarm_created,
                           "the alarm to be OK", publishes=QUIET_PUBLISHES + 1)
        except NotWithinPublishes:
            pass
        self.a["before_sending"] = "ALARM" if self._fired() else self._alarm().get("StateValue")

    def after_settling(self) -> None:
        """Firing if something was parked (within a few publishes of the DLQ's depth); quiet
        over the same publishes if nothing was."""
        self.a["parked"] = self.system._depth(self.system.dlq_url)
        if not self.a["exists"]:
            return
        since = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
        try:
            wait_for_alarm(self._fired, self.cw, self.system.dlq_name, since,
                           "the alarm to notify the topic")
        except NotWithinPublishes:
            pass
        self.a["fired"] = self._fired()
        self.a["state"] = self._alarm().get("StateValue")
