"""The hub recipes under deploy/hub/ as far as a machine without Kubernetes, Helm, Docker or a
TLJH server can check them: the Z2JH values against the chart's own values schema, the image's
and the TLJH script's pins and paths, and one set of labkit settings shared by all of them."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "deploy" / "hub"
VALUES = HUB / "z2jh" / "values.yaml"
DOCKERFILE = ROOT / "docker" / "singleuser.Dockerfile"
TLJH_SCRIPT = HUB / "tljh" / "install.sh"
SCHEMA = Path(__file__).parent / "fixtures" / "z2jh-4.4.0-values.schema.json"
CHART_DEFAULTS = Path(__file__).parent / "fixtures" / "z2jh-4.4.0-values.yaml"


def helm_merge(defaults, values):
    """Helm's values merge: maps merge key by key, anything else replaces, null removes."""
    if not isinstance(defaults, dict) or not isinstance(values, dict):
        return values
    merged = dict(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = helm_merge(defaults.get(key), value)
    return merged


def hub_settings() -> Config:
    """deploy/hub/jupyterhub_config_labkit.py, run as JupyterHub runs a config file."""
    config = Config()
    exec(compile((HUB / "jupyterhub_config_labkit.py").read_text(), "labkit.py", "exec"),
         {"get_config": lambda: config})
    return config


def test_the_z2jh_values_pass_the_charts_schema_and_size_a_workshop():
    values = yaml.safe_load(VALUES.read_text())
    merged = helm_merge(yaml.safe_load(CHART_DEFAULTS.read_text()), values)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(merged)
    user = values["singleuser"]
    for resource in ("cpu", "memory"):
        assert user[resource]["guarantee"] and user[resource]["limit"], resource
    assert values["cull"]["enabled"] and values["cull"]["timeout"] >= 3600
    assert values["scheduling"]["userPlaceholder"]["replicas"] > 0
    assert values["scheduling"]["podPriority"]["enabled"]   # placeholders must be preemptible
    assert values["prePuller"]["hook"]["enabled"] and values["prePuller"]["continuous"]["enabled"]
    assert user["defaultUrl"] == hub_settings().Spawner.default_url


def test_every_recipe_lands_on_lesson_00_and_finds_the_course():
    settings = hub_settings()
    lesson = settings.Spawner.default_url.removeprefix("/lab/tree/")
    assert (ROOT / lesson).is_file() and lesson.startswith("notebooks/00_")
    course = settings.Spawner.environment.get_value({})["LABKIT_COURSE_DIR"]
    assert f"LABKIT_COURSE_DIR={course}" in DOCKERFILE.read_text()
    assert f'COURSE="{course}"' in TLJH_SCRIPT.read_text()


def test_the_single_user_image_is_pinned_and_enables_the_extension():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11\.\d+-slim-\w+$", text, re.M), "base pinned by exact tag"
    assert re.search(r"apt-get install .* tini=[\w.+-]+", text), "apt packages pinned"
    assert "pip install --no-cache-dir -r requirements.txt -r requirements-hub.txt" in text
    assert "COPY deploy/hub/jupyter_server_config.d/labkit-hub.json /usr/local/etc/jupyter/" in text
    assert re.search(r'^CMD \["jupyterhub-singleuser"\]$', text, re.M)
    assert re.search(r"^USER 1000$", text, re.M)   # Z2JH's singleuser.uid
    for source in re.findall(r"^COPY (\S+)", text, re.M):
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_the_tljh_script_installs_the_kit_limits_and_settings():
    text = TLJH_SCRIPT.read_text()
    subprocess.run(["bash", "-n", str(TLJH_SCRIPT)], check=True)
    assert 'tljh-config set limits.memory "$MEMORY"' in text
    assert 'tljh-config set limits.cpu "$CPU"' in text
    assert '-r "$REPO/requirements.txt" -r "$REPO/requirements-hub.txt"' in text
    for path in re.findall(r'"\$REPO/([^"]+)"', text):
        assert (ROOT / path).exists(), f"$REPO/{path}: not in the repository"
    enable = json.loads((HUB / "jupyter_server_config.d" / "labkit-hub.json").read_text())
    assert enable == {"ServerApp": {"jpserver_extensions": {"labkit.hub.extension": True}}}


def test_the_hub_lock_has_jupyterhub_for_jupyterhub_singleuser():
    """Learners' servers run `jupyterhub-singleuser`, from the jupyterhub package (6.x); a
    learner's own machine does not need it (requirements-hub.in)."""
    hub_lock = (ROOT / "requirements-hub.txt").read_text()
    assert re.search(r"^jupyterhub==6\.\d+\.\d+", hub_lock, re.M), \
        "requirements-hub.txt needs jupyterhub==6.x (deploy/hub/README.md)"
    assert not re.search(r"^jupyterhub==", (ROOT / "requirements.txt").read_text(), re.M)
