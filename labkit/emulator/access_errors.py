"""The 403 a backend's access guard answers, shaped like AWS's own for an unknown access key.

boto3 reads errors differently per protocol, so the body follows the request's protocol:
* JSON protocols (X-Amz-Target: SQS, DynamoDB, Logs, SSM, ...) and REST-JSON (Lambda):
  {"__type": "UnrecognizedClientException", "message": ...} plus the x-amzn-ErrorType header;
* the CBOR protocol (CloudWatch in current botocore): the same map, CBOR-encoded;
* the query protocol (SNS, IAM, STS: form-encoded bodies): <ErrorResponse> with
  InvalidClientTokenId ("Common Errors",
  https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html);
* S3 (REST-XML): <Error> with InvalidAccessKeyId (Amazon S3 API Reference, "Error responses",
  https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
AWS sends 400 for some of these (DynamoDB's UnrecognizedClientException); we always send 403:
the request is refused, and one status is easier to see in a log.
"""
from __future__ import annotations

import json
import uuid

TOKEN_INVALID = "The security token included in the request is invalid."
KEY_UNKNOWN = "The AWS Access Key Id you provided does not exist in our records."


def forbidden(environ: dict, start_response, own_endpoint: bool = False) -> list[bytes]:
    """403 for a request to an AWS API, or (own_endpoint) to one of labkit's own routes."""
    content_type = environ.get("CONTENT_TYPE", "")
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if own_endpoint:
        body = json.dumps({"error": "this backend belongs to another learner"})
        kind = "application/json"
    elif "cbor" in content_type:
        body = _cbor_map({"__type": "UnrecognizedClientException", "message": TOKEN_INVALID})
        kind = "application/cbor"
        headers.append(("smithy-protocol", "rpc-v2-cbor"))
    elif "HTTP_X_AMZ_TARGET" in environ or "json" in content_type or _service(environ) == "lambda":
        body = json.dumps({"__type": "UnrecognizedClientException", "message": TOKEN_INVALID})
        kind = "application/x-amz-json-1.1"
        headers.append(("x-amzn-ErrorType", "UnrecognizedClientException"))
    elif "x-www-form-urlencoded" in content_type:
        body = ("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
                f"<Message>{TOKEN_INVALID}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        kind = "text/xml"
    else:  # S3, and anything unsigned
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidAccessKeyId</Code>"
                f"<Message>{KEY_UNKNOWN}</Message><RequestId>{request_id}</RequestId></Error>")
        kind = "application/xml"
    data = body if isinstance(body, bytes) else body.encode()
    start_response("403 Forbidden", [("Content-Type", kind), ("Content-Length", str(len(data))),
                                     *headers])
    return [data]


def _service(environ: dict) -> str:
    """The service named in the SigV4 credential scope (AKID/date/region/SERVICE/aws4_request)."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0] if "Credential=" in auth else ""
    parts = scope.split("/")
    return parts[3] if len(parts) > 3 else ""


def _cbor_map(fields: dict[str, str]) -> bytes:
    """A CBOR (RFC 8949) map of short text strings: all a CBOR error body needs."""
    def text(value: str) -> bytes:
        raw = value.encode()
        assert len(raw) < 256
        return (bytes([0x60 + len(raw)]) if len(raw) < 24 else bytes([0x78, len(raw)])) + raw

    return bytes([0xA0 + len(fields)]) + b"".join(text(k) + text(v) for k, v in fields.items())
