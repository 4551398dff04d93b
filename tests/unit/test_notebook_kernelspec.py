"""Every notebook names its kernel: without it JupyterLab stops on a "Select Kernel" dialog
(seen in the browser tests) before a learner has run anything."""
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tracked_and_new_notebooks() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.ipynb"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.split() if line]


def test_there_are_notebooks_to_check():
    assert tracked_and_new_notebooks(), "no notebooks found: the check below would be vacuous"


def test_every_notebook_names_the_python3_kernel():
    missing = [p.relative_to(ROOT).as_posix() for p in tracked_and_new_notebooks()
               if json.loads(p.read_text()).get("metadata", {}).get("kernelspec", {}).get("name") != "python3"]
    assert not missing, f"notebooks without metadata.kernelspec.name == 'python3': {missing}"
