"""What identifies a model in a run directory's identity: its resolved path and a sha256 of its weights and config."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import UserError
from ..rundir import file_sha256
from .classifier import resolve_checkpoint

_MODEL_SHA: dict[tuple[str, int, int], str] = {}


def model_fingerprint(name: str) -> tuple[str, str | None]:
    """(resolved checkpoint, sha256 of its safetensors weights and config) — None for a hub name not on disk."""
    try:
        resolved = Path(resolve_checkpoint(name))
    except UserError:  # an in-memory model whose name is no path: identified by name only
        return str(name), None
    if not resolved.is_dir():
        return str(resolved), None
    files = sorted(resolved.glob("*.safetensors")) + [resolved / "config.json"]
    h = hashlib.sha256()
    for f in files:
        if not f.exists():
            continue
        st = f.stat()
        key = (str(f.resolve()), st.st_size, st.st_mtime_ns)
        if key not in _MODEL_SHA:
            _MODEL_SHA[key] = file_sha256(f)
        h.update(f"{f.name}:{_MODEL_SHA[key]}\n".encode())
    return str(resolved.resolve()), h.hexdigest()
