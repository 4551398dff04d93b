"""The X-Ray trace header of the API request a thread is serving, for the patches that carry a
traced caller's trace on through SQS, SNS, Invoke and Step Functions (xray_*_trace_header).

An AWS SDK that X-Ray or Powertools Tracer instruments sends its trace as the HTTP header
X-Amzn-Trace-Id (AWS X-Ray Developer Guide, "Tracing header"). moto reads no such header, but
it serves each request on one thread and does the request's work (a send, a delivery, an
invocation) on that same thread: so the header is noted while the response method runs and
read where the work is done.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

TRACE_HTTP_HEADER = "X-Amzn-Trace-Id"


def _http_header(response: Any) -> str | None:
    return response.headers.get(TRACE_HTTP_HEADER)


class ServedTraceHeader:
    """The trace header of the request this thread is serving through a wrapped moto response
    method, or None outside one. ``read`` takes it from the moto response object."""

    def __init__(self, read: Callable[[Any], str | None] = _http_header):
        self._local = threading.local()
        self._read = read

    @property
    def value(self) -> str | None:
        return getattr(self._local, "header", None)

    def noted_while(self, action: Callable) -> Callable:
        """``action`` (a moto response method), with its request's header noted while it runs."""
        @functools.wraps(action)
        def serve(response):
            self._local.header = self._read(response)
            try:
                return action(response)
            finally:
                self._local.header = None
        return serve

    def continued_by(self, runtime: Any) -> None:
        """Functions the Lambda runtime starts while such a request is served continue its trace
        (unless the invocation names a header of its own)."""
        runtime_dispatch = runtime.dispatch

        @functools.wraps(runtime_dispatch)
        def dispatch(fn, payload, qualifier, invocation_type, request_id=None, *,
                     trace_header=None):
            return runtime_dispatch(fn, payload, qualifier, invocation_type, request_id,
                                    trace_header=trace_header or self.value)

        runtime.dispatch = dispatch
