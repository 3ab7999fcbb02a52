"""The architecture contract (.importlinter) holds for the whole package, and an upward import breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tree(tmp: Path) -> Path:
    """One importable copy of the package: attacks/ and recipes/ install as robustxnli.attacks/.recipes through a
    package-dir mapping that import-linter's graph builder does not follow."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    root = tmp / "tree"
    shutil.copytree(REPO / "robustxnli", root / "robustxnli", ignore=ignore)
    shutil.copytree(REPO / "attacks", root / "robustxnli" / "attacks", ignore=ignore)
    shutil.copytree(REPO / "recipes", root / "robustxnli" / "recipes", ignore=ignore)
    return root


def _lint(root: Path, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(exe), "--config", str(REPO / ".importlinter")], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def test_layers_contract_is_kept_and_catches_an_upward_import(tmp_path):
    root = _tree(tmp_path)
    ok = _lint(root, tmp_path)
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-2000:]
    assert "1 kept, 0 broken" in ok.stdout
    engine = root / "robustxnli" / "attacks" / "engine.py"  # the circle this contract replaced
    engine.write_text(engine.read_text(encoding="utf-8") + "\nimport robustxnli.recipes  # noqa\n", encoding="utf-8")
    bad = _lint(root, tmp_path)
    assert bad.returncode != 0 and "robustxnli.attacks.engine -> robustxnli.recipes" in bad.stdout
