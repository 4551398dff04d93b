"""A Lambda runtime client in pure Python, for where awslambdaric cannot be installed.

    python -m labkit.emulator.runtime.portable_client module.handler

It speaks the Lambda Runtime API (AWS Lambda Developer Guide, "Using the Lambda runtime
API for custom runtimes", https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
import the handler once (INIT; a failure goes to POST /runtime/init/error and the process
exits), then loop: GET /runtime/invocation/next, run the handler, POST .../response or
.../error. Everything a function can observe copies awslambdaric 4.2.2, the client the AWS
Python runtimes run (the awslambdaric file is named where it matters): error documents,
log lines in text and JSON format, the context object, _X_AMZN_TRACE_ID, stdout/stderr.
Not copied, because labkit's Runtime API never asks for them: SnapStart hooks, the
multi-concurrency mode, the telemetry log fd. Known difference: awslambdaric's simplejson
writes a namedtuple as an object; the stdlib json writes a list.

One keep-alive HTTP connection with TCP_NODELAY, as AWS's native client keeps.
"""
from __future__ import annotations

import decimal
import importlib
import json
import logging
import math
import os
import re
import select
import socket
import sys
import threading
import time
import traceback

from labkit.emulator.runtime.portable_context import LambdaContext

PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_LOG_IDENT = "\u00a0"  # bootstrap.py: stack-trace indentation becomes NO-BREAK SPACE
UNHANDLED_WARNING = (  # lambda_literals.py, logged before an INIT error
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function "
    "code. However, in rare cases, a Lambda runtime update can cause unexpected function "
    "behavior. For functions using managed runtimes, runtime updates can be triggered by a "
    "function change, or can be applied automatically. To determine if the runtime has been "
    "updated, check the runtime version in the INIT_START log entry. If this error correlates "
    "with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r")
# lambda_runtime_marshaller.py: these runtimes write non-ASCII characters as they are
UNESCAPED_RUNTIMES = {f"AWS_Lambda_python3.{minor}" for minor in (12, 13, 14, 15)}


class Fault(Exception):
    """A failure the runtime itself names (lambda_runtime_exception.FaultException)."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None):
        super().__init__(message)
        self.error_type, self.message, self.trace = error_type, message, trace


# -- JSON, as lambda_runtime_marshaller.py writes it (simplejson there, stdlib here) --------------
_RAW = "\x00raw-decimal-" + os.urandom(6).hex() + "-"   # stands in for a Decimal until written
_RAW_QUOTED = re.compile('"' + re.escape(json.dumps(_RAW)[1:-1]) + r'(\d+)"')


def to_json(obj, ensure_ascii: bool = True) -> str:
    """A Decimal is written as its exact digits (simplejson's RawJSON), a NaN Decimal as NaN."""
    raw: list[str] = []

    def default(o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            raw.append(str(o))
            return f"{_RAW}{len(raw) - 1}"
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")

    text = json.dumps(obj, ensure_ascii=ensure_ascii, allow_nan=True, default=default)
    return _RAW_QUOTED.sub(lambda m: raw[int(m.group(1))], text) if raw else text


# -- the handler (bootstrap._get_handler) ------------------------------------------------------
def load_handler(handler: str):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}")
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise Fault("Runtime.BuiltInModuleConflict",
                        f"Cannot use built-in module {modname} as a handler module")
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}")
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}", trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'")


# -- error documents and how they are logged (bootstrap.py) --------------------------------------
def make_error(message, error_type, stack_trace, request_id=None) -> dict:
    return {"errorMessage": message or "", "errorType": error_type or "",
            "requestId": request_id if request_id is not None else "",
            "stackTrace": stack_trace or []}


def error_from_exception(exc: BaseException, request_id=None) -> dict:
    """The stack trace starts at the user's first frame: this module's frames are dropped."""
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, frame in enumerate(frames) if frame.filename != __file__), 0)
    tuples = [(f.filename, f.lineno, f.name, f.line) for f in frames[first:]]
    return make_error(str(exc), type(exc).__name__, traceback.format_list(tuples), request_id)


def log_error(error: dict, json_format: bool, ensure_ascii: bool) -> None:
    if json_format:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", logging.Formatter.converter(time.time()))
        sys.stdout.write(to_json({"timestamp": stamp, "level": "ERROR", **error}, ensure_ascii) + "\n")
        return
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        description += (":" if error.get("errorType") else "") + " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        if element == "":
            lines.append("")
        for line in element.splitlines():
            indent = len(line) - len(line.lstrip(" "))
            lines.append(ERROR_LOG_IDENT * indent + line[indent:])
    sys.stdout.write("\r".join(lines) + "\n")   # one CloudWatch event: lines joined by \r


# -- logging (bootstrap._setup_logging, lambda_runtime_log_utils.py) -----------------------------
_request = {"id": None, "tenant": None}   # what the log filter stamps on every record
_RESERVED = {"name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
             "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
             "relativeCreated", "thread", "threadName", "processName", "process",
             "aws_request_id", "tenant_id", "_frame_type"}
_encode_log_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record: logging.LogRecord) -> str:
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.msg if isinstance(record.msg, dict) and not record.args
            else record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update((k, v) for k, v in record.__dict__.items()
                      if k not in _RESERVED and k not in result)
        return _encode_log_json({k: v for k, v in result.items() if v is not None}) + "\n"


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        sys.stdout.write(self.format(record))


class LambdaLoggerHandlerWithFrameType(LambdaLoggerHandler):
    """awslambdaric's name for the handler when the format is JSON or a level is set."""


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request["id"] or ""
        record.tenant_id = _request["tenant"]
        return True


def setup_logging(json_format: bool, level: str) -> None:
    logging.Formatter.converter = time.gmtime
    handler = (LambdaLoggerHandlerWithFrameType if json_format or level else LambdaLoggerHandler)()
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
        "%Y-%m-%dT%H:%M:%S"))
    if level in logging._nameToLevel:
        logging.getLogger().setLevel(level)
    handler.addFilter(LambdaLoggerFilter())
    logging.getLogger().addHandler(handler)


class Unbuffered:
    """bootstrap.Unbuffered: every write reaches the log at once."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


# -- the Runtime API connection --------------------------------------------------------------------
class RuntimeApi:
    """HTTP/1.1 on one keep-alive connection with TCP_NODELAY (a small POST right after a
    small GET: without it Nagle + delayed ACK cost ~40 ms a round trip). Not http.client:
    importing it pulls in ssl and email, +20 ms of cold start and +7 MB resident in every
    worker, which would show in Init Duration and Max Memory Used."""

    def __init__(self, address: str):
        host, _, port = address.rpartition(":")
        self.address = (host, int(port))
        self.sock: socket.socket | None = None

    def connect(self) -> None:
        # not socket.create_connection: its getaddrinfo imports the idna codec (~8 ms)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.connect(self.address)
        self.reader = self.sock.makefile("rb")

    def call(self, method: str, path: str, expect: int, body: bytes = b"",
             headers: dict | None = None) -> tuple[bytes, dict[str, str]]:
        """-> (body, headers with lower-case names); raises unless the status is ``expect``."""
        if self.sock is None:
            self.connect()
        lines = [f"{method} {PREFIX}{path} HTTP/1.1", f"Host: {self.address[0]}:{self.address[1]}",
                 f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = self.reader.readline()
        if not status_line:
            raise ConnectionError("the Runtime API closed the connection")
        found = {}
        while (line := self.reader.readline()).strip():
            name, _, value = line.decode("latin-1").partition(":")
            found[name.strip().lower()] = value.strip()
        data = self.reader.read(int(found.get("content-length") or 0))
        if found.get("connection", "").lower() == "close":
            self.sock.close()
            self.sock = None
        status = int(status_line.split()[1])
        if status != expect:
            raise RuntimeError(f"Request to Lambda Runtime '{PREFIX + path}' endpoint failed. "
                               f"Reason: '{status}'. Response body: '{data!r}'")
        return data, found


def exit_when_server_dies(api: RuntimeApi, handler_running: threading.Event) -> None:
    """A worker whose server died must stop, even in a long handler call. On Linux the
    kernel sees to it (spawn.py, PR_SET_PDEATHSIG); elsewhere the worker does: while the
    handler runs the Runtime API connection is silent, so if it becomes readable, the
    server's end has closed."""
    while True:
        handler_running.wait()
        sock = api.sock
        try:
            if not select.select([sock], [], [], 1.0)[0] or not handler_running.is_set():
                continue
            gone = sock.recv(1, socket.MSG_PEEK) == b""
        except ConnectionError:
            gone = True
        except (OSError, ValueError, TypeError):  # no socket now: the main thread replaces it
            time.sleep(0.1)
            continue
        if gone:
            os._exit(1)


def _header_json(headers, name: str, what: str):
    value = headers.get(name.lower())
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as e:
        raise Fault("Runtime.LambdaContextUnmarshalError", f"Unable to parse {what} JSON: {e}")


# -- one invocation (bootstrap.handle_event_request) -------------------------------------------
def handle(api: RuntimeApi, handler, body: bytes, headers, ensure_ascii: bool, json_logs: bool):
    request_id = headers.get("lambda-runtime-aws-request-id")
    try:
        context = LambdaContext(
            request_id, _header_json(headers, "Lambda-Runtime-Client-Context", "Client Context"),
            _header_json(headers, "Lambda-Runtime-Cognito-Identity", "Cognito Identity"),
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"))
        event = body
        if headers.get("content-type") == "application/json":
            try:
                event = json.loads(body)
            except Exception as e:
                raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {e}")
        response = handler(event, context)
        if isinstance(response, bytes):
            result = response
        else:
            try:
                result = to_json(response, ensure_ascii).encode()
            except Exception as e:
                raise Fault("Runtime.MarshalError", f"Unable to marshal response: {e}")
    except Fault as e:
        error = make_error(e.message, e.error_type, e.trace, request_id)
    except Exception as e:
        error = error_from_exception(e, request_id)
    else:
        return api.call("POST", f"/invocation/{request_id}/response", 202, result)
    log_error(error, json_logs, ensure_ascii)
    api.call("POST", f"/invocation/{request_id}/error", 202, to_json(error, ensure_ascii).encode(),
             {ERROR_TYPE_HEADER: error["errorType"], "Content-Type": "application/json"})


# -- the runtime (bootstrap.run) -----------------------------------------------------------------
def boot() -> tuple[RuntimeApi, threading.Event]:
    """The runtime's own start-up, before any function code: connect to the Runtime API
    and start the watch on it (a pre-started interpreter does this ahead of time)."""
    api = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    api.connect()
    handler_running = threading.Event()
    threading.Thread(target=exit_when_server_dies, args=(api, handler_running),
                     name="server-watch", daemon=True).start()
    return api, handler_running


def main(handler_name: str, booted: tuple[RuntimeApi, threading.Event] | None = None) -> None:
    api, handler_running = booted or boot()
    sys.stdout, sys.stderr = Unbuffered(sys.stdout), Unbuffered(sys.stderr)
    json_logs = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    ensure_ascii = os.environ.get("AWS_EXECUTION_ENV") not in UNESCAPED_RUNTIMES
    error = None
    try:
        setup_logging(json_logs, level)
        if os.environ.get("AWS_EXECUTION_ENV") == "AWS_Lambda_python3.15" and not os.environ.get(
                "LAMBDA_DISABLE_PREVIEW_WARN"):   # lambda_literals.py
            docs = "amazonaws.cn" if os.environ.get("AWS_REGION", "").startswith("cn-") else "aws.amazon.com"
            logging.warning("LAMBDA_WARNING: This is a preview runtime version and should not be "
                            "used for production workloads. For further information and to "
                            f"provide feedback, see https://docs.{docs}/lambda/latest/dg/"
                            "lambda-runtimes.html\r")
        handler = load_handler(handler_name)
    except Fault as e:
        error = make_error(e.message, e.error_type, e.trace)
    except Exception as e:
        error = error_from_exception(e)
    if error is not None:
        logging.warning(UNHANDLED_WARNING)
        log_error(error, json_logs, ensure_ascii)
        api.call("POST", "/init/error", 202, to_json(error, ensure_ascii).encode(),
                 {ERROR_TYPE_HEADER: error["errorType"]})
        sys.exit(1)

    while True:
        body, headers = api.call("GET", "/invocation/next", 200)
        _request["id"] = headers.get("lambda-runtime-aws-request-id")
        _request["tenant"] = headers.get("lambda-runtime-aws-tenant-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handler_running.set()
        try:
            handle(api, handler, body, headers, ensure_ascii, json_logs)
        finally:
            handler_running.clear()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise ValueError("Handler not set")
    main(sys.argv[1])
