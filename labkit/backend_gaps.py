"""What a lesson needs that not every backend has, and a clean stop when it is missing.

A notebook names what it depends on in its first cell (``connect(needs=[...])``). On a backend
known to lack one of those, the cell stops the notebook with a few lines saying what is missing
and what to do, instead of failing later with a traceback in the middle of an experiment.

The gaps are measured, not guessed: tests/ministack runs every lesson and solution on MiniStack
(the version pinned in requirements-ministack.txt), and tests/ministack/test_gaps_are_real.py
shows each gap on MiniStack itself (it fails once a release closes one). LocalStack is not run here (no Docker engine), so
it has no entries: nothing is claimed for it either way.
"""
from __future__ import annotations

NEEDS = {
    "cold starts in the logs": "a REPORT line with Init Duration on the first invocation of "
                               "each execution environment, and one log stream per environment",
    "JSON log format": "LoggingConfig LogFormat=JSON (runtime lines as JSON, ApplicationLogLevel "
                       "filtering)",
    "SQS metrics": "AWS/SQS metrics in CloudWatch (queue depth, messages sent), which alarms "
                   "on a queue or a DLQ watch",
    "metric filters": "CloudWatch Logs metric filters that publish metrics, and TestMetricFilter",
    "function error types": "an Invoke response for an unhandled exception that names its "
                            "type (errorType) and message",
    "API Gateway integration timeouts": "an API that stops waiting for its Lambda integration "
                                        "after the integration's timeout and answers 503 (HTTP "
                                        "API) or 504 (REST API)",
    "API Gateway throttling": "stage and route throttling limits that answer 429 Too Many "
                              "Requests over the limit",
    "failed inits replaced": "an execution environment whose Init failed is not reused: that "
                             "invocation fails, and later ones (concurrent ones too) run Init "
                             "again in new environments",
    "weighted aliases": "an alias with a RoutingConfig (AdditionalVersionWeights) sends that "
                        "share of its invocations to the second version, and Invoke's "
                        "ExecutedVersion names the version that ran",
}

# backend -> need -> what that backend does instead (measured on the pinned version)
GAPS: dict[str, dict[str, str]] = {
    "ministack": {
        "cold starts in the logs": "MiniStack writes REPORT lines without Init Duration and "
                                   "opens a new log stream for every invocation",
        "JSON log format": "MiniStack writes text log lines whatever LoggingConfig says",
        "SQS metrics": "MiniStack publishes no AWS/SQS metrics, so an alarm on a queue's depth "
                       "never has data",
        "metric filters": "MiniStack has no TestMetricFilter and its metric filters publish "
                          "no metrics",
        "function error types": "MiniStack answers errorType Runtime.HandlerError for every "
                                "unhandled exception",
        "API Gateway integration timeouts": "MiniStack waits for the function whatever the "
                                            "integration's timeout says",
        "API Gateway throttling": "MiniStack answers every request whatever the stage's or "
                                  "route's limits",
        "failed inits replaced": "MiniStack's workers break when inits fail under concurrency: "
                                 "most later invocations answer 'Worker process exited "
                                 "immediately'",
        "weighted aliases": "MiniStack runs the alias's main version for every invocation, "
                            "whatever its AdditionalVersionWeights",
    },
}


class BackendLacks(RuntimeError):
    """The backend lacks what this notebook needs. IPython shows only the message (no
    traceback: ``_render_traceback_``), and the notebook stops there."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def missing(backend_name: str, needs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The needs ``backend_name`` is known to lack -> what it does instead."""
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise ValueError(f"unknown need(s) {unknown}: one of {sorted(NEEDS)}")
    gaps = GAPS.get(backend_name, {})
    return {n: gaps[n] for n in needs if n in gaps}


def require(backend_name: str, needs: list[str] | tuple[str, ...]) -> None:
    """Stop with an explanation when ``backend_name`` lacks any of ``needs``."""
    lacking = missing(backend_name, needs)
    if lacking:
        lines = [f"This notebook needs what the {backend_name} backend does not provide:"]
        lines += [f"  - {need}: {NEEDS[need]}. {instead}." for need, instead in lacking.items()]
        lines += ["Run it on the embedded backend (`make lab`, or unset LABKIT_BACKEND); "
                  "README, Backends, lists what runs where."]
        raise BackendLacks("\n".join(lines))
