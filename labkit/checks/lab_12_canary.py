"""Lab 12, task 3: a canary release that an alarm on the new version stops.

The check deploys a checkout function whose version 1 runs behind alias ``live``, sends it steady
traffic through the alias, and makes a release: a new configuration on $LATEST (the share of
orders it fails). Then it calls the learner's ``release(event)`` in the check sandbox, which
publishes the version, puts an alarm named ``event["alarm_name"]`` on the new version's errors,
sends ``weight`` of the alias's traffic to it, watches the alarm for ``bake_s`` seconds, and rolls
back (the alias on the old version only) or promotes (the new version only).

From the Lambda Developer Guide: an alias's routing configuration sends "a portion of traffic to a
second function version" ("Create a routing configuration for an alias"); Invoke reports the
version that ran in ExecutedVersion (Lambda API Reference, "Invoke"); Lambda publishes metrics
per "ExecutedVersion - View metrics for a combination of alias and version. Use the
ExecutedVersion dimension to compare error rates for two versions of a function that are both
targets of a weighted alias" ("View metrics for Lambda functions"). The old version here fails
some orders too, as old versions do: an alarm on the whole function (or the whole alias) rolls
back a good release.

Verdicts come from what the backend observed: the version each request ran (ExecutedVersion),
the alias after the release and the weights it had while release() ran (GetAlias), the versions
published, the alarm's history. The bake time is the learner's watch: the check counts the
requests the new version served while the old one still served; seconds only tell a slow machine
or an unlucky draw of the traffic (run again) from a wrong design.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

from labkit.checks.framework import Inconclusive, Scenario
from labkit.checks.lab_12_infrastructure_as_code import LAB
from labkit.checks.sandbox import Function
from labkit.lessons.alias_traffic import AliasTraffic
from labkit.lessons.polling import wait_until

RATE = 10             # requests per second on the alias
PERIOD_S = 10         # the alarm's period: the embedded backend evaluates alarms every second
THRESHOLD = 2         # errors of the new version in one period that stop the release
ALARM_LAG_S = 2       # a datapoint to an alarm seen by release(): one evaluation, one poll
WATCH_S = 0.2         # how often the check reads the alias while release() runs
SETTLE_S = 60.0       # deadline for a setting or a second of traffic, on a loaded machine
# PutMetricAlarm's ComparisonOperator values for a static threshold (CloudWatch API Reference)
HOLDS = {"GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
         "GreaterThanThreshold": lambda v, t: v > t,
         "LessThanThreshold": lambda v, t: v < t,
         "LessThanOrEqualToThreshold": lambda v, t: v <= t}
CHECKOUT = """
import os, zlib

def handler(event, context):
    order = event["order"]
    # a fixed share of orders fails (the same ones every time)
    if zlib.crc32(order.encode()) % 100 < int(os.environ["FAIL_PERCENT"]):
        raise ValueError(f"cannot price order {order}")
    return {"order": order}
"""


class AliasWatch:
    """The alias's routing as Lambda reports it (GetAlias), read every WATCH_S while release()
    runs: which versions it ever sent a weight of its traffic to."""

    def __init__(self, lam, function: str, alias: str):
        self.weighted: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(lam, function, alias),
                                        daemon=True)
        self._thread.start()

    def _watch(self, lam, function: str, alias: str) -> None:
        while not self._stop.is_set():
            try:
                routing = lam.get_alias(FunctionName=function, Name=alias).get("RoutingConfig")
                weights = (routing or {}).get("AdditionalVersionWeights") or {}
                self.weighted |= {v for v, w in weights.items() if float(w) > 0}
            except Exception:  # noqa: BLE001 - a deleted alias has no routing
                pass
            self._stop.wait(WATCH_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=SETTLE_S)


def _hidden_bad(r: random.Random) -> dict[str, Any]:
    return {"stable_fail": r.choice([0, 5, 10]), "new_fail": r.randint(50, 80),
            "weight": r.choice([0.3, 0.35, 0.4]), "bake_s": r.choice([5, 6])}


def _hidden_good(r: random.Random) -> dict[str, Any]:
    return {"stable_fail": r.randint(15, 30), "new_fail": 0,
            "weight": r.choice([0.2, 0.25, 0.3]), "bake_s": r.choice([5, 6])}


def _release(s: Scenario) -> dict[str, Any]:
    """Deploy, start traffic, make the release, call the learner's release; what it observed."""
    p = s.params
    lam, cw = s.client("lambda"), s.client("cloudwatch")
    name = s.create.function("checkout", {"app.py": CHECKOUT}, Timeout=5, MemorySize=128,
                             Environment={"Variables": {"FAIL_PERCENT": str(p["stable_fail"])}})
    alarm = s.create.name("canary")   # the learner's release() creates it
    s.on_cleanup(lambda: cw.delete_alarms(AlarmNames=[alarm]))
    stable = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=stable)
    traffic = AliasTraffic(lam, name, "live", per_second=RATE, clients=2, run="c").start()
    s.on_cleanup(traffic.stop)
    wait_until(lambda: len(traffic.rows) >= 2, timeout=SETTLE_S, interval=0.1,
               what="the stable version serving the alias")
    # the release: a new configuration on $LATEST, for the learner's release() to publish
    lam.update_function_configuration(FunctionName=name, Environment={
        "Variables": {"FAIL_PERCENT": str(p["new_fail"])}})
    wait_until(lambda: lam.get_function_configuration(FunctionName=name)["LastUpdateStatus"]
               == "Successful", timeout=SETTLE_S, interval=0.2, what="the function's update")
    began = traffic.now()
    event = {"function_name": name, "alias": "live", "weight": p["weight"], "bake_s": p["bake_s"],
             "alarm_name": alarm, "period_s": PERIOD_S, "threshold": THRESHOLD}
    fn = Function(s.target.handler_path, env={"LABKIT_HANDLER_NAME": "release"},
                  endpoint_url=s.target.endpoint_url, timeout_s=p["bake_s"] + SETTLE_S,
                  zygote=s.target.zygote, drop_root=s.target.drop_root)
    watch = AliasWatch(lam, name, "live")
    try:
        answer = fn.invoke(event)
    finally:
        watch.stop()
        s.evidence["release_log"] = fn.log_tail(1500)
        fn.close()
    returned = traffic.now()
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]
                if v["Version"] not in ("$LATEST", stable)]
    s.expect(answer.ok, observed=f"release answered {answer.describe()[:300]}",
             expected="release to return without an error")
    s.expect(len(versions) == 1,
             observed=f"versions published by the release: {versions or 'none'}",
             expected="one new version of the release, published from $LATEST")
    # what the alias does once release() has returned: a second of requests sent after it
    wait_until(lambda: len(traffic.sent_after(returned)) >= RATE, timeout=SETTLE_S, interval=0.1,
               what="a second of traffic after the release")
    traffic.stop()
    try:
        alias = lam.get_alias(FunctionName=name, Name="live")
    except lam.exceptions.ResourceNotFoundException:
        alias = None
    during = [r for r in traffic.rows if began <= r["t"] < returned]
    after = traffic.sent_after(returned)
    new = versions[0]
    seen = {
        "stable": stable, "new": new, "published": versions, "answer": answer.as_evidence(),
        "alias": None if alias is None else {"version": alias["FunctionVersion"],
                                             "weights": (alias.get("RoutingConfig") or {}).get(
                                                 "AdditionalVersionWeights") or {}},
        "during": _count(during, new), "after": _count(after, new),
        "release_s": round(returned - began, 2),
        "weighted": new in watch.weighted,     # the alias sent part of its traffic to new
        # the most failures of the new version in one of the alarm's (aligned) periods, early
        # enough to be evaluated before release() returned
        "new_failed_in_a_period": max(Counter(
            int(r["wall"] // PERIOD_S) for r in during if new and r["version"] == new
            and not r["ok"] and r["t"] < returned - ALARM_LAG_S).values(), default=0),
        # the canary proper: requests the new version ran while the old one still served
        "canary": sum(1 for r in during if new and r["version"] == new
                      and r["t"] < max((x["t"] for x in during if x["version"] == stable),
                                       default=-1)),
    }
    history = _history(cw, alarm)
    returned_at = time.time() - (traffic.now() - returned)
    seen["alarm_after_release"] = any(when > returned_at and "to ALARM" in summary
                                      for when, summary in history)
    seen["alarm_fired"] = any("to ALARM" in summary for _, summary in history)
    seen["alarm_rule"] = _rule(cw, alarm)
    s.evidence.update(seen, alarm_history=[f"{when}: {summary}" for when, summary in history])
    s.expect(alias is not None, observed="after the release, the alias is gone",
             expected="the alias still there, for the callers that invoke it")
    return seen


def _unless_bug_unseen(s: Scenario) -> None:
    """A bad release promoted after a canary (the alias weighted to it) watched for the whole
    bake time, while the new version never failed THRESHOLD orders in one of the alarm's periods
    early enough to be evaluated, or whose alarm fired only after release() had returned (an
    evaluator slowed by the machine), met a draw of the traffic or a slow machine, not a wrong
    design: run the scenario again. A release that rolled back, that never weighted the alias,
    or that promoted before its bake time stays wrong."""
    seen = s.evidence
    alias = seen.get("alias") or {}
    if not seen.get("new") or alias.get("version") != seen["new"] or not seen["weighted"] \
            or seen["release_s"] < s.params["bake_s"]:
        return
    if seen["new_failed_in_a_period"] < THRESHOLD or seen["alarm_after_release"]:
        late = "fired only after" if seen["alarm_after_release"] else "did not fire before"
        raise Inconclusive(f"the new version failed {seen['new_failed_in_a_period']} request(s) "
                           f"in one alarm period early enough to be seen, and its alarm "
                           f"{late} the release ended",
                           f"{THRESHOLD} or more failures of the new version in one period, seen "
                           f"by its alarm within the bake time")


def _rule(cw, alarm: str) -> dict[str, Any] | None:
    """The learner's alarm's threshold and comparison, as CloudWatch describes them."""
    try:
        [found] = cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
    except Exception:  # noqa: BLE001 - no alarm (or several): nothing to read
        return None
    return {"threshold": found.get("Threshold"), "comparison": found.get("ComparisonOperator")}


def _breached_by_no_error(rule: dict[str, Any]) -> bool:
    """Whether the alarm's condition holds for a period with 0 errors (or a 0 % rate)."""
    if rule["threshold"] is None or rule["comparison"] not in HOLDS:
        return False
    return HOLDS[rule["comparison"]](0.0, float(rule["threshold"]))


def _history(cw, alarm: str) -> list[tuple[float, str]]:
    """The learner's alarm's state changes (epoch seconds, summary), oldest first."""
    try:
        items = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")[
            "AlarmHistoryItems"]
    except Exception:  # noqa: BLE001 - no alarm, no history
        return []
    return sorted((i["Timestamp"].timestamp(), i["HistorySummary"]) for i in items)


def _count(rows: list[dict[str, Any]], new: str | None) -> dict[str, int]:
    return {"all": len(rows), "new": sum(1 for r in rows if new and r["version"] == new),
            "failed": sum(1 for r in rows if not r["ok"]),
            "unanswered": sum(1 for r in rows if r["version"] is None)}


@LAB.check("task-3", "bad-release-stopped", "a release that fails orders is stopped: the alias "
           "goes back to the old version, with no traffic to the new one", points=3,
           hint="Publish the version (publish_version), put a metric alarm named "
                "event['alarm_name'] on AWS/Lambda Errors with Dimensions FunctionName, Resource "
                "('<function>:<alias>') and ExecutedVersion (the new version), Statistic Sum, "
                "Period period_s, Threshold threshold, GreaterThanOrEqualToThreshold, "
                "TreatMissingData notBreaching; then update_alias with RoutingConfig "
                "{'AdditionalVersionWeights': {new: weight}}. Poll describe_alarms for bake_s "
                "seconds: on ALARM, update_alias(FunctionVersion=old, RoutingConfig="
                "{'AdditionalVersionWeights': {}}) and return.",
           public={"stable_fail": 0, "new_fail": 50, "weight": 0.3, "bake_s": 5},
           hidden=_hidden_bad, hidden_count=1)
def bad_release_stopped(s: Scenario) -> None:
    s.on_failure_ask(lambda: _unless_bug_unseen(s))
    seen = _release(s)
    alias, after = seen["alias"], seen["after"]
    s.expect(alias["version"] == seen["stable"] and not alias["weights"] and after["new"] == 0,
             observed=f"after release() returned, the alias is on version {alias['version']} "
                      f"with weights {alias['weights']}; the new version (failing "
                      f"{s.params['new_fail']} % of orders) ran {after['new']} of the "
                      f"{after['all']} requests sent since",
             expected=f"the alias back on version {seen['stable']} alone: no request to the "
                      f"failing version once the release is stopped")
    s.expect(after["unanswered"] == 0,
             observed=f"{after['unanswered']} of the {after['all']} requests after the release "
                      f"got no answer from any version",
             expected="every request answered by the old version")
    s.expect(seen["during"]["new"] > 0,
             observed=f"while release() ran, the new version served none of the "
                      f"{seen['during']['all']} requests on the alias",
             expected=f"about {s.params['weight']:.0%} of them on the new version: a canary "
                      f"that meets real traffic before it is judged")


@LAB.check("task-3", "good-release-promoted", "a good release is promoted after a canary, "
           "although the old version fails some orders", points=3,
           hint="The alarm must count the new version's errors only: Dimensions FunctionName, "
                "Resource ('<function>:<alias>') and ExecutedVersion (the new version). An alarm "
                "on FunctionName alone (or on the alias) also counts the old version's errors. "
                "Promote only after bake_s seconds without ALARM: update_alias(FunctionVersion="
                "new, RoutingConfig={'AdditionalVersionWeights': {}}).",
           public={"stable_fail": 20, "new_fail": 0, "weight": 0.2, "bake_s": 5},
           hidden=_hidden_good, hidden_count=1)
def good_release_promoted(s: Scenario) -> None:
    seen = _release(s)
    alias, after = seen["alias"], seen["after"]
    s.expect(alias["version"] == seen["new"] and not alias["weights"]
             and after["new"] == after["all"],
             observed=f"after release() returned, the alias is on version {alias['version']} "
                      f"with weights {alias['weights']}; the new version (failing no order) ran "
                      f"{after['new']} of the {after['all']} requests sent since",
             expected=f"version {seen['new']} promoted: every request on it (the old version "
                      f"fails {s.params['stable_fail']} % of orders, the new one none)")
    # an alarm breached by a period without errors goes to ALARM as soon as the new version's
    # first datapoint is evaluated; on a busy machine that can come after the bake time (the
    # first requests of a new version are cold starts), so the rule is read as well as the
    # alarm's history
    rule = seen["alarm_rule"] or {"comparison": None, "threshold": None}
    s.expect(not seen["alarm_fired"] and not _breached_by_no_error(rule),
             observed="the alarm went to ALARM although no request on the new version had an error"
             if seen["alarm_fired"] else
             f"the alarm's rule ({rule['comparison']} {rule['threshold']}) holds for a period "
             f"with no error: it pages on a release that fails nothing",
             expected="an alarm that stays quiet while the new version fails nothing: one that "
                      "a period without errors breaches rolls back every release")
    if seen["canary"] == 0 and seen["weighted"] and seen["release_s"] >= s.params["bake_s"]:
        raise Inconclusive(f"the new version ran no request while the old one still served, "
                           f"although release() watched for {seen['release_s']} s (the "
                           f"machine was too slow?)", "a canary with traffic to judge")
    s.expect(seen["canary"] > 0,
             observed="the new version ran no request while the old one still served: "
                      "promoted without a canary, before its alarm could see anything",
             expected="a canary first: the new version on part of the traffic, watched for the "
                      "bake time, then promoted")
