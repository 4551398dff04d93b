"""LABKIT_BACKEND=ministack (issue #18): how it resolves, what connect() says when it cannot
use MiniStack, and what `labkit doctor` reports. Nothing here starts MiniStack
(tests/runtime/test_ministack_backend.py does)."""
from __future__ import annotations

import pytest

from labkit import backends
from labkit.backends import Backend, BackendError, resolve
from labkit.commands.doctor import report
from labkit.emulator.runtime.client_choice import RuntimeClient
from labkit.isolation.ports import free_port

VERSIONS = {"python": "3.11.2", "labkit": "0.1.0", "boto3": "1.44.5", "moto": "5.2.5",
            "awslambdaric": "4.2.2"}
CLIENT = RuntimeClient("awslambdaric", "it imports here (AWS's own runtime client)")
# the shape of MiniStack 1.5.33's /_ministack/health (services shortened)
HEALTH = {"services": {"sqs": "available", "lambda": "available"}, "edition": "light",
          "version": "1.5.33"}


def test_ministack_defaults_to_its_own_port_on_this_machine():
    b = resolve({"LABKIT_BACKEND": "ministack"})
    assert (b.name, b.endpoint_url, b.region) == ("ministack", "http://127.0.0.1:4566", "us-east-1")
    assert b.is_emulated


def test_ministack_at_an_explicit_endpoint_and_region():
    b = resolve({"LABKIT_BACKEND": " MiniStack ", "AWS_ENDPOINT_URL": "http://127.0.0.1:4700",
                 "AWS_DEFAULT_REGION": "eu-west-1"})
    assert (b.name, b.endpoint_url, b.region) == ("ministack", "http://127.0.0.1:4700", "eu-west-1")


def test_unknown_backend_message_lists_ministack():
    with pytest.raises(BackendError, match="not one of embedded, localstack, ministack, aws"):
        resolve({"LABKIT_BACKEND": "minstack"})


def test_health_reads_ministacks_own_route(monkeypatch):
    asked = []
    monkeypatch.setattr(backends, "fetch_json", lambda url, timeout: asked.append(url) or HEALTH)
    assert Backend("ministack", "http://127.0.0.1:4700").health() == HEALTH
    assert asked == ["http://127.0.0.1:4700/_ministack/health"]


@pytest.fixture
def silent_url():
    """An endpoint where nothing answers."""
    return f"http://127.0.0.1:{free_port()}"


def test_connect_to_a_named_endpoint_that_is_silent_says_what_to_do(monkeypatch, silent_url):
    monkeypatch.setenv("LABKIT_BACKEND", "ministack")
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_url)
    with pytest.raises(BackendError, match=f"No MiniStack answers at {silent_url}.*"
                                           f"unset AWS_ENDPOINT_URL"):
        backends.connect()


def test_connect_without_ministack_installed_says_make_ministack(monkeypatch, silent_url):
    monkeypatch.setenv("LABKIT_BACKEND", "ministack")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(backends, "DEFAULT_MINISTACK_URL", silent_url)
    monkeypatch.setattr(backends, "installed_version", lambda: None)
    with pytest.raises(BackendError, match="not installed: run `make ministack`"):
        backends.connect()


def _doctor(env, health=None, installed="1.5.33"):
    lines, code = report(env, VERSIONS, probe=lambda backend: health, client=CLIENT,
                         ministack_version=lambda: installed)
    return "\n".join(lines), code


def test_doctor_ministack_installed_but_not_running_is_ready():
    text, code = _doctor({"LABKIT_BACKEND": "ministack"})
    assert "ministack (http://127.0.0.1:4566), because LABKIT_BACKEND=ministack is set." in text
    assert "installed in .ministack/: yes (MiniStack 1.5.33)" in text and "answers: no" in text
    assert "a notebook started with LABKIT_BACKEND=ministack starts its own" in text
    assert code == 0 and text.endswith("ready.")


def test_doctor_ministack_not_installed_says_make_ministack():
    text, code = _doctor({"LABKIT_BACKEND": "ministack"}, installed=None)
    assert "installed in .ministack/: no" in text and "run `make ministack`" in text
    assert code == 1 and text.endswith("not ready.")


def test_doctor_ministack_answering_reports_its_version():
    text, code = _doctor({"LABKIT_BACKEND": "ministack", "AWS_ENDPOINT_URL": "http://127.0.0.1:4700"},
                         health=HEALTH, installed=None)
    assert "ministack (http://127.0.0.1:4700), because LABKIT_BACKEND=ministack and " in text
    assert "answers: yes (ministack 1.5.33" in text and "What to do" not in text and code == 0


def test_doctor_ministack_named_endpoint_silent_is_not_ready():
    text, code = _doctor({"LABKIT_BACKEND": "ministack", "AWS_ENDPOINT_URL": "http://127.0.0.1:4700"})
    assert "No MiniStack answers at http://127.0.0.1:4700. Start it there" in text
    assert code == 1
