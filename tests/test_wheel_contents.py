"""A non-editable install carries every module and data file: build the wheel from the tracked files and compare.

The editable install of `make setup` finds any package on disk, so a sub-package missing from pyproject's explicit
``packages`` list (robustxnli.contrast was) only fails for users who ``pip install`` the project.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# source folder -> installed package prefix (pyproject's package-dir)
ROOTS = {"robustxnli": "robustxnli", "attacks": "robustxnli/attacks", "recipes": "robustxnli/recipes"}


def _tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line and (REPO / line).is_file()]


def _installed_name(path: str) -> str | None:
    top, _, rest = path.partition("/")
    return f"{ROOTS[top]}/{rest}" if top in ROOTS and rest else None


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout (the wheel is built from the tracked files)")
    from importlib.metadata import version

    if int(version("setuptools").split(".")[0]) < 77:  # `make setup` installs it; a bare venv may have 65
        pytest.skip("building the wheel needs setuptools>=77 here (pyproject's SPDX licence): "
                    "pip install 'setuptools>=77'")
    src = tmp_path_factory.mktemp("src")
    for rel in _tracked():
        dst = src / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dst)
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(dist), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = dist.glob("robustxnli-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_wheel_has_every_tracked_module_and_data_file(wheel_names):
    wanted = {}
    for rel in _tracked():
        name = _installed_name(rel)
        if name is None or "/__pycache__/" in name or Path(rel).name.startswith("."):
            continue
        if Path(rel).suffix in (".py", ".yaml", ".json", ".jsonl", ".gz", ".tsv", ".txt"):
            wanted[name] = rel
    missing = sorted(f"{rel} (as {name})" for name, rel in wanted.items() if name not in wheel_names)
    assert not missing, "not in the wheel: add the package to [tool.setuptools] packages or its data to " \
                        "package-data in pyproject.toml:\n" + "\n".join(missing)
    # the packages the CLI loads on start-up are among them
    for module in ("robustxnli/contrast/commands.py", "robustxnli/attacking/commands.py",
                   "robustxnli/attacks/languages/en.yaml", "robustxnli/contrast/languages/en.yaml"):
        assert module in wheel_names
