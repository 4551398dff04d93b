"""The Kubernetes manifests for grading a class on several machines, checked for structure
(there is no cluster here: they are never applied in CI). What must hold for `labkit grade`
shards to add up: an Indexed Job whose pods each grade the shard of their index, all with the
one seed from a Secret, and a merge Job over the shards' folders."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SHARDS = ROOT / "deploy" / "kubernetes" / "grading-job.yaml"
MERGE = ROOT / "deploy" / "kubernetes" / "grading-merge-job.yaml"
DOCKERFILE = ROOT / "docker" / "grader.Dockerfile"


def _job(path: Path) -> dict:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert len(docs) == 1
    job = docs[0]
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    return job


def _container(job: dict) -> dict:
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return container


def test_shards_are_an_indexed_job_whose_pods_grade_their_own_shard():
    job = _job(SHARDS)
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"]
    command = " ".join(_container(job)["args"])
    # shard K/N: K from the pod's index (0-based, hence + 1), N = completions
    match = re.search(r"--shard \$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/(\d+)", command)
    assert match and int(match.group(1)) == spec["completions"]
    assert "--out /grades/shard-$((JOB_COMPLETION_INDEX + 1))" in command
    assert "--seed-file /seed/seed" in command and "--seed " not in command


def test_the_seed_comes_from_a_secret_and_the_class_is_read_only():
    pod = _job(SHARDS)["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "secret" in volumes["seed"]
    mounts = {m["name"]: m for m in _container(_job(SHARDS))["volumeMounts"]}
    assert mounts["seed"]["mountPath"] == "/seed" and mounts["seed"]["readOnly"]
    assert mounts["class"]["readOnly"]


def test_merge_job_joins_every_shard_folder_into_one_gradebook():
    job = _job(MERGE)
    command = " ".join(_container(job)["args"])
    assert "labkit grade merge /grades/shard-* --out /grades/merged" in command
    shard_mounts = {m["mountPath"] for m in _container(_job(SHARDS))["volumeMounts"]}
    merge_mounts = {m["mountPath"] for m in _container(job)["volumeMounts"]}
    assert "/grades" in shard_mounts & merge_mounts


def test_every_pod_has_limits_runs_unprivileged_and_a_pinned_image():
    for path in (SHARDS, MERGE):
        job = _job(path)
        container = _container(job)
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) and \
            {"cpu", "memory"} <= set(resources["limits"])
        assert job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        image = container["image"]
        assert ":" in image and not image.endswith(":latest")


def test_grader_image_is_pinned_and_not_root():
    text = DOCKERFILE.read_text()
    base = re.search(r"^FROM (\S+)", text, re.M).group(1)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base)
    assert "-r requirements.txt" in text
    assert re.search(r"^USER 10001$", text, re.M)
    assert "runAsUser: 10001" in SHARDS.read_text()
