"""`labkit grade` end to end (issue 5, items 4 and 5): one class with the solution, the
starter and every hostile submission, graded in one parallel run; each becomes a row with a
clear status, never a crashed run. Plus resume after kill -9.

The hostile notebooks are the solution with one cell added (and the checker cells removed, to
keep the suite fast): a failing cell before the handler cell shows that later tasks still get
graded; one after it shows the checks still run.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from tests.grading.lost_points import lost_points

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "99_example.ipynb"
STARTER = ROOT / "labs" / "99_example.ipynb"
NOTEBOOK = "99_example.ipynb"
SEED = f"instructor-{uuid.uuid4().hex}"
CELL_TIMEOUT = 20


def _load(path: Path, keep_checks: bool = False):
    nb = nbformat.read(path, as_version=4)
    if not keep_checks:
        nb.cells = [c for c in nb.cells if not c.source.startswith("check(")]
    return nb


def _handler_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.source.startswith("%%writefile"))


def _with_cell(source: str, before_handler: bool, base: Path = SOLUTION):
    nb = _load(base)
    i = _handler_index(nb)
    nb.cells.insert(i if before_handler else i + 1, new_code_cell(source))
    return nb


def _edited_checks(base: Path):
    """Checker cells deleted or edited to print a fake success."""
    nb = _load(base, keep_checks=True)
    checks = [i for i, c in enumerate(nb.cells) if c.source.startswith("check(")]
    nb.cells[checks[0]].source = 'print("All checks passed: 24/24")'
    del nb.cells[checks[-1]]
    return nb


def _never_returns():
    nb = _load(SOLUTION)
    cell = nb.cells[_handler_index(nb)]
    cell.source = cell.source.replace(
        "def handler(event, context):\n",
        "def handler(event, context):\n    while True:\n        time.sleep(1)\n", 1)
    return nb


SPY = r'''
import glob, json, os
found = {"env": dict(os.environ), "proc": {}, "written": []}
for path in glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ"):
    try:
        found["proc"][path] = open(path, "rb").read().decode(errors="replace")
    except OSError:
        pass
# try to write into every folder any process mentions
words = " ".join(found["proc"].values()).replace("\x00", " ").replace("=", " ").split()
for word in set(words):
    if word.startswith("/") and os.path.isdir(word) and word.rstrip("/") not in (
            "/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue"):
        try:
            open(os.path.join(word, "pwned.txt"), "w").write("pwned")
            found["written"].append(word)
        except OSError:
            pass
with open(EXFIL, "a") as f:
    f.write(json.dumps(found) + "\n")
'''


def _spy(exfil: str):
    nb = _load(SOLUTION)
    nb.cells.insert(_handler_index(nb) + 1, new_code_cell(f"EXFIL = {exfil!r}\n{SPY}"))
    # The handler spies too, at init time, from the checks' sandbox: in the first environments
    # only. Each environment is as privileged as the next, and a spy reads every process's
    # /proc: on a busy machine (run 13b) its init took long enough to cost the solution a check.
    spy_once = "import os\nif not os.path.exists(EXFIL + '.done'):\n" + "".join(
        f"    {line}\n" if line else "\n" for line in SPY.strip("\n").split("\n"))
    spy_once += "    try:\n        open(EXFIL + '.done', 'w').close()\n    except OSError:\n        pass\n"
    cell = nb.cells[_handler_index(nb)]
    cell.source = cell.source.replace("dynamodb = boto3.client(\"dynamodb\")\n",
                                      "dynamodb = boto3.client(\"dynamodb\")\n"
                                      f"EXFIL = {exfil!r}\n{spy_once}\n", 1)
    return nb


def _lambda_spy(exfil: str):
    """The notebook deploys a Lambda function that spies: its code runs in the grading
    backend's worker processes, which must be as unprivileged as the kernel."""
    nb = _load(SOLUTION)
    source = f"EXFIL = {exfil!r}\n{SPY}\n\ndef handler(event, context):\n    return 'spied'\n"
    nb.cells.insert(_handler_index(nb) + 1, new_code_cell(
        "import boto3\nfrom labkit.deploy import deploy_function\n"
        "lam = boto3.client('lambda')\n"
        f"deploy_function(lam, 'spy', {source!r})\n"
        "assert lam.invoke(FunctionName='spy')['Payload'].read() == b'\"spied\"'"))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    root, out = base / "root", base / "out"
    exfil = f"/tmp/labkit-exfil-{uuid.uuid4().hex}.jsonl"
    lambda_exfil = f"/tmp/labkit-exfil-lambda-{uuid.uuid4().hex}.jsonl"
    notebooks = {
        "solution": _load(SOLUTION, keep_checks=True),
        "starter": _load(STARTER, keep_checks=True),
        "infinite-loop": _with_cell("while True:\n    pass", before_handler=True),
        "os-exit": _with_cell("import os\nos._exit(1)", before_handler=False),
        "kernel-death": _with_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
                                   before_handler=True),
        "syntax-error": _with_cell("def broken(:\n    pass", before_handler=True),
        "edited-checks-solution": _edited_checks(SOLUTION),
        "edited-checks-starter": _edited_checks(STARTER),
        "huge-output": _with_cell('print("x" * 100_000_000)', before_handler=False),
        "memory-hog": _with_cell("hog = bytearray(4 * 1024 ** 3)", before_handler=False),
        "never-returns": _never_returns(),
        "spy": _spy(exfil),
        "lambda-spy": _lambda_spy(lambda_exfil),
    }
    for learner, nb in notebooks.items():
        (root / learner).mkdir(parents=True)
        nbformat.write(nb, root / learner / NOTEBOOK)
    (root / "corrupt").mkdir()
    (root / "corrupt" / NOTEBOOK).write_bytes(b"\x00\x01 this is not json")
    (root / "no-notebook").mkdir()
    (root / "no-notebook" / "notes.txt").write_text("forgot to upload")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "grade", str(root), "--out", str(out),
         "--seed", SEED, "--workers", "2", "--timeout", str(CELL_TIMEOUT)],
        capture_output=True, text=True, cwd=ROOT, timeout=1500)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "summary.csv") as f:
        rows = {r["learner"]: r for r in csv.DictReader(f)}
    yield {"root": root, "out": out, "rows": rows, "exfil": exfil, "lambda_exfil": lambda_exfil,
           "elapsed": elapsed, "stdout": proc.stdout}
    for path in (exfil, exfil + ".done", lambda_exfil):
        if os.path.exists(path):
            os.unlink(path)


FULL = "24"


def test_every_submission_is_a_row(graded):
    assert set(graded["rows"]) == {
        "solution", "starter", "infinite-loop", "os-exit", "kernel-death", "syntax-error",
        "edited-checks-solution", "edited-checks-starter", "huge-output", "memory-hog",
        "never-returns", "spy", "lambda-spy", "corrupt", "no-notebook"}
    assert list(next(iter(graded["rows"].values())))[:5] == ["learner", "lab", "score", "max",
                                                             "status"]


def test_solution_full_marks_starter_zero(graded):
    rows = graded["rows"]
    assert (rows["solution"]["score"], rows["solution"]["max"], rows["solution"]["status"]) == \
        (FULL, FULL, "ok")
    assert (rows["starter"]["score"], rows["starter"]["status"]) == ("0", "ok")


def test_infinite_loop_is_interrupted_and_later_cells_still_graded(graded):
    row = graded["rows"]["infinite-loop"]
    assert "timed out" in row["status"] and row["score"] == FULL


def test_os_exit_after_the_handler_is_kernel_death_but_checks_run(graded):
    row = graded["rows"]["os-exit"]
    assert "kernel died" in row["status"] and row["score"] == FULL


def test_kernel_death_before_the_handler_scores_zero_with_reason(graded):
    row = graded["rows"]["kernel-death"]
    assert "kernel died" in row["status"] and row["score"] == "0"
    grades = _grades(graded, "kernel-death")
    assert all("did not write lab99_payment.py" in g["detail"] for g in grades if g["hidden"] == "False")


def test_syntax_error_does_not_zero_the_rest(graded):
    row = graded["rows"]["syntax-error"]
    assert "SyntaxError" in row["status"] and row["score"] == FULL


def test_edited_checker_cells_change_nothing(graded):
    """The checks live in the grader, not in the notebook."""
    assert graded["rows"]["edited-checks-solution"]["score"] == FULL
    assert graded["rows"]["edited-checks-starter"]["score"] == "0"


def test_huge_output_is_dropped_not_fatal(graded):
    row = graded["rows"]["huge-output"]
    assert "size limit" in row["status"] and row["score"] == FULL


def test_memory_hog_hits_the_limit(graded):
    row = graded["rows"]["memory-hog"]
    assert "MemoryError" in row["status"] and row["score"] == FULL


def test_handler_that_never_returns_fails_its_checks_in_bounded_time(graded):
    row = graded["rows"]["never-returns"]
    # the notebook's own try-it cells call the handler too: they time out, the run goes on
    assert row["score"] == "0" and "timed out" in row["status"]
    assert float(row["seconds"]) < 300
    assert any("did not return" in g["detail"] for g in _grades(graded, "never-returns"))


def test_corrupt_and_missing_notebooks(graded):
    assert graded["rows"]["corrupt"]["status"].startswith("not a notebook")
    assert graded["rows"]["corrupt"]["score"] == "0"
    assert graded["rows"]["no-notebook"]["status"].startswith("no lab notebook found")


def test_learner_code_cannot_see_the_seed_or_the_output_folder(graded):
    exfil = Path(graded["exfil"])
    assert exfil.exists(), "the spy code did not run"
    text = exfil.read_text()
    assert len(text.splitlines()) >= 2  # the kernel and at least one handler environment
    assert SEED not in text
    assert str(graded["out"]) not in text
    assert not list(graded["out"].rglob("pwned.txt"))
    assert graded["rows"]["spy"]["score"] == FULL, lost_points(json.loads(
        (graded["out"] / "results" / f"spy-{NOTEBOOK[:-6]}.json").read_text()))


def test_lambda_functions_the_notebook_deploys_cannot_see_the_seed_either(graded):
    """Without the backend started unprivileged, this worker ran as root and could read the
    grader's environment (/proc/PID/environ keeps the seed) and write into DIR."""
    exfil = Path(graded["lambda_exfil"])
    assert exfil.exists(), "the Lambda function's spy code did not run"
    text = exfil.read_text()
    assert SEED not in text
    assert not list(graded["out"].rglob("pwned.txt"))
    assert graded["rows"]["lambda-spy"]["status"] == "ok", graded["rows"]["lambda-spy"]


def test_outputs(graded):
    out = graded["out"]
    grades = list(csv.DictReader(open(out / "grades.csv")))
    assert {"learner", "lab", "task", "check", "points", "max", "passed", "hidden",
            "detail"} <= set(grades[0])
    hidden_failed = [g for g in grades if g["hidden"] == "True" and g["passed"] == "False"
                     and g["learner"] == "starter"]
    assert hidden_failed and all("hidden scenarios" in g["detail"] for g in hidden_failed)
    canvas = list(csv.reader(open(out / "canvas.csv")))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5] == FULL
    feedback = (out / "feedback" / "starter-99_example.html").read_text()
    assert "hint" in feedback and "FAIL" in feedback
    starter_evidence = json.loads((out / "evidence" / "starter-99_example.json").read_text())
    hidden_orders = {order[0] for check in starter_evidence["checks"] if check["hidden"]
                     for scenario in check["scenarios"] for order in scenario["params"]["orders"]}
    assert hidden_orders  # the evidence (instructor only) keeps the schedules...
    for order_id in hidden_orders:  # ...the feedback never shows them
        assert order_id not in feedback
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64") >= 2
    evidence = json.loads((out / "evidence" / "solution-99_example.json").read_text())
    assert evidence["checks"] and evidence["checks"][0]["scenarios"][0]["evidence"]["deliveries"]


def _grades(graded, learner):
    return [g for g in csv.DictReader(open(graded["out"] / "grades.csv"))
            if g["learner"] == learner]


def test_resume_after_kill_9(tmp_path):
    """kill -9 mid-run, then the same command: finished submissions are not regraded, nothing
    is lost, and the leftovers of the killed run are stopped."""
    root, out = tmp_path / "root", tmp_path / "out"
    nb = _load(SOLUTION)
    for learner in ("a", "b"):   # one finishes before the kill, the other after the resume
        (root / learner).mkdir(parents=True)
        nbformat.write(nb, root / learner / NOTEBOOK)
    cmd = [sys.executable, "-m", "labkit.cli", "grade", str(root), "--out", str(out),
           "--seed", "s", "--workers", "1", "--timeout", "60"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not list((out / "results").glob("*.json")):
        time.sleep(0.5)
    finished = {p.name: p.read_text() for p in (out / "results").glob("*.json")}
    assert finished, "no submission finished before the deadline"
    os.kill(proc.pid, signal.SIGKILL)  # the grader only: its children are orphaned
    proc.wait()
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{len(finished)} already graded" in second.stdout
    for name, text in finished.items():
        assert (out / "results" / name).read_text() == text  # not regraded
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert sorted(r["learner"] for r in rows) == ["a", "b"]
    assert all(r["score"] == FULL for r in rows), [
        (r["learner"], r["score"], r["status"],
         lost_points(json.loads((out / "results" / f"{r['learner']}-{r['lab']}.json").read_text())))
        for r in rows if r["score"] != FULL]
