"""`labkit doctor` (issue 2, item 9): which backend and why, whether it answers, what to do."""
from __future__ import annotations

import os
import subprocess
import sys

from labkit.commands.doctor import report
from labkit.emulator.runtime.client_choice import RuntimeClient

VERSIONS = {"python": "3.11.2", "labkit": "0.1.0", "boto3": "1.44.5", "moto": "5.2.5",
            "awslambdaric": "4.2.2"}
HEALTHY = {"backend": "embedded", "version": "0.1.0", "patches": ["a", "b"], "components": {"runtime": {}}}


ON_LINUX = RuntimeClient("awslambdaric", "it imports here (AWS's own runtime client)")
ON_MACOS = RuntimeClient("portable", "awslambdaric does not import here (ModuleNotFoundError: "
                                     "No module named 'awslambdaric'); its wheels are for Linux only")


def _doctor(env, health=None, versions=VERSIONS, client=ON_LINUX):
    lines, code = report(env, versions, probe=lambda backend: health, client=client)
    return "\n".join(lines), code


def test_nothing_set_and_no_backend_is_still_ready_and_says_why():
    text, code = _doctor({})
    assert "embedded (http://127.0.0.1:4566), because nothing is set" in text
    assert "answers: no" in text and "starts its own" in text and "make lab" in text
    assert code == 0


def test_endpoint_set_but_silent_is_not_ready_and_names_the_fix():
    text, code = _doctor({"AWS_ENDPOINT_URL": "http://127.0.0.1:4999"})
    assert "because AWS_ENDPOINT_URL=http://127.0.0.1:4999 is set" in text
    assert "labkit serve --port 4999" in text and "unset AWS_ENDPOINT_URL" in text
    assert code == 1 and text.endswith("not ready.")


def test_answering_backend_reports_its_health():
    text, code = _doctor({"AWS_ENDPOINT_URL": "http://127.0.0.1:4999"}, health=HEALTHY)
    assert "answers: yes (embedded 0.1.0, patches: 2, components: runtime)" in text
    assert "What to do" not in text and code == 0


def test_localstack_down_says_docker_compose():
    text, code = _doctor({"LABKIT_BACKEND": "localstack"})
    assert "because LABKIT_BACKEND=localstack is set" in text
    assert "docker compose up -d localstack" in text and code == 1


def test_aws_without_confirmation_is_refused_with_the_reason():
    text, code = _doctor({"LABKIT_BACKEND": "aws"})
    assert "none usable" in text and "LABKIT_AWS_CONFIRM=1" in text and code == 1


def test_aws_confirmed_reminds_teardown_and_checks_credentials():
    text, code = _doctor({"LABKIT_BACKEND": "aws", "LABKIT_AWS_CONFIRM": "1"}, health=None)
    assert "labkit teardown" in text and "credentials accepted: no" in text and code == 1
    text, code = _doctor({"LABKIT_BACKEND": "aws", "LABKIT_AWS_CONFIRM": "1"}, health={"Account": "1"})
    assert "credentials accepted: yes" in text and code == 0


def test_missing_package_is_not_ready_and_says_make_setup():
    text, code = _doctor({}, versions={**VERSIONS, "awslambdaric": None})
    assert "awslambdaric" in text and "NOT INSTALLED" in text and "make setup" in text and code == 1


def test_says_which_runtime_client_runs_and_why():
    text, code = _doctor({}, client=ON_LINUX)
    assert "Lambda runtime client (for a backend started here):\n  awslambdaric, because it imports here" in text
    text, code = _doctor({}, versions={**VERSIONS, "awslambdaric": None}, client=ON_MACOS)
    assert "portable, because awslambdaric does not import here" in text and "Linux only" in text
    assert "not installed (not needed: the portable client runs)" in text and "NOT INSTALLED" not in text
    assert code == 0   # macOS and Windows are ready without awslambdaric


def test_reports_the_running_backends_runtime_client():
    health = {**HEALTHY, "components": {"lambda-runtime": {"runtime_client": {
        "name": "portable", "module": "labkit.emulator.runtime.portable_client",
        "reason": "LABKIT_PORTABLE=1 (forced)"}}}}
    text, code = _doctor({"AWS_ENDPOINT_URL": "http://127.0.0.1:4999"}, health=health)
    assert "Lambda runtime client there: portable, because LABKIT_PORTABLE=1 (forced)" in text
    assert code == 0


def test_old_python_is_not_ready():
    text, code = _doctor({}, versions={**VERSIONS, "python": "3.10.12"})
    assert "Python >= 3.11 is required" in text and code == 1


def test_doctor_command_against_a_running_backend(server):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    env["AWS_ENDPOINT_URL"] = server.url
    result = subprocess.run([sys.executable, "-m", "labkit.cli", "doctor"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "answers: yes (embedded" in result.stdout and "moto" in result.stdout
    assert "Lambda runtime client there: " in result.stdout
