"""A workshop on a real JupyterHub (conftest.py): five learners at once, each with an embedded
backend of their own that only they can reach. Nothing is mocked: the hub, its proxy, the
learners' Jupyter servers, their kernels and their backends are the real processes, driven
through the hub's REST API and each server's kernel API behind the hub's proxy.

The tests run in file order; the last one stops the servers."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import boto3
import botocore.exceptions
import psutil

from labkit.emulator.access_peer import GONE
from tests.hub.hub_api import NoRedirect
from tests.hub.hub_process import PASSWORD
from tests.hub.memory import PeakSampler, tree
from tests.hub.memory_report import write_report
from tests.hub.notebook_cells import ROOT, code_cells, solution_cell

LESSON_00 = "/lab/tree/notebooks/00_start_here.ipynb"


def _refusals(learner, of_live_senders_only: bool = False) -> int:
    """How many requests the learner's backend has refused (it logs each 403, and who sent it);
    ``of_live_senders_only``: not counting those whose sender had gone by the time the guard
    asked (a Lambda worker killed with a request in flight: nobody is there to answer)."""
    log = learner.home / ".labkit" / "backend.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return sum("labkit guard: 403" in line and not (of_live_senders_only and GONE in line)
               for line in lines)


def _each(classroom, work):
    """work(learner) for every learner at once (a class works in parallel)."""
    with ThreadPoolExecutor(len(classroom)) as pool:
        return dict(zip(classroom, pool.map(work, classroom.values())))


def test_every_learner_lands_on_lesson_00_with_the_course_in_their_home(classroom):
    for learner in classroom.values():
        assert learner.server.landing_page().split("?")[0] == f"/user/{learner.name}{LESSON_00}"
        assert (learner.home / "notebooks" / "00_start_here.ipynb").is_file()
        assert (learner.home / "labs" / "00_start_here.ipynb").is_file()
        assert not (learner.home / "solutions").exists()


def test_every_learner_has_a_backend_of_their_own_with_its_own_key(classroom):
    learners = classroom.values()
    assert len({l.endpoint for l in learners}) == len({l.key for l in learners}) == len(classroom)
    for learner in learners:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", learner.endpoint)
        assert re.fullmatch(r"LKIA[A-Z2-7]{16}", learner.key)
        backend = psutil.Process(learner.backend_pid)
        assert backend.ppid() == learner.server_pid   # started by the learner's own server
        # the AWS endpoint, and any Lambda Runtime API port beside it, on loopback only
        listening = {(c.laddr.ip, c.laddr.port) for p in tree(backend.pid)
                     for c in p.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
        assert ("127.0.0.1", int(learner.endpoint.rsplit(":", 1)[1])) in listening
        assert {ip for ip, _ in listening} == {"127.0.0.1"}


def test_lesson_00_and_a_lab_check_run_for_every_learner_at_once(classroom):
    lesson = code_cells(ROOT / "notebooks" / "00_start_here.ipynb")
    solution = solution_cell("00", "lab00_tax.py")

    def work(learner):
        doctor, *_ = [learner.server.run(learner.kernel, cell) for cell in lesson[1:5]]
        lab = learner.server.start_kernel(path="labs")
        learner.server.run(lab, solution)   # the learner's finished handler, in ~/labs
        report = learner.server.run(lab, 'from labkit.checks import check\n'
                                         'report = check("00", "task-1")\n'
                                         'print(report.passed)\nprint(report)')
        learner.server.request("DELETE", f"/api/kernels/{lab}")
        return doctor, report

    for name, (doctor, report) in _each(classroom, work).items():
        assert "answers: yes" in doctor, f"{name}: labkit doctor cannot reach its backend:\n{doctor}"
        assert report.startswith("True"), f"{name}: lab 00 task-1 should pass:\n{report}"
        assert (classroom[name].home / "labs" / "lab00_tax.py").is_file()
        # the checks' clients and sandbox sign with "test": let in as the learner's own processes
        # (a sender gone before the guard asked, e.g. an environment killed at its timeout with
        # a call in flight, is not one the guard could let in)
        assert _refusals(classroom[name], of_live_senders_only=True) == 0


def test_resources_live_only_in_their_owners_backend(classroom):
    def work(learner):
        return json.loads(learner.server.run(learner.kernel, (
            "import boto3, json\n"
            "sqs = boto3.client('sqs')\n"
            f"sqs.create_queue(QueueName='queue-of-{learner.name}')\n"
            "queues = [u.rsplit('/', 1)[1] for u in sqs.list_queues(QueueNamePrefix='queue-of-')['QueueUrls']]\n"
            "functions = [f['FunctionName'] for f in boto3.client('lambda').list_functions()['Functions']]\n"
            "print(json.dumps({'queues': queues, 'functions': functions}))")))

    seen = _each(classroom, work)
    for name, resources in seen.items():
        assert resources["queues"] == [f"queue-of-{name}"]
        others = [f for other, r in seen.items() if other != name for f in r["functions"]]
        assert resources["functions"] and not set(resources["functions"]) & set(others)


CROSS_PROBE = """
import json, os, subprocess, sys, urllib.error, urllib.request
import boto3, botocore.exceptions

target = {target!r}

def outcome(call):
    try:
        call()
        return 200
    except botocore.exceptions.ClientError as error:
        return [error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"]["Code"]]

def health(url):
    req = urllib.request.Request(url, headers={{"X-Labkit-Key": os.environ["AWS_ACCESS_KEY_ID"]}})
    try:
        return urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code

print(json.dumps({{
    "sqs with my key": outcome(lambda: boto3.client("sqs", endpoint_url=target).list_queues()),
    "lambda with my key": outcome(lambda: boto3.client("lambda", endpoint_url=target).list_functions()),
    "sqs with the dummy key": outcome(lambda: boto3.client(
        "sqs", endpoint_url=target, aws_access_key_id="test", aws_secret_access_key="test").list_queues()),
    "health with my key": health(target + "/_labkit/health"),
    "labkit reset exit code": subprocess.run(
        [sys.executable, "-m", "labkit.cli", "reset", "--endpoint-url", target], capture_output=True).returncode,
    "my own backend": outcome(lambda: boto3.client("sqs").list_queues()),
}}))
"""


def test_a_learner_cannot_reach_another_learners_backend(classroom):
    learners = list(classroom.values())
    for learner, victim in zip(learners, learners[1:] + learners[:1]):
        refused_before = _refusals(victim)
        seen = json.loads(learner.server.run(learner.kernel, CROSS_PROBE.format(target=victim.endpoint)))
        assert _refusals(victim) == refused_before + 5   # each attempt shows in the victim's log
        refused = [403, "UnrecognizedClientException"]
        assert seen == {"sqs with my key": refused, "lambda with my key": refused,
                        "sqs with the dummy key": refused, "health with my key": 403,
                        "labkit reset exit code": 1, "my own backend": 200}, (learner.name, seen)
        # the failed reset changed nothing: the victim's queue is still there
        assert f"queue-of-{victim.name}" in victim.server.run(
            victim.kernel, "print(boto3.client('sqs').list_queues()['QueueUrls'])")


def test_outside_the_learners_processes_only_their_key_opens_their_backend(classroom):
    for learner in classroom.values():
        def sqs(key):
            return boto3.client("sqs", endpoint_url=learner.endpoint, region_name="us-east-1",
                                aws_access_key_id=key, aws_secret_access_key="test")
        try:
            sqs("test").list_queues()
            raise AssertionError(f"{learner.name}'s backend answered the dummy key")
        except botocore.exceptions.ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert f"queue-of-{learner.name}" in sqs(learner.key).list_queues()["QueueUrls"][0]


def test_memory_per_learner_idle_and_running_lesson_02(classroom):
    learner = classroom["learner1"]
    kernel = learner.server.start_kernel(path="notebooks")
    refused_before, started = _refusals(learner, of_live_senders_only=True), time.monotonic()
    with PeakSampler(learner.server_pid) as sampler:
        for cell in code_cells(learner.home / "notebooks" / "02_idempotency.ipynb"):
            learner.server.run(kernel, cell)
    lesson_02_s = time.monotonic() - started
    # its Lambda workers' calls (key "test") got in
    assert _refusals(learner, of_live_senders_only=True) == refused_before
    learner.server.request("DELETE", f"/api/kernels/{kernel}")
    report = write_report([l.idle for l in classroom.values()], sampler.peak, sampler.cpu_seconds,
                          lesson_02_s)
    print(json.dumps(report, indent=2))
    assert sampler.peak["rss_mib"] > max(l.idle["rss_mib"] for l in classroom.values())
    assert report["class_size_24gib_2cores"] >= 1


def test_a_learner_logs_in_with_the_password_and_lands_on_lesson_00(hub, classroom):
    """The browser's way in: the hub's login form, then the hub's OAuth handshake with the
    learner's own server, then JupyterLab at lesson 00."""
    def login(password: str, follow: bool):
        handlers = [urllib.request.HTTPCookieProcessor(CookieJar())] + ([] if follow else [NoRedirect])
        opener = urllib.request.build_opener(*handlers)
        form = opener.open(f"{hub.url}/hub/login", timeout=30).read().decode()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"username": "learner2", "password": password, "_xsrf": xsrf})
        try:
            with opener.open(f"{hub.url}/hub/login", data.encode(), timeout=60) as landed:
                return landed.status, landed.url
        except urllib.error.HTTPError as answer:
            return answer.code, answer.url

    assert login("not-the-password", follow=False)[0] == 403
    status, url = login(PASSWORD, follow=True)
    assert (status, urllib.parse.urlparse(url).path) == (200, f"/user/learner2{LESSON_00}")


def test_the_instructor_collects_every_learners_labs_from_their_homes(hub, classroom, tmp_path):
    """Handing in: `labkit collect HOMES --out ROOT` over the hub's home folders (here named
    after the learner; TLJH's are jupyter-NAME, the default --prefix)."""
    out = tmp_path / "class"
    subprocess.run([sys.executable, "-m", "labkit.cli", "collect", str(hub.homes), "--out", str(out),
                    "--prefix", ""], check=True, capture_output=True)
    for learner in classroom.values():
        collected = out / learner.name / "00_start_here.ipynb"
        # the lab from ~/labs, not the lesson of the same name in ~/notebooks
        assert collected.read_bytes() == (learner.home / "labs" / "00_start_here.ipynb").read_bytes()


def test_stopping_a_learners_server_stops_their_backend(classroom, api):   # last: stops them
    learner = classroom["learner5"]
    # labkit's own routes answer the learner's key from anywhere, as `labkit reset` sends it
    env = dict(os.environ, AWS_ACCESS_KEY_ID=learner.key)
    reset = [sys.executable, "-m", "labkit.cli", "reset", "--endpoint-url", learner.endpoint]
    assert subprocess.run(reset, env=env, capture_output=True).returncode == 0
    assert subprocess.run(reset, env=dict(os.environ, AWS_ACCESS_KEY_ID="test"),
                          capture_output=True).returncode == 1

    processes = {l.name: tree(l.server_pid) for l in classroom.values()}
    _each(classroom, lambda l: api.stop_server(l.name))   # the API answers once it stopped
    for name in classroom:
        api.wait(name, ready=False, timeout=60)
    _, alive = psutil.wait_procs([p for family in processes.values() for p in family], timeout=30)
    assert not alive, f"outlived their server: {[(p.pid, p.cmdline()) for p in alive]}"
