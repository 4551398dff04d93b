"""Execution environments for a learner's handler: a zygote process that forks one child per
environment (a tiny Lambda sandbox), or, where fork is missing or unsafe, one process per
environment.

    python -m labkit.checks.handler_host                        (the zygote; Linux)
    python -m labkit.checks.handler_host --environment HANDLER  (one environment; elsewhere)

The zygote imports boto3 and labkit once, then waits on its control socket (the fd named by
$LABKIT_ZYGOTE_FD, a SOCK_SEQPACKET socket: one message per request and per reply). Each
request carries the handler path, the function's environment variables and two descriptors:
the environment's protocol socket and its log file. The zygote forks; the child becomes the
execution environment: it imports the handler module once (Lambda's init phase), then answers
one JSON line per event: {"ok": result} or {"error": {"errorType", "errorMessage"}}.
Forking a warm zygote makes a cold start cost milliseconds instead of a Python start-up plus
boto3 import, which is what keeps hundreds of check scenarios fast.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import sys
import time
import traceback
import uuid

class Context:
    """The parts of the Lambda context object handlers commonly use."""

    def __init__(self, function_name: str, timeout_s: float, memory_mb: int = 128):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException) -> dict:
    return {"errorType": type(exc).__name__, "errorMessage": str(exc)[:2000],
            "stackTrace": traceback.format_exception(exc)[-5:]}


def run_environment(protocol: socket.socket, path: str, env: dict[str, str], cwd: str) -> None:
    """The child: become the function's execution environment and serve events."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    reader = protocol.makefile("r", encoding="utf-8")
    writer = protocol.makefile("w", encoding="utf-8")

    def send(reply: dict) -> None:
        writer.write(json.dumps(reply) + "\n")
        writer.flush()  # socket text files are never line-buffered

    timeout_s = float(env.get("LABKIT_HANDLER_TIMEOUT", "10"))
    cpu_before = time.process_time()
    try:
        spec = importlib.util.spec_from_file_location("learner_handler", path)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        spec.loader.exec_module(module)
        handler = getattr(module, env.get("LABKIT_HANDLER_NAME", "handler"))
    except BaseException as exc:  # init failed: Lambda reports Runtime.ImportModuleError
        send({"init_error": _error(exc)})
        return
    # the init's own CPU time: unlike wall time, barely moved by other load on the machine
    send({"ready": True, "init_cpu_ms": (time.process_time() - cpu_before) * 1000})
    function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "learner-function")
    memory_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    for line in reader:
        event = json.loads(line)
        try:
            result = handler(event, Context(function_name, timeout_s, memory_mb))
            reply = {"ok": json.loads(json.dumps(result, default=str))}
        except BaseException as exc:  # noqa: BLE001 - every failure is the handler's answer
            reply = {"error": _error(exc)}
        send(reply)


def zygote() -> None:
    import boto3  # noqa: F401 - imported once here, inherited by every forked environment
    import botocore.session  # noqa: F401

    import labkit.faults  # noqa: F401

    # Warm boto3's default session: forked environments inherit its parsed service models,
    # so their own boto3.client(...) calls skip the JSON loading (credentials, region and
    # endpoint are still resolved in the child, from the function's environment).
    boto3.setup_default_session()
    for service in ("dynamodb", "sqs", "sns", "lambda"):
        boto3.client(service, region_name="us-east-1", aws_access_key_id="warm",
                     aws_secret_access_key="warm", endpoint_url="http://127.0.0.1:9")

    control = socket.socket(fileno=int(os.environ.pop("LABKIT_ZYGOTE_FD")))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(control, 1 << 20, 2)
        except OSError:
            return
        if not msg:
            return  # the checker went away: so do we
        request = json.loads(msg)
        if "kill" in request:
            control.send(json.dumps({"killed": True,
                                     "exit_code": _kill_and_reap(request["kill"])}).encode())
            continue
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                os.setsid()
                protocol = socket.socket(fileno=fds[0])
                os.dup2(fds[1], 1)  # the learner's prints and tracebacks go to the log
                os.dup2(fds[1], 2)
                sys.stdout = os.fdopen(1, "w", buffering=1)
                sys.stderr = os.fdopen(2, "w", buffering=1)
                run_environment(protocol, request["handler"], request["env"], request["cwd"])
            except BaseException:  # noqa: BLE001 - say why in the environment's log
                traceback.print_exc()
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"pid": pid}).encode())


def _kill_and_reap(pid: int) -> int | None:
    """Kill an environment's session and reap it. Only here: an environment that exits on its
    own stays a zombie until then, so its pid, which is also its group's id, cannot be given to
    another process while the checker may still ask for this kill. -> its exit status, as
    subprocess gives it (an exit code, or minus the signal); None if it was not ours."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:   # not ours, or reaped already
        return None


def environment(handler: str) -> None:
    """One execution environment started as its own process (no fork: see sandbox.Spawner).
    It connects back to the checker's one-time port and proves it is the process the checker
    started with the token it was given."""
    host, port = os.environ.pop("LABKIT_ENV_CONNECT").rsplit(":", 1)
    token = os.environ.pop("LABKIT_ENV_TOKEN")
    protocol = socket.create_connection((host, int(port)))
    protocol.sendall((token + "\n").encode())
    run_environment(protocol, handler, dict(os.environ), os.getcwd())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--environment"]:
        environment(sys.argv[2])
    else:
        zygote()
