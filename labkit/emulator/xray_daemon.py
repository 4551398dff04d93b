"""The X-Ray daemon beside the embedded backend: the "xray-daemon" server component.

In Lambda the X-Ray daemon listens on UDP (AWS_XRAY_DAEMON_ADDRESS) and relays what the
X-Ray SDK sends from the function to the X-Ray API (AWS X-Ray Developer Guide, "AWS X-Ray
daemon"). The protocol (same guide, "Sending segment documents to the X-Ray daemon"): each
datagram is the header ``{"format": "json", "version": 1}``, a newline, and one segment
(or subsegment) document. Documents go into moto's X-Ray backend through its own
PutTraceSegments code path (XRayBackend.process_segment), so GetTraceSummaries and
BatchGetTraces serve them. The Lambda runtime records its own segments here too
(runtime/trace_segments.py: TraceSink).
"""
from __future__ import annotations

import json
import os
import queue
import socket
import sys
import threading
from collections import OrderedDict
from typing import Any

from labkit.emulator.runtime.config import DEFAULT_ACCOUNT
from labkit.emulator.runtime.environment import XRAY_DAEMON_ENV

HEADER = {"format": "json", "version": 1}
MAX_DATAGRAM = 64 * 1024          # the daemon's UDP buffer: one document per datagram
# The kernel's queue for the socket. UDP drops what does not fit while nobody reads, and this
# daemon shares a process (and its GIL) with the backend: on a busy machine its thread may not
# run for a while. Linux silently caps the request at net.core.rmem_max (4 MiB on the kit's CI
# machine, often 208 KiB elsewhere: the second thread is what keeps the queue short); macOS
# refuses a request above kern.ipc.maxsockbuf, so smaller sizes are tried.
RECEIVE_BUFFER_BYTES = (4 * 1024 * 1024, 1024 * 1024, 256 * 1024)
REMEMBERED_TRACES = 10_000        # trace -> (account, region): enough for a lab session


def split_datagram(data: bytes) -> str | None:
    """The document of one daemon-protocol datagram, or None when the header is wrong."""
    head, sep, document = data.partition(b"\n")
    if not sep:
        return None
    try:
        if json.loads(head) != HEADER:
            return None
    except ValueError:
        return None
    return document.decode("utf-8", errors="replace")


class XRayDaemon:
    name = "xray-daemon"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = ""):
        self.host, self.port = host, port
        self.region = region or os.environ.get("AWS_DEFAULT_REGION") or \
            os.environ.get("AWS_REGION") or "us-east-1"
        self._sock: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._received: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._lock = threading.Lock()     # moto's segment collection is a plain dict + list
        self._where: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self.stats = {"datagrams": 0, "documents": 0, "rejected": 0}

    # -- component protocol ----------------------------------------------------------------
    def start(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for size in RECEIVE_BUFFER_BYTES:
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
                break
            except OSError:
                continue
        self._sock.bind((self.host, self.port))
        self.port = self._sock.getsockname()[1]
        self._sock.settimeout(0.5)     # a blocked recvfrom does not notice close(): poll
        os.environ[XRAY_DAEMON_ENV] = self.daemon_address   # workers started from now on
        # one thread only empties the socket, another records: recording (JSON, moto's
        # process_segment, under a lock) never keeps datagrams waiting in the kernel's queue
        self._threads = [
            threading.Thread(target=self._receive, name="xray-daemon-receive", daemon=True),
            threading.Thread(target=self._record_received, name="xray-daemon-record", daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        if os.environ.get(XRAY_DAEMON_ENV) == self.daemon_address:
            os.environ.pop(XRAY_DAEMON_ENV, None)
        if self._sock is not None:
            sock, self._sock = self._sock, None
            sock.close()      # recvfrom fails: the receiving thread ends, and ends the other

    def reset(self) -> None:
        with self._lock:
            self._where.clear()

    def health(self) -> dict[str, Any]:
        return {"address": self.daemon_address, **self.stats}

    # -- TraceSink (runtime/trace_segments.py) --------------------------------------------
    @property
    def daemon_address(self) -> str:
        return f"{self.host}:{self.port}"

    def expect(self, trace_id: str, account: str, region: str) -> None:
        """Documents of ``trace_id`` belong to this account and region (the function's)."""
        with self._lock:
            self._where[trace_id] = (account, region)
            self._where.move_to_end(trace_id)
            while len(self._where) > REMEMBERED_TRACES:
                self._where.popitem(last=False)

    def record(self, account: str, region: str, documents: list[str]) -> None:
        from moto.xray.models import xray_backends
        from moto.xray.exceptions import BadSegmentException

        backend = xray_backends[account][region]
        for document in documents:
            try:
                with self._lock:
                    backend.process_segment(document)
                self.stats["documents"] += 1
            except BadSegmentException as exc:   # as PutTraceSegments: skip the bad one
                self.stats["rejected"] += 1
                print(f"labkit xray-daemon: segment rejected: {exc.to_dict()}", file=sys.stderr)

    # -- UDP ---------------------------------------------------------------------------------
    def _receive(self) -> None:
        try:
            while True:
                sock = self._sock
                if sock is None:
                    return        # stopped
                try:
                    data, _ = sock.recvfrom(MAX_DATAGRAM)
                except socket.timeout:
                    continue
                except OSError:
                    return        # closed by stop()
                self.stats["datagrams"] += 1
                self._received.put(data)
        finally:
            self._received.put(None)

    def _record_received(self) -> None:
        while (data := self._received.get()) is not None:
            document = split_datagram(data)
            if document is None:
                self.stats["rejected"] += 1
                continue
            try:
                self.record(*self.owner_of(_trace_id(document)), [document])
            except Exception as exc:   # one bad datagram must not stop the daemon
                self.stats["rejected"] += 1
                print(f"labkit xray-daemon: {exc!r}", file=sys.stderr)

    def owner_of(self, trace_id: str | None) -> tuple[str, str]:
        """Account and region of a trace: its function's (see expect), else the default."""
        with self._lock:
            return self._where.get(trace_id or "") or (DEFAULT_ACCOUNT, self.region)


def _trace_id(document: str) -> str | None:
    try:
        return json.loads(document).get("trace_id")
    except (ValueError, AttributeError):
        return None
