"""The context object of the portable runtime client: awslambdaric 4.2.2's
lambda_context.py, field for field, repr for repr (what a handler sees as ``context``).

AWS Lambda Developer Guide, "Using the Lambda context object to retrieve Python function
information": aws_request_id, function_name, function_version, invoked_function_arn,
memory_limit_in_mb, log_group_name, log_stream_name, identity, client_context and
get_remaining_time_in_millis(). The values come from the Runtime API's /next headers and
the environment variables Lambda sets.
"""
from __future__ import annotations

import os
import sys
import time

W3C_ALLOWED_FIELDS = ("traceparent", "tracestate", "baggage")


def _repr(obj, fields) -> str:
    return f"{type(obj).__name__}([" + ",".join(f"{f}={getattr(obj, f)}" for f in fields) + "])"


class _Slots:
    __slots__: tuple = ()

    def __init__(self, values: dict):
        for name in self.__slots__:
            setattr(self, name, values.get(name))

    def __repr__(self):
        return _repr(self, self.__slots__)


class CognitoIdentity(_Slots):
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")


class Client(_Slots):
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code",
                 "app_package_name")


class ClientContext(_Slots):
    __slots__ = ("custom", "env", "client")


class LambdaContext:
    def __init__(self, request_id, client_context, cognito_identity, deadline_ms,
                 invoked_function_arn=None, tenant_id=None):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a str there too
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        w3c = client_context.pop("w3c", None) if isinstance(client_context, dict) else None
        w3c = w3c if isinstance(w3c, dict) else {}
        self._w3c_fields = {k: w3c[k] for k in W3C_ALLOWED_FIELDS if isinstance(w3c.get(k), str)}
        self.client_context = None if client_context is None else ClientContext(client_context)
        if self.client_context is not None:
            client = self.client_context.client
            self.client_context.client = None if client is None else Client(client)
        identity = cognito_identity or {}
        self.identity = CognitoIdentity({
            "cognito_identity_id": identity.get("cognitoIdentityId"),
            "cognito_identity_pool_id": identity.get("cognitoIdentityPoolId")})
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def w3c(self):
        return dict(self._w3c_fields)

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return _repr(self, ("aws_request_id", "log_group_name", "log_stream_name", "function_name",
                            "memory_limit_in_mb", "function_version", "invoked_function_arn",
                            "client_context", "identity", "tenant_id"))
