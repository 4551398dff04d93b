"""The platform log lines Lambda writes around every invocation (START / END / REPORT).

Text format, as AWS writes them::

    START RequestId: <id> Version: $LATEST
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
        Max Memory Used: 40 MB\tInit Duration: 95.12 ms\t        (Init Duration: cold starts only)

With LoggingConfig LogFormat=JSON the same facts are JSON records of type platform.start,
platform.runtimeDone / platform.report (AWS "Lambda JSON log format" docs).
Billed Duration is rounded up to the millisecond (AWS bills in 1 ms increments since
Dec 2020); since 1 Aug 2025 the INIT phase of on-demand ZIP functions is billed too, so a
cold start's Billed Duration includes its Init Duration (AWS Compute Blog, "AWS Lambda
standardizes billing for INIT phase").
"""
from __future__ import annotations

import datetime as dt
import json
import math
import uuid

RUNTIME_VERSION = "python:3.labkit"


def billed_duration_ms(duration_ms: float, init_ms: float | None = None) -> int:
    # from the durations as the line prints them (2 decimals): a Duration of 1.004 ms is
    # printed 1.00 and billed 1, so a reader recomputing the bill from the line agrees
    total = round(round(duration_ms, 2) + round(init_ms or 0.0, 2), 2)
    return max(1, math.ceil(total))


def log_stream_name(version: str, when: float) -> str:
    day = dt.datetime.fromtimestamp(when, dt.timezone.utc)
    return f"{day:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def _iso(when: float) -> str:
    return dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def init_start_line(json_format: bool, when: float) -> str:
    if json_format:
        return json.dumps({"time": _iso(when), "type": "platform.initStart",
                           "record": {"initializationType": "on-demand", "phase": "init",
                                      "runtimeVersion": RUNTIME_VERSION}})
    return f"INIT_START Runtime Version: {RUNTIME_VERSION}"


def start_line(request_id: str, version: str, json_format: bool, when: float) -> str:
    if json_format:
        return json.dumps({"time": _iso(when), "type": "platform.start",
                           "record": {"requestId": request_id, "version": version}})
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str, json_format: bool, when: float, status: str = "success") -> str:
    if json_format:
        return json.dumps({"time": _iso(when), "type": "platform.runtimeDone",
                           "record": {"requestId": request_id, "status": status}})
    return f"END RequestId: {request_id}"


def report_line(request_id: str, duration_ms: float, memory_mb: int, max_used_mb: int,
                init_ms: float | None, json_format: bool, when: float,
                billed_ms: int | None = None, status: str = "success") -> str:
    billed = billed_ms if billed_ms is not None else billed_duration_ms(duration_ms, init_ms)
    if json_format:
        metrics = {"durationMs": round(duration_ms, 2), "billedDurationMs": billed,
                   "memorySizeMB": memory_mb, "maxMemoryUsedMB": max_used_mb}
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 2)
        return json.dumps({"time": _iso(when), "type": "platform.report",
                           "record": {"requestId": request_id, "metrics": metrics,
                                      "status": status}})
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {memory_mb} MB\t"
            f"Max Memory Used: {max_used_mb} MB\t")
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line


def timeout_line(request_id: str, timeout_s: float, when: float) -> str:
    # AWS: "2020-11-10T05:46:57.874Z 160788cd-... Task timed out after 3.07 seconds"
    return f"{_iso(when)} {request_id} Task timed out after {timeout_s:.2f} seconds"
