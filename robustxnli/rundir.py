"""The run directory: the contract between rooms.

Every command that produces results writes one directory with
  manifest.json  what was run (kind, model, sizes, regime, seed, language, recipe, hyperparameters, data hashes,
                 versions, times, status),
  records.jsonl  one row per example with a stable ``id`` (appended and fsynced, so a crash loses nothing
                 finished and a resumed run skips what is there),
  summary.json   the run's metrics.
The report reads only these files.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any, Iterable, Iterator

MANIFEST, RECORDS, SUMMARY = "manifest.json", "records.jsonl", "summary.json"

# The command line that started this process (set by the CLI); recorded in every manifest it creates.
COMMAND: str | None = None


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def library_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("robustxnli", "torch", "transformers", "datasets", "textattack", "nltk", "pandas", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def atomic_write_json(path: str | Path, obj: Any) -> None:
    """Write JSON via a temp file + rename, so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class RunDir:
    """One run's directory. ``records`` are appended one JSON line at a time and fsynced."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    # manifest -----------------------------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any]:
        return read_json(self.manifest_path) if self.manifest_path.exists() else {}

    def write_manifest(self, **fields: Any) -> dict[str, Any]:
        """Create or update the manifest; ``versions`` and ``started`` are filled in on first write."""
        manifest = self.manifest()
        if not manifest:
            manifest = {"started": now_iso(), "versions": library_versions(), "status": "running"}
            if COMMAND:
                manifest["command"] = COMMAND
        manifest.update(fields)
        atomic_write_json(self.manifest_path, manifest)
        return manifest

    def finish(self, status: str = "done", **fields: Any) -> dict[str, Any]:
        return self.write_manifest(status=status, finished=now_iso(), **fields)

    # records ------------------------------------------------------------------------------------------------
    @property
    def records_path(self) -> Path:
        return self.path / RECORDS

    def read_records(self) -> list[dict[str, Any]]:
        return list(iter_records(self.records_path))

    def done_ids(self) -> set[str]:
        return {str(r["id"]) for r in self.read_records()}

    def append_records(self, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        with open(self.records_path, "a", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False, sort_keys=True, default=_json_default) + "\n")
            f.flush()
            os.fsync(f.fileno())

    # summary ------------------------------------------------------------------------------------------------
    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_json(self.path / SUMMARY, summary)

    def summary(self) -> dict[str, Any]:
        p = self.path / SUMMARY
        return read_json(p) if p.exists() else {}


def iter_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Read records.jsonl; a torn last line (process killed mid-write) is ignored, never half-parsed."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            if i >= len(lines) - 2:  # only the final line can be torn
                return
            raise


def truncate_torn_tail(path: str | Path) -> None:
    """Drop a partial last line left by a kill -9, so appends start on a clean line."""
    path = Path(path)
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:
        pass
    return str(o)
