"""Every lesson and solution notebook runs headless, top to bottom, against the embedded backend
(issue 2, item 3). One test per notebook, so xdist spreads them over the workers.

Each kernel gets exactly what `make lab` gives JupyterLab's kernels (kernel_environment):
AWS_ENDPOINT_URL pointing at this worker's backend, dummy credentials, a region. The backend
is reset before each notebook, so every notebook starts from an empty account as a learner
does. The harness self-test under fixtures/ runs too, so the suite tests itself even before
any lesson exists.
"""
from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path

import boto3
import nbformat
import pytest
from nbclient import NotebookClient

from labkit.kernel_client import SlicedPollKernelManager
from labkit.lab_launcher import kernel_environment
from tests.notebooks.timing_report import record

ROOT = Path(__file__).resolve().parents[2]
SELF_TEST = Path(__file__).parent / "fixtures" / "harness_selftest.ipynb"
CELL_TIMEOUT_S = 300  # per cell; generous for a loaded machine (lessons aim at <= 90 s in total)


def notebooks_to_run() -> list[Path]:
    found = [SELF_TEST]
    for folder in ("notebooks", "solutions"):
        found += sorted(p for p in (ROOT / folder).glob("*.ipynb"))
    return found


def _reset(url: str) -> None:
    req = urllib.request.Request(url + "/_labkit/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert json.loads(resp.read()) == {"reset": True}


def scratch_copy(path: Path, scratch: Path) -> Path:
    """Copy the notebook's folder to scratch and return the copy's path: lab notebooks write the
    learner's files next to themselves (%%writefile), and the repo must stay untouched."""
    folder = scratch / path.parent.name
    shutil.copytree(path.parent, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return folder / path.name


def execute(path: Path, endpoint_url: str, nb=None):
    """Run the notebook in memory (the file on disk is never rewritten), with the notebook's
    own folder as the kernel's working directory. Pass ``nb`` (read from ``path``) to keep
    what ran, and when, even if a cell fails."""
    nb = nb if nb is not None else nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, startup_timeout=180, kernel_name="python3",
                            kernel_manager_class=SlicedPollKernelManager,
                            allow_errors=False, resources={"metadata": {"path": str(path.parent)}},
                            # plain tracebacks: CI logs show escape codes, not colours
                            extra_arguments=["--InteractiveShell.colors=nocolor"])
    client.execute(env=kernel_environment(endpoint_url))
    return nb


@pytest.mark.notebooks
@pytest.mark.parametrize("path", notebooks_to_run(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_runs_headless(path: Path, server, tmp_path):
    _reset(server.url)
    name = path.relative_to(ROOT).as_posix()
    code_cells = sum(1 for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    started = time.monotonic()
    status = "failed"
    copy = scratch_copy(path, tmp_path)
    nb = nbformat.read(copy, as_version=4)
    try:
        execute(copy, server.url, nb)
        status = "passed"
    finally:
        record(name, time.monotonic() - started, status, code_cells, nb)
    if path == SELF_TEST:
        _assert_self_test_really_ran(nb, server.url)


def _assert_self_test_really_ran(nb, url: str) -> None:
    """The harness is only trustworthy if the kernel hit *this* backend and widgets rendered."""
    sqs = boto3.client("sqs", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    urls = sqs.list_queues(QueueNamePrefix="notebook-harness-selftest").get("QueueUrls", [])
    assert len(urls) == 1, "the self-test's queue is not in this worker's backend"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    # interactive() draws into an Output widget: its captured outputs live in the widget state.
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    drawn = [o for w in state.values() if w["model_name"] == "OutputModel"
             for o in w["state"].get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in drawn), "the widget's plot did not render"
