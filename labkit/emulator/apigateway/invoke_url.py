"""Where a deployed API answers on the embedded backend, without DNS.

AWS serves an API at https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/{path}.
Like LocalStack (its API Gateway docs, "Invoking an API"), the backend serves it path-style:

  {server}/restapis/{api_id}/{stage}/_user_request_/{path}   REST APIs (LocalStack's older shape)
  {server}/_aws/execute-api/{api_id}/{stage}/{path}          REST and HTTP APIs

/restapis/ is also moto's control plane (CreateResource, ...): only the _user_request_
shape is ours.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

USER_REQUEST_PREFIX = "/restapis/"
EXECUTE_API_PREFIX = "/_aws/execute-api/"
_USER_REQUEST = re.compile(r"^/restapis/([^/]+)/([^/]+)/_user_request_(/.*)?$")
_EXECUTE_API = re.compile(r"^/_aws/execute-api/([^/]+)(?:/([^/]*))?(/.*)?$")


@dataclass(frozen=True)
class InvokeTarget:
    api_id: str
    stage: str | None     # None: the URL named no stage (an HTTP API's $default stage may serve it)
    path: str             # after the stage, starting with "/"
    rest_only: bool       # the _user_request_ shape names REST APIs only


def parse(path_info: str) -> InvokeTarget | None:
    """The API, stage and path an invoke URL names; None for any other path."""
    m = _USER_REQUEST.match(path_info)
    if m:
        return InvokeTarget(m.group(1), m.group(2), m.group(3) or "/", True)
    m = _EXECUTE_API.match(path_info)
    if m:
        return InvokeTarget(m.group(1), m.group(2) or None, m.group(3) or "/", False)
    return None


def rest_invoke_url(server_url: str, api_id: str, stage: str) -> str:
    return f"{server_url.rstrip('/')}{USER_REQUEST_PREFIX}{api_id}/{stage}/_user_request_"


def execute_api_url(server_url: str, api_id: str, stage: str) -> str:
    return f"{server_url.rstrip('/')}{EXECUTE_API_PREFIX}{api_id}/{stage}"
