"""Execution environments never outlive the backend that owns them.

Grading SIGKILLs backends; a worker process left behind would keep its memory and CPU
on a shared machine forever (AWS equivalent: when the Lambda service stops a sandbox, the
runtime in it stops too, "Lambda ... shuts down the runtime", Developer Guide 'Lambda
execution environment lifecycle', Shutdown phase).
"""
from __future__ import annotations

import json
import os
import signal

import psutil

from labkit.deploy import deploy_function
from tests.runtime.conftest import invoke, make_client, process_gone, start_server, wait_for

HANDLER = """
import os, time
def handler(event, context):
    if event.get("touch"):
        open(event["touch"], "w").close()   # tells the test the handler is running
        time.sleep(event["sleep"])          # busy: not waiting on the Runtime API
    return {"pid": os.getpid()}
"""


def test_workers_die_when_their_server_is_sigkilled(tmp_path_factory, tmp_path):
    """AWS: an execution environment exists only while the Lambda service keeps it; when it
    is shut down "Lambda ... shuts down the runtime" (Lambda Developer Guide, 'Lambda
    execution environment lifecycle', Shutdown phase). A SIGKILLed backend cannot shut its
    environments down, so each worker must notice its parent died and exit by itself, even
    one busy in a long handler call (which never talks to its Runtime API meanwhile)."""
    server = start_server(tmp_path_factory)
    try:
        lam = make_client(server.url, "lambda")
        for name in ("lifetime-a", "lifetime-b"):
            deploy_function(lam, name, HANDLER, handler="app.handler")
            invoke(lam, name)                        # a warm environment stays behind
        deploy_function(lam, "lifetime-busy", HANDLER, handler="app.handler", Timeout=900)
        touch = tmp_path / "busy"
        lam.invoke(FunctionName="lifetime-busy", InvocationType="Event",
                   Payload=json.dumps({"touch": str(touch), "sleep": 600}))
        wait_for(touch.exists, timeout=60, what="the busy handler to start")
        workers = [p.pid for p in psutil.Process(server.proc.pid).children(recursive=True)]
        warm = {invoke(lam, name)[2]["pid"] for name in ("lifetime-a", "lifetime-b")}
        assert warm <= set(workers), (warm, workers)  # the warm environments are among them
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(30)
        wait_for(lambda: all(process_gone(pid) for pid in workers), timeout=60,
                 what=f"worker processes {workers} to exit after their server was SIGKILLed")
    finally:
        server.stop()
        for pid in workers if "workers" in locals() else []:
            try:
                os.killpg(pid, signal.SIGKILL)   # never leave strays behind, even on failure
            except (ProcessLookupError, PermissionError):
                pass
