"""A small connection-limiting proxy for PostgreSQL: the lesson's *modelled* stand-in for RDS Proxy.

    proxy = PoolingProxy(db.port, pool_size=db.learner_limit, borrow_timeout_s=5).start()
    proxy.port                # point functions at 127.0.0.1:proxy.port instead of db.port
    proxy.stats()             # {"lent": n, "peak_lent": n, "peak_queued": n, "served": n, ...}
    proxy.stop()

What it does (session-level pooling, the simplest kind): the proxy lends at most ``pool_size``
server connections at a time. A client that connects while all are lent waits in a queue
(first come, first served); when a client disconnects its slot goes to the next one in line.
A client still waiting after ``borrow_timeout_s`` is refused with a PostgreSQL error
(SQLSTATE 53300, as the server's own refusal), so callers see the same kind of error.

What it does not do, and RDS Proxy does: it does not keep server connections open between
clients (each lent slot opens a fresh server connection and relays bytes unchanged, so it needs
no knowledge of authentication), and it does not multiplex: a client keeps its slot for its
whole session. RDS Proxy reuses a server connection at transaction boundaries and only
"pins" a client to one connection when session state (SET, temporary tables, ...) forces it.
"""
from __future__ import annotations

import asyncio
import struct
import threading

SSL_REQUEST = struct.pack("!II", 8, 80877103)     # length 8, the SSLRequest code
REFUSAL_WAIT_S = 15.0   # a refused client's first message and hang-up: capped for one that never sends


def error_response(message: str, code: str = "53300") -> bytes:
    """A PostgreSQL ErrorResponse message (protocol 3): severity FATAL, SQLSTATE, text."""
    fields = b"".join(tag + value.encode() + b"\0" for tag, value in
                      ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message)))
    body = fields + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


def _quiet_about_cancelled_tasks(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """While stopping: a client task cancelled before it ran makes Python 3.11's stream
    callback report the CancelledError as an error (fixed in 3.12); that is expected, not news."""
    if not isinstance(context.get("exception"), asyncio.CancelledError):
        loop.default_exception_handler(context)


class PoolingProxy:
    """Lends ``pool_size`` server connections to clients, queues the rest (module docstring)."""

    def __init__(self, server_port: int, pool_size: int, borrow_timeout_s: float = 5.0,
                 server_host: str = "127.0.0.1", host: str = "127.0.0.1", port: int = 0):
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.server = (server_host, server_port)
        self.pool_size, self.borrow_timeout_s = pool_size, borrow_timeout_s
        self.host, self.port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._lent = self._queued = 0      # slots lent now, clients waiting now
        # The event loop holds tasks weakly, and so do asyncio's streams their readers: once a
        # client has sent its EOF, nothing else reaches the task that waits for the server to
        # close, and the garbage collector would destroy it mid-session (Python docs,
        # asyncio.create_task: "Save a reference to the result of this function").
        self._clients: set[asyncio.Task] = set()
        self.reset()

    def reset(self) -> None:
        """Forget the counters (not the clients connected now) between experiments."""
        with self._lock:
            self._stats = {"served": 0, "refused": 0, "waited": 0, "peak_lent": 0, "peak_queued": 0}

    def stats(self) -> dict:
        with self._lock:
            return {"pool_size": self.pool_size, "lent": self._lent, "queued": self._queued,
                    **self._stats}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "PoolingProxy":
        self._thread = threading.Thread(target=self._run, name="postgres-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(10)

    def _run(self) -> None:
        self._loop = loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._slots = asyncio.Semaphore(self.pool_size)
        listener = loop.run_until_complete(asyncio.start_server(self._client, self.host, self.port))
        self.port = listener.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            listener.close()
            # connections accepted just before the close start their tasks while the first
            # ones are being cancelled: repeat until none is left, or the closed loop drops
            # them pending ("Task was destroyed but it is pending!" in the learner's notebook)
            # (bounded rounds: Python 3.11's wait_for can swallow a cancellation, bpo-42130)
            loop.set_exception_handler(_quiet_about_cancelled_tasks)
            while tasks := asyncio.all_tasks(loop):
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.wait(tasks, timeout=1))
            loop.close()

    # -- one client ----------------------------------------------------------------------
    def _count(self, **changes: int) -> None:
        with self._lock:
            for key, delta in changes.items():
                if key in ("lent", "queued"):
                    setattr(self, "_" + key, getattr(self, "_" + key) + delta)
                else:
                    self._stats[key] += delta
            self._stats["peak_lent"] = max(self._stats["peak_lent"], self._lent)
            self._stats["peak_queued"] = max(self._stats["peak_queued"], self._queued)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._clients.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._clients.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        waited = self._slots.locked()
        self._count(queued=1)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.borrow_timeout_s)
        except asyncio.TimeoutError:
            self._count(queued=-1, refused=1)
            await self._refuse(reader, writer)
            return
        self._count(queued=-1, lent=1, served=1, waited=int(waited))
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.server)
            # the slot comes back only when the *server* has closed the connection: a backend
            # still exiting holds its slot, and lending it again at once would be refused
            await asyncio.gather(self._pipe(reader, server_writer, half_close=True),
                                 self._pipe(server_reader, writer))
            await self._close(server_writer)
        except OSError:
            writer.write(error_response("proxy: cannot reach the database", code="08006"))
        finally:
            self._slots.release()
            self._count(lent=-1)
            await self._close(writer)

    async def _refuse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer as PostgreSQL does when it has no slot: an ErrorResponse, then hang up.
        The waits follow the client (its first message, its hang-up), capped only for one
        that never sends: closing sooner made a client that a busy machine slowed down get a
        broken pipe instead of the error (run 17a, with a 1 s cap)."""
        try:
            first = await asyncio.wait_for(reader.readexactly(8), REFUSAL_WAIT_S)
            if first == SSL_REQUEST:        # drivers may ask for TLS first: answer "N" (no TLS)
                writer.write(b"N")
            writer.write(error_response("proxy: no connection free within the borrow timeout"))
            await asyncio.wait_for(reader.read(), REFUSAL_WAIT_S)   # the client hangs up first
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        await self._close(writer)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter,
                    half_close: bool = False) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
            if half_close and sink.can_write_eof():
                sink.write_eof()          # "no more from the client"; still read the server
                return
        except (ConnectionError, OSError):
            pass
        await self._close(sink)

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        try:
            writer.close()
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
