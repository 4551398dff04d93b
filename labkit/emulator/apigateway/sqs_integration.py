"""SQS SendMessage service integrations: the API sends the request body to a queue and
answers at once.

REST APIs (API Gateway Developer Guide, "Tutorial: Create a REST API as an Amazon SQS
proxy"): an AWS integration with uri arn:aws:apigateway:{region}:sqs:path/{account}/{queue}
and a request mapping template "Action=SendMessage&MessageBody=$input.body". Only that
form is understood: the template is a query string whose values may be literal text,
$input.body or $util.urlEncode($input.body); the rest of the Velocity (VTL) language is not
emulated. HTTP APIs ("AWS service integration reference", SQS-SendMessage): request
parameters QueueUrl, MessageBody ("$request.body"), MessageGroupId,
MessageDeduplicationId, DelaySeconds.
"""
from __future__ import annotations

import threading
from urllib.parse import parse_qsl, quote_plus

from labkit.emulator.apigateway import http_messages as answers
from labkit.emulator.apigateway.http_messages import ApiRequest, ApiResponse

DEFAULT_TEMPLATE_TYPE = "application/json"   # chosen when the request names no content type


def render_template(template: str, request: ApiRequest) -> dict[str, str]:
    """The SQS query parameters a mapping template of the supported form produces."""
    body = request.body.decode("utf-8", errors="replace")
    text = (template.replace("$util.urlEncode($input.body)", quote_plus(body))
            .replace("$input.body", body))
    # the rendered template is sent as a form body: split it the way SQS reads it
    return dict(parse_qsl(text, keep_blank_values=True))


def _parameter(expression: str, request: ApiRequest) -> str | None:
    """An HTTP API request parameter mapping value: $request.body, $request.header.x,
    $request.querystring.x, or literal text."""
    if expression == "$request.body":
        return request.body.decode("utf-8", errors="replace")
    if expression.startswith("$request.header."):
        return request.header(expression.split(".", 2)[2])
    if expression.startswith("$request.querystring."):
        return request.query_value(expression.split(".", 2)[2])
    return expression


class SqsIntegration:
    def __init__(self, server_url: str):
        self.server_url = server_url
        self._client = None
        self._lock = threading.Lock()
        self.sent = 0

    def _sqs(self):
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.client(
                    "sqs", endpoint_url=self.server_url, region_name="us-east-1",
                    aws_access_key_id="test", aws_secret_access_key="test")
            return self._client

    def _send(self, account: str, queue: str, params: dict) -> ApiResponse:
        kwargs = {"QueueUrl": f"{self.server_url}/{account}/{queue}",
                  "MessageBody": params.get("MessageBody") or ""}
        for name in ("MessageGroupId", "MessageDeduplicationId"):
            if params.get(name):
                kwargs[name] = params[name]
        if params.get("DelaySeconds"):
            kwargs["DelaySeconds"] = int(params["DelaySeconds"])
        try:
            sent = self._sqs().send_message(**kwargs)
        except Exception as exc:   # the queue answered an error: so does the API
            meta = getattr(exc, "response", {}).get("ResponseMetadata", {})
            code = meta.get("HTTPStatusCode", 500)
            return answers.message(code if 400 <= code < 600 else 500, str(exc))
        self.sent += 1
        return answers.json_answer(200, {"SendMessageResponse": {
            "ResponseMetadata": {"RequestId": sent["ResponseMetadata"].get("RequestId")},
            "SendMessageResult": {"MD5OfMessageAttributes": None,
                                  "MD5OfMessageBody": sent.get("MD5OfMessageBody"),
                                  "MessageId": sent.get("MessageId"),
                                  "SequenceNumber": sent.get("SequenceNumber")}}})

    def rest(self, integration, request: ApiRequest) -> ApiResponse:
        path = (integration.uri or "").split(":sqs:path/", 1)[1]
        account, _, queue = path.strip("/").partition("/")
        templates = integration.request_templates or {}
        ctype = (request.header("content-type") or DEFAULT_TEMPLATE_TYPE).split(";")[0].strip()
        template = templates.get(ctype) or templates.get(DEFAULT_TEMPLATE_TYPE)
        if template is None:   # passthrough: the body itself is the SQS request
            params = dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
        else:
            params = render_template(template, request)
        if params.get("Action", "SendMessage") != "SendMessage":
            return answers.message(500, "Internal server error")
        return self._send(account, queue, params)

    def http(self, integration, request: ApiRequest, stage) -> ApiResponse:
        if (integration.integration_subtype or "") != "SQS-SendMessage":
            return answers.internal_server_error_http()
        params = {k: _parameter(str(v), request)
                  for k, v in (integration.request_parameters or {}).items()}
        queue_url = (params.get("QueueUrl") or "").rstrip("/")
        account, queue = queue_url.split("/")[-2:] if queue_url.count("/") >= 2 else ("", "")
        if not queue:
            return answers.internal_server_error_http()
        return self._send(account, queue, params)
