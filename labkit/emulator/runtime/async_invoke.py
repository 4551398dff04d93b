"""Asynchronous invocation (InvocationType=Event), with AWS's retry and failure handling.

AWS ("Asynchronous invocation", "Error handling and automatic retries"): Lambda places
the event in a queue and returns 202 at once. On a function error it retries twice by
default, waiting one minute before the first retry and two before the second;
MaximumRetryAttempts (0-2) and MaximumEventAgeInSeconds (60-21600, default 6 hours) from
PutFunctionEventInvokeConfig change that. Throttled events go back to the queue and are
retried until they are too old. An event that fails every attempt (or grows too old)
goes to the OnFailure destination (SQS, SNS, Lambda or EventBridge, as an invocation
record) and/or the function's dead-letter queue (DeadLetterConfig: SQS or SNS, the
original event with RequestID / ErrorCode / ErrorMessage attributes). A successful
invocation goes to the OnSuccess destination when one is configured.

LABKIT_LAMBDA_ASYNC_RETRY_DELAYS="60,120" (seconds) lets tests use shorter waits.
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import os
import sys
import threading
import time
from dataclasses import dataclass

from labkit.emulator.runtime import FunctionNotFound, Throttled

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_AGE_S = 21600


@dataclass
class _Event:
    function_name: str
    function_arn: str        # unqualified; the version/alias travels in qualifier
    qualifier: str | None
    payload: bytes
    request_id: str
    received: float
    attempts: int = 0
    throttles: int = 0
    trace_header: str | None = None   # the caller's X-Ray header: every attempt continues it


class AsyncInvoker:
    def __init__(self, runtime):
        self.runtime = runtime
        raw = os.environ.get("LABKIT_LAMBDA_ASYNC_RETRY_DELAYS", "60,120")
        self.retry_delays = [float(x) for x in raw.split(",") if x.strip()] or [60.0, 120.0]
        self.workers = int(os.environ.get("LABKIT_LAMBDA_ASYNC_WORKERS", "8"))
        self._heap: list = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._stopped = False
        self._running = 0

    def start(self) -> None:
        for i in range(self.workers):
            threading.Thread(target=self._work, name=f"lambda-async-{i}", daemon=True).start()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify_all()

    def clear(self) -> None:
        with self._cv:
            self._heap.clear()

    def depth(self) -> int:
        with self._cv:
            return len(self._heap) + self._running

    def submit(self, fn, payload: bytes, qualifier: str | None, request_id: str,
               trace_header: str | None = None) -> None:
        arn = fn.function_arn if fn.function_arn.count(":") == 6 else fn.function_arn.rsplit(":", 1)[0]
        if qualifier is None and str(fn.version) != "$LATEST":
            qualifier = str(fn.version)
        event = _Event(fn.function_name, arn, qualifier, payload, request_id, time.time(),
                       trace_header=trace_header)
        self._schedule(event, 0.0)

    def _schedule(self, event: _Event, delay: float) -> None:
        with self._cv:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), event))
            self._cv.notify()

    def _work(self) -> None:
        while True:
            with self._cv:
                while not self._stopped:
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        break
                    timeout = (self._heap[0][0] - time.monotonic()) if self._heap else None
                    self._cv.wait(timeout)
                if self._stopped:
                    return
                _, _, event = heapq.heappop(self._heap)
                self._running += 1
            try:
                self._attempt(event)
            except Exception as exc:
                print(f"labkit lambda-runtime async: {exc!r}", file=sys.stderr)
            finally:
                with self._cv:
                    self._running -= 1

    def _event_config(self, event: _Event) -> dict:
        try:
            latest = self.runtime.resolve(event.function_arn)
        except FunctionNotFound:
            return {}
        configs = getattr(latest, "event_invoke_config", None) or []
        return dict(configs[-1].config) if configs else {}

    def _attempt(self, event: _Event) -> None:
        config = self._event_config(event)
        max_retries = int(config.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
        max_age = float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S))
        if time.time() - event.received > max_age:
            return self._failed(event, config, "EventAgeExceeded", None, None)
        try:
            fn = self.runtime.resolve(event.function_arn, event.qualifier)
        except FunctionNotFound:
            return  # deleted meanwhile: AWS drops the event
        try:
            event.attempts += 1
            result = self.runtime.invoke_function(fn, event.payload, event.qualifier,
                                                  request_id=event.request_id,
                                                  trace_header=event.trace_header)
        except Throttled:
            event.attempts -= 1            # a throttle is not an invocation attempt
            event.throttles += 1
            return self._schedule(event, min(1.0 * (2 ** min(event.throttles, 8)), 300.0))
        if result.function_error is None:
            return self._succeeded(event, config, result)
        if event.attempts <= max_retries:
            delay = self.retry_delays[min(event.attempts - 1, len(self.retry_delays) - 1)]
            return self._schedule(event, delay)
        self._failed(event, config, "RetriesExhausted", result, fn)

    # -- destinations ----------------------------------------------------------------------
    def _record(self, event: _Event, condition: str | None, result) -> dict:
        try:
            request_payload = json.loads(event.payload or b"{}")
        except ValueError:
            request_payload = event.payload.decode("utf-8", errors="replace")
        record = {
            "version": "1.0",
            "timestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": f"{event.function_arn}:{event.qualifier or '$LATEST'}",
                "condition": condition or "Success",
                "approximateInvokeCount": event.attempts,
            },
            "requestPayload": request_payload,
        }
        if result is not None:
            response = {"statusCode": 200, "executedVersion":
                        result.executed_version or event.qualifier or "$LATEST"}
            if result.function_error:
                response["functionError"] = result.function_error
            record["responseContext"] = response
            try:
                record["responsePayload"] = json.loads(result.payload or b"null")
            except ValueError:
                record["responsePayload"] = result.payload.decode("utf-8", errors="replace")
        return record

    def _succeeded(self, event: _Event, config: dict, result) -> None:
        target = (config.get("DestinationConfig") or {}).get("OnSuccess", {}).get("Destination")
        if target:
            self._deliver(target, self._record(event, None, result), "Success")

    def _failed(self, event: _Event, config: dict, condition: str, result, fn) -> None:
        target = (config.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
        if target:
            self._deliver(target, self._record(event, condition, result), "Failure")
        try:
            latest = self.runtime.resolve(event.function_arn)
        except FunctionNotFound:
            return
        dlq = (getattr(latest, "labkit_dead_letter_config", None) or {}).get("TargetArn")
        if dlq:
            error_message = ""
            if result is not None:
                try:
                    error_message = json.loads(result.payload).get("errorMessage", "")
                except (ValueError, AttributeError):
                    error_message = result.payload.decode("utf-8", errors="replace")
            attributes = {"RequestID": event.request_id, "ErrorCode": "200",
                          "ErrorMessage": (error_message or condition)[:1024]}
            self._send_raw(dlq, event.payload.decode("utf-8", errors="replace"), attributes)

    def _client(self, service: str, arn: str):
        import boto3

        region = arn.split(":")[3]
        return boto3.client(service, endpoint_url=self.runtime.server_url, region_name=region,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def _deliver(self, target: str, record: dict, outcome: str) -> None:
        body = json.dumps(record)
        service = target.split(":")[2]
        try:
            if service in ("sqs", "sns"):
                self._send_raw(target, body, {})
            elif service == "lambda":
                self.runtime.invoke(target, body.encode(), invocation_type="Event")
            elif service == "events":
                self._client("events", target).put_events(Entries=[{
                    "Source": "lambda", "DetailType": f"Lambda Function Invocation Result - {outcome}",
                    "Detail": body, "EventBusName": target}])
        except Exception as exc:
            print(f"labkit lambda-runtime async: destination {target} failed: {exc!r}", file=sys.stderr)

    def _send_raw(self, target: str, body: str, attributes: dict[str, str]) -> None:
        service = target.split(":")[2]
        try:
            if service == "sqs":
                client = self._client("sqs", target)
                account, name = target.split(":")[4], target.split(":")[5]
                url = client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
                attrs = {k: {"DataType": "Number" if k == "ErrorCode" else "String", "StringValue": v}
                         for k, v in attributes.items()}
                kwargs = {"MessageAttributes": attrs} if attrs else {}
                client.send_message(QueueUrl=url, MessageBody=body, **kwargs)
            elif service == "sns":
                attrs = {k: {"DataType": "Number" if k == "ErrorCode" else "String", "StringValue": v}
                         for k, v in attributes.items()}
                kwargs = {"MessageAttributes": attrs} if attrs else {}
                self._client("sns", target).publish(TopicArn=target, Message=body, **kwargs)
        except Exception as exc:
            print(f"labkit lambda-runtime async: sending to {target} failed: {exc!r}", file=sys.stderr)
