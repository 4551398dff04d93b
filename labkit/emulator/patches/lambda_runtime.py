"""Run Lambda functions for real: route every moto invoke path into our runtime.

moto without Docker runs nothing ("error running docker"). We add the "lambda-runtime"
component and send to it: the Invoke API (RequestResponse / Event / DryRun, Log tail,
6 MB request limit, throttling), the deprecated InvokeAsync API, and moto's internal
callers (SNS -> Lambda, DynamoDB Streams -> Lambda, S3 notifications, SQS ESM) through
``LambdaFunction.invoke`` / ``_invoke_lambda``. Step Functions' Task -> Lambda calls the
Invoke API over HTTP, so it lands here too.
"""
from __future__ import annotations

import base64
import json
import queue
import threading
from urllib.parse import unquote

from labkit import aws_events

NAME = "lambda_runtime"
AWS_BEHAVIOUR = (
    "Lambda runs your function code in an execution environment: \"When you invoke your "
    "function, Lambda runs the handler method\"; the Invoke API returns the function's "
    "response, with X-Amz-Function-Error for errors, 202 for InvocationType Event, 204 for "
    "DryRun, 413 RequestEntityTooLargeException above 6 MB, 429 TooManyRequestsException "
    "when throttled; SNS invokes functions asynchronously (AWS Lambda Developer Guide: "
    "'Lambda runtime environment', API_Invoke, 'Invoking Lambda with Amazon SNS')."
)

MAX_REQUEST_BYTES = 6 * 1024 * 1024   # "Request must be smaller than 6291456 bytes"
_runtime = None


def runtime():
    return _runtime


def apply(ctx) -> None:
    global _runtime
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.awslambda.responses import LambdaResponse

    from labkit.emulator.runtime.service import LambdaRuntime

    _runtime = ctx.add_component(LambdaRuntime(ctx.url))
    LambdaResponse.invoke = _http_invoke
    LambdaResponse._enrich_response = staticmethod(_keep_invocation_request_id(
        LambdaResponse._enrich_response))
    LambdaResponse.invoke_async = _http_invoke_async
    LambdaFunction.invoke = _function_invoke
    LambdaFunction._invoke_lambda = _invoke_lambda
    LambdaBackend.send_sns_message = _send_sns_message
    LambdaBackend.send_dynamodb_items = _send_dynamodb_items
    # the backend-level invoke (used by the SQS ESM path) must run the function too;
    # moto's no-Docker backend would echo the payload back instead
    from moto.awslambda_simple.models import LambdaSimpleBackend

    LambdaBackend.invoke = _backend_invoke
    LambdaSimpleBackend.invoke = _backend_invoke
    _stop_environments_on_change(LambdaBackend)


def _stop_environments_on_change(backend_class) -> None:
    """AWS shuts down the environments of a deleted function or version, and of $LATEST
    when its code or configuration changes (new invocations get new environments)."""
    moto_delete = backend_class.delete_function
    moto_update_code = backend_class.update_function_code
    moto_update_config = backend_class.update_function_configuration

    def delete_function(self, function_name, qualifier=None):
        fn = self.get_function(function_name, qualifier)   # moto's 404 when missing
        whole = qualifier is None and ":" not in function_name.split(":function:")[-1]
        moto_delete(self, function_name, qualifier)
        _runtime.retire(self.account_id, self.region_name, fn.function_name,
                        None if whole else str(fn.version), "deleted")

    def update_function_code(self, function_name, qualifier, body):
        result = moto_update_code(self, function_name, qualifier, body)
        _retire_latest(self, function_name)
        return result

    def update_function_configuration(self, function_name, qualifier, body):
        result = moto_update_config(self, function_name, qualifier, body)
        _retire_latest(self, function_name)
        return result

    backend_class.delete_function = delete_function
    backend_class.update_function_code = update_function_code
    backend_class.update_function_configuration = update_function_configuration


def _retire_latest(backend, function_name) -> None:
    fn = backend.get_function(function_name, None)
    _runtime.retire(backend.account_id, backend.region_name, fn.function_name, "$LATEST",
                    "updated")


# -- the Invoke API ------------------------------------------------------------------------------

def _error(status: int, code: str, message: str, **extra) -> tuple[int, dict, str]:
    body = {"Type": "User", "message": message, **extra}
    return status, {"x-amzn-ErrorType": code, "Content-Type": "application/json",
                    "status": str(status)}, json.dumps(body)


def _http_invoke(self):
    from labkit.emulator.runtime import Throttled

    function_name = unquote(self.path.rsplit("/", 2)[-2])
    qualifier = (self.querystring.get("Qualifier") or [None])[0]
    # FunctionName may carry the qualifier ("my-function:live", or a qualified ARN): the
    # alias still routes, and its invocations count for Resource my-function:live
    named = function_name.split(":function:")[-1]
    if qualifier is None and ":" in named:
        qualifier = named.rsplit(":", 1)[-1]
    fn = self.backend.get_function(function_name, qualifier)  # moto's own 404 when missing
    raw = self.raw_body if isinstance(self.raw_body, bytes) else (self.raw_body or "").encode()
    if len(raw) > MAX_REQUEST_BYTES:
        return _error(413, "RequestEntityTooLargeException",
                      f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                      "InvokeFunction operation")
    invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type not in ("RequestResponse", "Event", "DryRun"):
        return _error(400, "InvalidParameterValueException",
                      f"Unsupported invocation type {invocation_type}")
    if raw.strip():
        try:
            json.loads(raw)
        except ValueError:
            return _error(400, "InvalidRequestContentException",
                          "Could not parse request body into json")
    try:
        result = _runtime.dispatch(fn, raw, qualifier, invocation_type)
    except Throttled as exc:
        return _error(429, "TooManyRequestsException", exc.message, Reason=exc.reason)
    headers = {"Content-Type": "application/json", "x-amzn-requestid": result.request_id,
               "X-Amz-Executed-Version": result.executed_version or str(fn.version)}
    if invocation_type == "Event":
        headers["status"] = "202"
        return 202, headers, ""
    if invocation_type == "DryRun":
        headers["status"] = "204"
        return 204, headers, ""
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if self.headers.get("X-Amz-Log-Type") == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail.encode()).decode()
    return 200, headers, result.payload


def _keep_invocation_request_id(moto_enrich):
    """moto stamps a random x-amzn-requestid on every answer; an invocation's must be the
    invocation's own request id (the one in its START/END/REPORT lines)."""

    def enrich(headers, body):
        ours = headers.get("x-amzn-requestid")
        headers, body = moto_enrich(headers, body)
        if ours:
            headers["x-amzn-requestid"] = ours
        return headers, body

    return enrich


def _http_invoke_async(self):
    """InvokeAsync (deprecated API): queue the event, answer 202 {"Status": 202}."""
    function_index = -3 if self.path.endswith("/") else -2
    function_name = unquote(self.path.rsplit("/", 3)[function_index])
    fn = self.backend.get_function(function_name, None)
    raw = self.raw_body if isinstance(self.raw_body, bytes) else (self.raw_body or "").encode()
    _runtime.dispatch(fn, raw, None, "Event")
    return 202, {"status": "202", "Content-Type": "application/json"}, json.dumps({"Status": 202})


# -- moto's internal callers -------------------------------------------------------------------

def _backend_invoke(self, function_name, qualifier, body, headers, response_headers):
    fn = self.get_function(function_name, qualifier)
    payload = fn.invoke(body, headers, response_headers)
    response_headers["Content-Length"] = str(len(payload))
    return payload


def _function_invoke(self, body, request_headers, response_headers):
    """LambdaFunction.invoke(body, request_headers, response_headers) -> payload."""
    from labkit.emulator.runtime import Throttled

    invocation_type = (request_headers or {}).get("x-amz-invocation-type") or \
        (request_headers or {}).get("X-Amz-Invocation-Type") or "RequestResponse"
    raw = body.encode() if isinstance(body, str) else (body or b"")
    try:
        result = _runtime.dispatch(self, raw, _qualifier_of(self), invocation_type)
    except Throttled as exc:
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": "TooManyRequestsException", "errorMessage": exc.message,
                           "Reason": exc.reason})
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    response_headers["x-amz-log-result"] = base64.b64encode(result.log_tail.encode()).decode()
    return result.payload


def _invoke_lambda(self, event=None):
    """LambdaFunction._invoke_lambda(event) -> (payload, errored, logs)."""
    from labkit.emulator.runtime import Throttled

    raw = event if isinstance(event, (bytes, str)) else json.dumps(event if event is not None else {})
    raw = raw.encode() if isinstance(raw, str) else raw
    try:
        result = _runtime.dispatch(self, raw, _qualifier_of(self), "RequestResponse")
    except Throttled as exc:
        return json.dumps({"errorType": "TooManyRequestsException", "errorMessage": exc.message}), True, ""
    return result.payload.decode("utf-8", errors="replace"), result.function_error is not None, result.log_tail


def _qualifier_of(fn) -> str | None:
    return None if str(fn.version) == "$LATEST" else str(fn.version)


def _send_sns_message(self, function_name, message, subject=None, qualifier=None):
    """SNS -> Lambda is an asynchronous invocation on AWS (retries, destinations, DLQ)."""
    import datetime as dt
    import uuid

    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    event = aws_events.sns_event(aws_events.sns_record(
        subscription_arn="arn:aws:sns:EXAMPLE", topic_arn="arn:aws:sns:EXAMPLE",
        message_id=str(uuid.uuid4()), message=message, timestamp=now, subject=subject,
        signature="EXAMPLE", signing_cert_url="EXAMPLE", unsubscribe_url="EXAMPLE"))
    fn = self._lambdas.get_function_by_name_or_arn_with_qualifier(function_name, qualifier)
    _runtime.dispatch(fn, json.dumps(event).encode(), qualifier, "Event")


# DynamoDB Streams -> Lambda: AWS polls the stream and invokes in order, in the background;
# moto calls us inside the table write. Hand the batch to one ordered worker per function.
_stream_queues: dict[str, queue.Queue] = {}
_stream_lock = threading.Lock()


def _send_dynamodb_items(self, function_arn, items, source):
    from moto.core.utils import unix_time
    import datetime as dt

    records = []
    for item in items:
        record = item.to_json()
        dynamodb = dict(record["dynamodb"])
        if isinstance(dynamodb.get("ApproximateCreationDateTime"), dt.datetime):
            dynamodb["ApproximateCreationDateTime"] = unix_time(dynamodb["ApproximateCreationDateTime"])
        records.append({"eventID": record["eventID"], "eventName": record["eventName"],
                        "eventVersion": record["eventVersion"], "eventSource": record["eventSource"],
                        "awsRegion": self.region_name, "dynamodb": dynamodb, "eventSourceARN": source})
    fn = self._lambdas.get_arn(function_arn)
    if fn is None:
        return None
    with _stream_lock:
        q = _stream_queues.get(function_arn)
        if q is None:
            q = _stream_queues[function_arn] = queue.Queue()
            threading.Thread(target=_stream_worker, args=(q,), daemon=True,
                             name="lambda-ddb-stream").start()
    q.put((fn, json.dumps({"Records": records}).encode()))
    return "queued"  # truthy: moto then starts the next batch after these records


def _stream_worker(q: queue.Queue) -> None:
    while True:
        fn, payload = q.get()
        try:
            _runtime.dispatch(fn, payload, _qualifier_of(fn), "RequestResponse")
        except Exception as exc:
            print(f"labkit lambda-runtime: DynamoDB stream batch failed: {exc!r}")
