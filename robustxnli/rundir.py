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

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import os
import platform
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import DataError, UserError

SCHEMA_VERSION = 1  # written into every manifest; bump when a field of robustxnli.schema changes meaning
MANIFEST_REQUIRED = ("status",)  # a sweep stamps a cell's manifest before its function adds "kind"


# strict JSON --------------------------------------------------------------------------------------------------
def clean(obj: Any) -> Any:
    """JSON-ready copy: NaN/inf -> None, numpy scalars/arrays -> Python, Paths/other objects -> str."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [clean(v) for v in (sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return clean(dataclasses.asdict(obj))
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return clean(obj.item())
        if isinstance(obj, np.ndarray):
            return clean(obj.tolist())
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


def dumps(obj: Any, *, indent: int | None = None) -> str:
    return json.dumps(clean(obj), ensure_ascii=False, sort_keys=True, allow_nan=False, indent=indent)


def check_manifest(manifest: Any, where: str | Path) -> dict[str, Any]:
    if not isinstance(manifest, dict):
        raise DataError(f"{where}: a manifest must be a JSON object, got {type(manifest).__name__}")
    missing = [k for k in MANIFEST_REQUIRED if k not in manifest]
    if missing:
        raise DataError(f"{where}: not a robustxnli manifest (missing {', '.join(missing)})")
    return manifest

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
    """Write strict JSON (NaN -> null) via a temp file + rename, so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(dumps(obj, indent=2))
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; unreadable or invalid JSON is a :class:`DataError` naming the file."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (UnicodeDecodeError, ValueError) as err:
        raise DataError(f"{path} is not valid JSON ({err}); it was cut short or edited — delete that run "
                        "directory, or re-run the command that made it with --overwrite") from None


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
        if not self.manifest_path.exists():
            return {}
        return check_manifest(read_json(self.manifest_path), self.manifest_path)

    def write_manifest(self, **fields: Any) -> dict[str, Any]:
        """Create or update the manifest; ``versions``, ``started`` and ``schema`` are filled in on first write.
        ``command`` is the latest command line that worked on the run (a resumed or extended run equals a fresh
        run of it); ``commands`` lists every one, in order, when there was more than one."""
        manifest = self.manifest()
        if not manifest:
            manifest = {"started": now_iso(), "versions": library_versions(), "status": "running",
                        "schema": SCHEMA_VERSION}
        if COMMAND and manifest.get("command") != COMMAND:
            history = manifest.get("commands") or ([manifest["command"]] if manifest.get("command") else [])
            manifest["command"] = COMMAND
            if history:
                manifest["commands"] = [*history, COMMAND]
        manifest.update(fields)
        atomic_write_json(self.manifest_path, manifest)
        return manifest

    def finish(self, status: str = "done", **fields: Any) -> dict[str, Any]:
        return self.write_manifest(status=status, finished=now_iso(), **fields)

    def fail(self, err: BaseException) -> None:
        """Mark the manifest "failed" with the error, or "interrupted" after Ctrl-C (never left at "running")."""
        if self.manifest_path.exists():
            try:
                self.finish(status=end_status(err), error=f"{type(err).__name__}: {err}")
            except (OSError, DataError):  # the manifest itself is the problem: leave it
                pass

    # identity ----------------------------------------------------------------------------------------------
    def refuse_other_kind(self, manifest: dict[str, Any], kind: str) -> None:
        """A run of another kind is never resumed or replaced here (e.g. evaluate --out a training run)."""
        there = manifest.get("kind")
        if there and there != kind:
            raise UserError(f"{self.path} holds a different run (kind: {there!r} there, {kind!r} now); choose "
                            "another --out, or delete that directory to start over")

    def check_identity(self, identity: dict[str, Any], overwrite: bool = False,
                       names: dict[str, str] | None = None) -> dict[str, Any]:
        """Refuse to resume a directory that holds another run's work; ``overwrite`` clears our files first.

        ``identity`` is :class:`~robustxnli.schema.Identity` as JSON. ``limit`` may grow (None = no limit), and
        ``langs`` / ``data_sha256`` may gain entries (new languages); any other difference is refused. Returns the
        identity to record: ``identity`` plus the languages and data hashes of the run it resumes."""
        if overwrite:
            self.clear()
            return identity
        if not self.manifest_path.exists():
            if self.records_path.exists() and self.records_path.stat().st_size:
                raise UserError(f"{self.path} holds records.jsonl but no manifest.json: not a run this command can "
                                "resume; pass --overwrite to start over there, or choose another --out")
            return identity
        manifest = self.manifest()
        if identity.get("kind"):
            self.refuse_other_kind(manifest, identity["kind"])
        before = manifest.get("identity")
        if before is None:
            if self.records_path.exists() and self.records_path.stat().st_size:
                raise UserError(f"{self.path} holds a run from an older robustxnli (no identity in its manifest); "
                                "pass --overwrite to start over there, or choose another --out")
            return identity
        problem = identity_difference(before, identity, names or {})
        if problem:
            raise UserError(f"{self.path} holds a different run ({problem}); pass --overwrite to start over there, "
                            "or choose another --out")
        merged = dict(identity)
        if isinstance(before.get("langs"), list) and isinstance(identity.get("langs"), list):
            merged["langs"] = list(dict.fromkeys([*before["langs"], *identity["langs"]]))
        if isinstance(before.get("data_sha256"), dict) and isinstance(identity.get("data_sha256"), dict):
            merged["data_sha256"] = {**before["data_sha256"], **identity["data_sha256"]}
        return merged

    def clear(self) -> None:
        """Remove this run's own files (manifest, records, summary) and nothing else."""
        for name in (MANIFEST, RECORDS, SUMMARY, MANIFEST + ".tmp", SUMMARY + ".tmp"):
            p = self.path / name
            if p.is_file() or p.is_symlink():
                p.unlink()

    # records ------------------------------------------------------------------------------------------------
    @property
    def records_path(self) -> Path:
        return self.path / RECORDS

    def read_records(self) -> list[dict[str, Any]]:
        return list(iter_records(self.records_path))

    def done_ids(self) -> set[str]:
        return {str(r["id"]) for r in self.read_records()}

    def append_records(self, rows: Iterable[Any]) -> None:
        """Append schema rows (:mod:`robustxnli.schema` dataclasses) as strict JSON lines, then fsync."""
        rows = [r.to_json() if hasattr(r, "to_json") else r for r in rows]
        if not rows:
            return
        with open(self.records_path, "a", encoding="utf-8") as f:
            for row in rows:
                f.write(dumps(row) + "\n")
            f.flush()
            os.fsync(f.fileno())

    # summary ------------------------------------------------------------------------------------------------
    def write_summary(self, summary: Any) -> None:
        atomic_write_json(self.path / SUMMARY, summary.to_json() if hasattr(summary, "to_json") else summary)

    def summary(self) -> dict[str, Any]:
        p = self.path / SUMMARY
        return read_json(p) if p.exists() else {}


def iter_records(path: str | Path, numbered: bool = False) -> Iterator[Any]:
    """Read records.jsonl; a torn last line (process killed mid-write) is ignored, never half-parsed. Any other
    unreadable line is a :class:`DataError` naming file and line. ``numbered`` yields ``(line, row)``."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            if i == len(lines) - 1:  # only a final line without its newline can be torn
                return
            raise DataError(f"{path}, line {i + 1}: not a JSON record ({err}); the file was edited or corrupted — "
                            "delete that run directory, or re-run the command that made it with --overwrite") \
                from None
        yield (i + 1, row) if numbered else row


def truncate_torn_tail(path: str | Path) -> None:
    """Drop a partial last line left by a kill -9 (truncated in place and fsynced), so appends start clean."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, "rb+") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        keep, pos, block = 0, size, 1 << 16
        while pos > 0:  # find the last newline, reading backwards
            start = max(0, pos - block)
            f.seek(start)
            chunk = f.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                break
            pos = start
        f.truncate(keep)
        f.flush()
        os.fsync(f.fileno())


def mark_failed(path: str | Path, err: BaseException) -> None:
    """If ``path`` holds a manifest still at "running", mark it "failed" with the error (creates nothing)."""
    mpath = Path(path) / MANIFEST
    try:
        if mpath.is_file() and read_json(mpath).get("status") == "running":
            RunDir(path).fail(err)
    except (OSError, DataError, AttributeError):
        pass


def end_status(err: BaseException) -> str:
    """The manifest status of a run stopped by ``err``: "interrupted" for Ctrl-C (re-run to resume), else
    "failed"."""
    return "interrupted" if isinstance(err, KeyboardInterrupt) else "failed"


def identity_difference(before: dict[str, Any], now: dict[str, Any], names: dict[str, str] | None = None
                        ) -> str | None:
    """The first field in which two run identities differ, as "field: X there, Y now"; None when resumable."""
    order = ["kind", "schema", "model", "model_sha256", "split", "recipe", "recipe_source", "perturb", "seed",
             "options", "label_order", "langs", "limit", "data_sha256"]  # the most telling difference first
    for key in sorted(set(before) | set(now), key=lambda k: (order.index(k) if k in order else len(order), k)):
        a, b = before.get(key), now.get(key)
        if a == b:
            continue
        if key == "limit" and (b is None or (a is not None and b > a)):
            continue  # a larger limit extends the run
        if key in ("langs",) and isinstance(a, list) and isinstance(b, list):
            continue  # languages are resumed one by one; each language's data hash is compared below
        if key == "data_sha256" and isinstance(a, dict) and isinstance(b, dict):
            clash = [f for f in set(a) & set(b) if a[f] != b[f]]
            if not clash:
                continue
            return (f"data for {clash[0]}: sha256 {a[clash[0]][:12]}… there, {b[clash[0]][:12]}… now (another "
                    "--data-dir or edited data)")
        name = (names or {}).get(key, key)
        if key == "limit":
            return (f"{name}: {a} there, {b} now — a smaller value would mix a larger run's records into this "
                    "one")
        return f"{name}: {a!r} there, {b!r} now"
    return None


def data_fingerprint(hashes: dict[str, str]) -> str:
    """One sha256 over a split's files (by content, in name order), independent of the directory they are in."""
    h = hashlib.sha256()
    for name in sorted(hashes, key=lambda p: Path(p).name):
        h.update(f"{Path(name).name}:{hashes[name]}\n".encode())
    return h.hexdigest()
