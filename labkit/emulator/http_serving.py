"""How the embedded backend serves HTTP: connections kept open between a client's calls, and
moto's per-request dispatch work done once.

werkzeug's development server (which moto's server mode uses) answers every request with
`Connection: close`, so each boto3 call paid a TCP connect and a new server thread; and
moto redoes, per request, work whose answer never changes. Neither changes what an AWS
API answers: only how fast.
"""
from __future__ import annotations

import email.parser
import http.client
import functools
import re
import select
import socket
import time
from email.utils import formatdate
from http import HTTPStatus

IDLE_CONNECTION_S = 5.0   # well above the gap between one client's calls; short enough to
                          # bound the threads an abandoned connection holds


def keep_alive_handler():
    """moto's request handler, keeping connections open (RFC 9112, 9.3): werkzeug's sends
    `Connection: close` and logs every request, so each boto3 call paid a TCP connect, a new
    thread and a log line: 0.6 of a SendMessage's 2.7 ms of server CPU (measured)."""
    from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.wsgi import LimitedStream

    class KeepAliveHandler(MotoRequestHandler):
        # An idle connection is closed after this long (socketserver applies it to every read):
        # each open one holds a thread, and a client that never closes its connections (a
        # boto3 client made per call) would otherwise pile them up until the process cannot
        # start another thread (a grading backend runs under an address-space limit).
        timeout = IDLE_CONNECTION_S

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def handle_one_request(self) -> None:
            # The idle limit races a client that reuses the connection at that very moment
            # (RFC 9112, 9.3.1): its request is on the socket when the read times out, and
            # closing would drop it unanswered ("Remote end closed connection"). Under load
            # the window is as wide as the wait for the GIL after the timeout. So a request
            # already waiting is served; only a connection with nothing to read is closed.
            try:
                self.rfile.peek(1)   # the next request, or the idle limit
            except TimeoutError:
                if not request_waiting(self.connection):
                    self.close_connection = True
                    return
                # a reader that timed out refuses further reads; it held nothing (it timed out)
                self.rfile.close()
                self.rfile = self.connection.makefile("rb", self.rbufsize)
            super().handle_one_request()

        def parse_request(self) -> bool:
            parsed = parse_request_fast(self)
            return super().parse_request() if parsed is None else parsed

        def make_environ(self) -> dict:
            # moto's adds a second pass over the headers for names with "_" (S3 metadata);
            # without one its result is werkzeug's plus an empty map of preserved names
            if any("_" in name for name in self.headers.keys()):
                return super().make_environ()
            environ = WSGIRequestHandler.make_environ(self)
            environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = {}
            return environ

        def log_error(self, format: str, *args) -> None:
            if not format.startswith("Request timed out"):  # an idle connection closing
                super().log_error(format, *args)

        def run_wsgi(self) -> None:
            length = self.headers.get("Content-Length", "0")
            if (not length.isdigit() or self.request_version != "HTTP/1.1"
                    or any(h in self.headers for h in ("Transfer-Encoding", "Expect"))):
                return super().run_wsgi()  # chunked or 100-continue bodies, HTTP/1.0: then close
            self.environ = environ = self.make_environ()
            # the next request starts after this body: what the app leaves unread is drained
            environ["wsgi.input"] = body = LimitedStream(self.rfile, int(length))
            reply = ["500 INTERNAL SERVER ERROR", [], []]  # status, headers, body chunks

            def start_response(status, headers, exc_info=None):
                reply[:2] = status, headers
                return reply[2].append

            try:
                result = self.server.app(environ, start_response)
                try:
                    reply[2].extend(result)
                finally:
                    getattr(result, "close", lambda: None)()
                body.exhaust()
            except Exception:
                import traceback
                self.log_error("Error on %s %s:\n%s", self.command, self.path,
                               traceback.format_exc())
                reply[:], self.close_connection = ["500 INTERNAL SERVER ERROR", [], []], True
            status, headers, chunks = reply
            code, payload = int(status[:3]), b"".join(chunks)
            no_body = self.command == "HEAD" or code < 200 or code in (204, 304)
            head = [f"HTTP/1.1 {status}", f"Server: {self.version_string()}",
                    f"Date: {http_date(int(time.time()))}", *(f"{k}: {v}" for k, v in headers)]
            if not no_body and not any(k.lower() == "content-length" for k, _ in headers):
                head.append(f"Content-Length: {len(payload)}")
            if self.close_connection:
                head.append("Connection: close")
            data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
            self.wfile.write(data if no_body else data + payload)

    return KeepAliveHandler


def request_waiting(connection: socket.socket) -> bool:
    """Bytes (not an end of stream) are ready to read, without waiting."""
    if not select.select([connection], [], [], 0)[0]:
        return False
    try:
        return bool(connection.recv(1, socket.MSG_PEEK))
    except OSError:
        return False


@functools.lru_cache(maxsize=2)
def http_date(second: int) -> str:
    """BaseHTTPRequestHandler.date_time_string(): whole seconds, so one formatting per second."""
    return formatdate(second, usegmt=True)


# A header line the email parser would read as one plain `name: value` (its headerRE, with no
# bare CR or LF inside, which it would split the line on): no continuation, no "From ".
_PLAIN_HEADER = re.compile(r"([\041-\071\073-\176]+):[ \t]*([^\r\n]*)\r?\n")
_MAX_LINE, _MAX_HEADERS = 65536, 100   # http.client's limits (_MAXLINE, _MAXHEADERS)


def parse_request_fast(handler) -> bool | None:
    """BaseHTTPRequestHandler.parse_request for a plain HTTP/1.1 request, with the same result:
    http.client.parse_headers runs the whole RFC 5322 email parser over the header block,
    0.3 of a SendMessage's server CPU (py-spy). Plain `name: value` lines need none of it;
    anything else goes through the standard library as before: another request line (None:
    the caller's parse_request reads it), folded or odd headers, multipart/message types."""
    requestline = str(handler.raw_requestline, "iso-8859-1").rstrip("\r\n")
    words = requestline.split()
    if (len(words) != 3 or words[2] != "HTTP/1.1" or words[1].startswith("//")
            or handler.protocol_version < "HTTP/1.1"):
        return None
    handler.requestline, handler.request_version = requestline, "HTTP/1.1"
    handler.command, handler.path = words[0], words[1]
    handler.close_connection = False  # as the standard library's, for HTTP/1.1
    try:
        handler.headers = read_headers(handler.rfile, handler.MessageClass)
    except http.client.LineTooLong as err:
        handler.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(err))
        return False
    except http.client.HTTPException as err:
        handler.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers", str(err))
        return False
    connection = handler.headers.get("Connection", "").lower()
    handler.close_connection = connection == "close"
    if handler.headers.get("Expect", "").lower() == "100-continue":
        return handler.handle_expect_100()
    return True


def read_headers(rfile, message_class):
    """http.client.parse_headers(rfile, message_class): the same message, built directly
    (as the email parser does: set_raw per header, an empty payload) when every line is plain."""
    lines = []
    while True:
        line = rfile.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            break
    if line:  # ended by the blank line, not by the connection closing
        message = message_class()
        for raw in lines[:-1]:
            plain = _PLAIN_HEADER.fullmatch(raw.decode("iso-8859-1"))
            if plain is None:
                break
            message.set_raw(plain[1], plain[2])
        else:
            if message.get_content_maintype() not in ("multipart", "message"):
                message.set_payload("")
                return message
    text = b"".join(lines).decode("iso-8859-1")
    return email.parser.Parser(_class=message_class).parsestr(text)


def own_calls_close_their_connections() -> None:
    """This process's own boto3 calls back into the server (moto's Step Functions interpreter
    calling Lambda, SQS, SNS, ...) ask for `Connection: close`, as every call had it before
    connections were kept alive. The interpreter makes a client per call with retries off
    (moto.stepfunctions.parser.asl.utils.boto_client): a kept-alive connection of one would
    sit idle until the client is garbage-collected, and one closed by the idle timeout just
    as a call reuses it would fail that call, so the saga would take its error path."""
    import boto3

    def close_after_reply(request, **_) -> None:
        request.headers["Connection"] = "close"

    boto3._get_default_session().events.register("before-send", close_after_reply)


def cache_moto_dispatch() -> None:
    """Per request moto 5.2.5 lists its package folder (~180 stats) and tries 183 URL patterns
    (get_backend_for_host), runs inspect.getmembers and converts the action name (call_action):
    0.8 of a SendMessage's 2.1 ms of server CPU (measured). The answers never change."""
    import moto.core.responses as responses
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication as dispatcher

    if not hasattr(dispatcher.get_backend_for_host, "cache_info"):
        dispatcher.get_backend_for_host = functools.lru_cache(1024)(
            dispatcher.get_backend_for_host)  # hosts are few; patterns and folder are fixed
        names = responses.method_names_from_class  # our patches add theirs before any request
        responses.method_names_from_class = functools.cache(lambda cls: frozenset(names(cls)))
        responses.camelcase_to_underscores = functools.lru_cache(4096)(
            responses.camelcase_to_underscores)


def skip_flask_debug_files_class() -> None:
    """moto runs its Flask apps in debug mode (werkzeug_app.create_backend_app), and there
    Flask builds a new class per request with a body that is not a multipart form, only to
    word the KeyError of `request.files[name]` better (flask.debughelpers): 40 us of a
    SendMessage's ~800 (measured). moto reads request.files only when it is not empty
    (BaseResponse.setup_class), where Flask attaches nothing; other Flask requests keep it."""
    from flask import debughelpers

    attach = debughelpers.attach_enctype_error_multidict
    if getattr(attach, "skips_moto_requests", False):
        return

    def attach_unless_moto(request) -> None:
        if not getattr(request, "from_wsgi_server", False):  # moto's BackendRequest
            attach(request)

    attach_unless_moto.skips_moto_requests = True
    debughelpers.attach_enctype_error_multidict = attach_unless_moto


def answer_attribute_values_as_stored() -> None:
    """moto's JSON serializer writes a DynamoDB AttributeValue from the service model, member by
    member: for each of its ten members it tries every spelling of the member's name (aliases),
    ~30 lookups per attribute, about 70% of a 10-item Query's server CPU (measured in process;
    2.1 ms of server CPU a Query, against MiniStack's 0.8). moto keeps items in the wire's own
    form ({"S": "x"}, {"M": {...}}), so an attribute whose values are strings, booleans, lists
    of strings or such attributes nested is written as it is stored: what the serializer would
    write, member for member. Anything else goes through moto (a binary, which it base64-encodes
    here; any value of another type). tests/conformance/test_moto_fast_path.py compares every
    kind of attribute answered both ways."""
    from moto.core.serialize import BaseJSONSerializer

    serialize = BaseJSONSerializer._serialize_type_structure
    if getattr(serialize, "answers_as_stored", False):
        return

    def serialize_as_stored(self, serialized, value, shape, key) -> None:
        if key and shape.name == "AttributeValue" and _as_stored(value):
            self._default_serialize(serialized, value, shape, key)
        else:
            serialize(self, serialized, value, shape, key)

    serialize_as_stored.answers_as_stored = True
    BaseJSONSerializer._serialize_type_structure = serialize_as_stored


def _as_stored(value) -> bool:
    """Is ``value`` one AttributeValue the serializer would write unchanged?"""
    if type(value) is not dict or len(value) != 1:
        return False
    [(kind, inner)] = value.items()
    if kind in ("S", "N"):
        return type(inner) is str
    if kind in ("SS", "NS"):
        return type(inner) is list and all(type(s) is str for s in inner)
    if kind in ("NULL", "BOOL"):
        return type(inner) is bool
    if kind == "M":
        return type(inner) is dict and all(type(k) is str and _as_stored(v) for k, v in inner.items())
    if kind == "L":
        return type(inner) is list and all(_as_stored(v) for v in inner)
    return False
