"""Deleting or changing a function stops the execution environments that ran it."""
from __future__ import annotations

from tests.runtime.conftest import invoke, process_gone, wait_for

PID = """
import os
def handler(event, context):
    return {"pid": os.getpid()}
"""


def _alive(pid: int) -> bool:
    return not process_gone(pid)


def test_delete_function_stops_its_environments(lam, deploy):
    """AWS DeleteFunction: "Deletes a Lambda function"; its execution environments are
    shut down with it: "Lambda ... shuts down the runtime" of environments it no longer
    keeps (Lambda API reference, API_DeleteFunction; Developer Guide 'Lambda execution
    environment lifecycle', Shutdown phase). They must not linger until idle reaping."""
    name = deploy(PID)
    pid = invoke(lam, name)[2]["pid"]
    assert _alive(pid)
    lam.delete_function(FunctionName=name)
    wait_for(lambda: process_gone(pid), timeout=60,
             what="the deleted function's environment to stop")


def test_deleting_a_version_stops_only_that_versions_environments(lam, deploy):
    """AWS DeleteFunction with Qualifier deletes one version ("To delete a specific function
    version, use the Qualifier parameter", API_DeleteFunction); environments of that
    version stop, the others keep serving."""
    name = deploy(PID)
    version = lam.publish_version(FunctionName=name)["Version"]
    version_pid = invoke(lam, name, Qualifier=version)[2]["pid"]
    latest_pid = invoke(lam, name)[2]["pid"]
    assert version_pid != latest_pid
    lam.delete_function(FunctionName=name, Qualifier=version)
    wait_for(lambda: process_gone(version_pid), timeout=60,
             what="the deleted version's environment to stop")
    assert _alive(latest_pid) and invoke(lam, name)[2]["pid"] == latest_pid


def test_code_and_configuration_updates_stop_latest_environments(lam, deploy):
    """AWS: after UpdateFunctionCode or UpdateFunctionConfiguration "Lambda ... invocations
    use the new version of the function" on new execution environments; the ones running
    the old code/configuration are shut down (Developer Guide, 'Lambda execution
    environment lifecycle'; API_UpdateFunctionCode)."""
    from labkit.deploy import zip_source

    name = deploy(PID)
    pid = invoke(lam, name)[2]["pid"]
    lam.update_function_configuration(FunctionName=name, MemorySize=256)
    wait_for(lambda: process_gone(pid), timeout=60,
             what="the old-configuration environment to stop")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    pid = invoke(lam, name)[2]["pid"]
    lam.update_function_code(FunctionName=name, ZipFile=zip_source(PID + "\n# v2\n"))
    wait_for(lambda: process_gone(pid), timeout=60,
             what="the old-code environment to stop")
