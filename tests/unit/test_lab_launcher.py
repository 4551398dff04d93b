"""What `make lab` gives JupyterLab: the first lesson to open and the kernels' environment."""
from __future__ import annotations

from labkit.lab_launcher import first_lesson, jupyter_command, kernel_environment


def test_opens_first_lesson_when_it_exists(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_queue.ipynb").write_text("{}")
    (tmp_path / "notebooks" / "00_start_here.ipynb").write_text("{}")
    assert first_lesson(tmp_path) == "notebooks/00_start_here.ipynb"


def test_opens_notebooks_folder_before_lessons_exist(tmp_path):
    (tmp_path / "notebooks").mkdir()
    assert first_lesson(tmp_path) == "notebooks"


def test_kernels_get_endpoint_dummy_credentials_and_region():
    env = kernel_environment("http://127.0.0.1:4567", base={"PATH": "/bin"})
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4567"
    assert env["LABKIT_BACKEND"] == "embedded"
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("test", "test")
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["PATH"] == "/bin"


def test_real_aws_session_never_reaches_kernels():
    base = {"AWS_ACCESS_KEY_ID": "AKIAREAL", "AWS_SECRET_ACCESS_KEY": "real",
            "AWS_SESSION_TOKEN": "tok", "AWS_PROFILE": "prod", "LABKIT_BACKEND": "aws",
            "LABKIT_AWS_CONFIRM": "1", "AWS_DEFAULT_REGION": "eu-west-1"}
    env = kernel_environment("http://127.0.0.1:4566", base=base)
    assert env["AWS_ACCESS_KEY_ID"] == "test" and env["LABKIT_BACKEND"] == "embedded"
    assert not {"AWS_SESSION_TOKEN", "AWS_PROFILE", "LABKIT_AWS_CONFIRM"} & env.keys()
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"  # the learner's region choice is kept


def test_jupyter_binds_loopback_on_the_exact_port():
    cmd = jupyter_command(8890, "tok", "notebooks", open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=8890" in cmd
    assert "--ServerApp.port_retries=0" in cmd and "--no-browser" in cmd
