"""A meter between the learner's code and the backend: every DynamoDB call it makes, with what
DynamoDB itself answered about the items it read.

The learner's code runs in the check sandbox with this meter as its endpoint
(``AWS_ENDPOINT_URL``); the meter forwards each request unchanged to the backend, except that a
read which does not ask for ``ReturnConsumedCapacity`` is asked for ``TOTAL`` (the answer only
gains a ``ConsumedCapacity`` field the learner's code may ignore). It records per call: the
operation (``X-Amz-Target``), ``ScannedCount`` ("the number of items evaluated, before any
ScanFilter is applied", DynamoDB API Reference, Query and Scan), ``Count``, and the read units.
Only an emulator endpoint can be metered this way (on AWS the request is signed, body included).
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from labkit.isolation import local_http

READS = ("Query", "Scan", "GetItem", "BatchGetItem")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class DynamoMeter:
    def __init__(self, endpoint_url: str):
        self.endpoint_url = endpoint_url.rstrip("/")
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []
        meter = self

        class Handler(local_http.StandInHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                operation = target.split(".", 1)[1] if target.startswith("DynamoDB_") else None
                request = meter._ask_capacity(body) if operation in READS else body
                status, headers, answer = meter._forward(self.path, self.headers, request)
                if operation:
                    meter._record(operation, body, status, answer)
                self.answer(status, answer, [(key, value) for key, value in headers
                                             if key.lower() not in HOP_BY_HOP])

        self._server = local_http.serve_in_background(Handler, "lab11-meter")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @staticmethod
    def _ask_capacity(body: bytes) -> bytes:
        try:
            request = json.loads(body)
        except ValueError:
            return body
        request.setdefault("ReturnConsumedCapacity", "TOTAL")
        return json.dumps(request).encode()

    def _forward(self, path: str, headers, body: bytes) -> tuple[int, list, bytes]:
        forwarded = urllib.request.Request(self.endpoint_url + path, data=body, method="POST")
        for key, value in headers.items():
            if key.lower() not in HOP_BY_HOP:
                forwarded.add_header(key, value)
        try:
            with urllib.request.urlopen(forwarded, timeout=60) as response:
                return response.status, list(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, list(error.headers.items()), error.read()

    def _record(self, operation: str, body: bytes, status: int, answer: bytes) -> None:
        try:
            request, reply = json.loads(body or b"{}"), json.loads(answer or b"{}")
        except ValueError:
            request, reply = {}, {}
        capacity = reply.get("ConsumedCapacity") or []
        units = sum(c.get("CapacityUnits", 0.0) for c in
                    (capacity if isinstance(capacity, list) else [capacity]))
        read = reply.get("ScannedCount")
        if read is None and operation in READS:    # GetItem / BatchGetItem: the items returned
            read = 1 if reply.get("Item") else sum(len(v) for v in reply.get("Responses", {}).values())
        with self._lock:
            self._calls.append({"operation": operation, "status": status,
                                "index": request.get("IndexName"), "items_read": read or 0,
                                "items_returned": reply.get("Count"), "read_units": units,
                                "filter": "FilterExpression" in request})

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._calls)

    def stop(self) -> None:
        local_http.stop(self._server)
