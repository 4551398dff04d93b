"""docker-compose.yml and docker/jupyter.Dockerfile (issue 2, item 7; profiles: issue 18),
checked structurally: there is no Docker engine on CI machines, so this is all that is tested
of the compose path. One profile per emulator, each with its own JupyterLab service.

LocalStack behaviours the file relies on (docs.localstack.cloud, "Configuration" reference and
the Lambda guide; design.md "Verified: LocalStack"):
  * Lambda needs /var/run/docker.sock mounted: functions run in containers it starts;
  * LAMBDA_KEEPALIVE_MS controls how long an idle environment stays warm (default 600000);
  * SQS_ENDPOINT_STRATEGY=dynamic makes queue URLs use the host the client called;
  * LAMBDA_DOCKER_NETWORK "needs to be set to the network the LocalStack container is
    connected to";
  * images after 4.14.0 (calendar versions, 2026.x) need LOCALSTACK_AUTH_TOKEN.
MiniStack (its README): image ministackorg/ministack, health at /_ministack/health,
MINISTACK_HOST is "the hostname used in response URLs" (queue URLs).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PINNED_TAG = re.compile(r"^[\w./-]+:(\d+\.\d+\.\d+)$")  # name:MAJOR.MINOR.PATCH, nothing floating


def _dockerfile(service: dict) -> Path:
    build = service["build"]
    return ROOT / build.get("context", ".") / build["dockerfile"]


PROFILES = {"localstack": "jupyter-localstack", "ministack": "jupyter-ministack"}


def test_only_known_top_level_keys_and_one_profile_per_emulator():
    assert {key for key in COMPOSE if not key.startswith("x-")} <= {"name", "services", "networks", "volumes"}
    assert set(SERVICES) == set(PROFILES) | set(PROFILES.values())
    for emulator, jupyter in PROFILES.items():
        assert SERVICES[emulator]["profiles"] == [emulator]
        assert SERVICES[jupyter]["profiles"] == [emulator]
        assert SERVICES[jupyter]["depends_on"] == {emulator: {"condition": "service_healthy"}}
        env = SERVICES[jupyter]["environment"]
        assert env["AWS_ENDPOINT_URL"] == f"http://{emulator}:4566"
        assert env["LABKIT_BACKEND"] == emulator


def test_ministack_image_is_the_release_make_test_runs():
    pinned = next(line.split("==")[1].strip() for line in
                  (ROOT / "requirements-ministack.txt").read_text().splitlines()
                  if line.startswith("ministack=="))
    assert SERVICES["ministack"]["image"] == f"ministackorg/ministack:{pinned}"
    assert SERVICES["ministack"]["environment"]["MINISTACK_HOST"] == "ministack"
    assert "/_ministack/health" in " ".join(SERVICES["ministack"]["healthcheck"]["test"])


def test_localstack_is_pinned_to_the_last_token_free_image():
    assert SERVICES["localstack"]["image"] == "localstack/localstack:4.14.0"


def test_no_image_floats():
    for name, service in SERVICES.items():
        if "image" in service:
            assert PINNED_TAG.match(service["image"]), f"{name}: {service['image']} is not pinned"
        else:
            assert _dockerfile(service).is_file(), f"{name}: no image and no Dockerfile"
    assert ":latest" not in (ROOT / "docker-compose.yml").read_text()


def test_docker_socket_is_mounted_for_lambda():
    volumes = SERVICES["localstack"]["volumes"]
    assert "/var/run/docker.sock:/var/run/docker.sock" in volumes


@pytest.mark.parametrize("service", sorted(PROFILES) + sorted(PROFILES.values()))
def test_every_published_port_is_bound_to_loopback(service):
    ports = SERVICES[service]["ports"]
    assert ports, f"{service} publishes nothing"
    for mapping in ports:
        assert isinstance(mapping, str) and mapping.startswith("127.0.0.1:"), mapping


def test_expected_ports():
    for emulator, jupyter in PROFILES.items():
        assert "127.0.0.1:4566:4566" in SERVICES[emulator]["ports"]
        assert "127.0.0.1:8888:8888" in SERVICES[jupyter]["ports"]


def test_localstack_environment():
    env = SERVICES["localstack"]["environment"]
    assert env["SQS_ENDPOINT_STRATEGY"] == "dynamic"
    assert int(env["LAMBDA_KEEPALIVE_MS"]) > 0
    assert env["LAMBDA_DOCKER_NETWORK"] in COMPOSE["networks"]
    assert COMPOSE["networks"][env["LAMBDA_DOCKER_NETWORK"]]["name"] == env["LAMBDA_DOCKER_NETWORK"]
    assert "${LOCALSTACK_AUTH_TOKEN" in env["LOCALSTACK_AUTH_TOKEN"]  # from .env, never committed


def test_switch_to_2026_image_is_documented_in_the_file():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "2026." in text and "LOCALSTACK_AUTH_TOKEN" in text and ".env" in text


@pytest.mark.parametrize("emulator", sorted(PROFILES))
def test_jupyter_reaches_its_emulator_by_service_name(emulator):
    jupyter = SERVICES[PROFILES[emulator]]
    env = jupyter["environment"]
    assert env["AWS_DEFAULT_REGION"] and env["AWS_ACCESS_KEY_ID"] == "test"
    assert set(jupyter["networks"]) == set(SERVICES[emulator]["networks"])
    assert f"_{emulator}/health" in " ".join(SERVICES[emulator]["healthcheck"]["test"])


def test_dockerfile_base_is_pinned_and_installs_the_lock():
    text = _dockerfile(SERVICES["jupyter-ministack"]).read_text()
    bases = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert bases, "no FROM line"
    for base in bases:
        assert re.match(r"^python:\d+\.\d+\.\d+-[a-z-]+$", base), f"base image {base} is not an exact tag"
    assert "COPY requirements.txt" in text
    assert re.search(r"pip install .*-r requirements\.txt", text)
    # Inside the container JupyterLab must listen on all interfaces to be reachable at all;
    # compose publishes it on the host's loopback only (test_every_published_port_...).
    assert '"--ip=0.0.0.0"' in text


def test_dockerfile_python_matches_what_requirements_support():
    text = _dockerfile(SERVICES["jupyter-ministack"]).read_text()
    major_minor = re.search(r"^FROM python:(\d+)\.(\d+)", text, flags=re.MULTILINE).groups()
    pyproject = (ROOT / "pyproject.toml").read_text()
    minimum = re.search(r'requires-python = ">=(\d+)\.(\d+)"', pyproject).groups()
    assert tuple(map(int, major_minor)) >= tuple(map(int, minimum))


def test_both_jupyter_services_build_the_same_image():
    assert SERVICES["jupyter-ministack"]["build"] == SERVICES["jupyter-localstack"]["build"]
