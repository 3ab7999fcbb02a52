"""Toy cell functions: exercise an executor (local, Ray, a Slurm setup) without models or data.

``count_cell`` appends "start NAME" / "end NAME" lines to a counter file, so a test (or a person checking a cluster
setup) can see which cells ran how often, and writes a minimal run dir (manifest + summary)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..rundir import RunDir


def _append(path: str | Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def count_cell(out: str, name: str, counter: str, sleep: float = 0.0, fail: bool = False,
               needs: str | None = None) -> dict:
    """``needs``: the run dir of a dependency, which must be finished (checks the executor's ordering)."""
    if needs is not None and RunDir(needs).manifest().get("status") != "done":
        raise RuntimeError(f"{name}: dependency {needs} is not finished")
    _append(counter, f"start {name}")
    time.sleep(sleep)
    if fail:
        raise RuntimeError(f"{name}: failing on purpose")
    run = RunDir(out)
    run.write_manifest(kind="toy", name=name)
    run.write_summary({"name": name})
    _append(counter, f"end {name}")
    return {"name": name}
