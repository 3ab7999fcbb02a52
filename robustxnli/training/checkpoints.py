"""Which Trainer checkpoint a resumed phase starts from: the newest *complete* one.

Hugging Face ``Trainer`` writes ``checkpoint-N/`` file by file (weights, optimizer, scheduler, RNG state, and
``trainer_state.json`` last) without fsync, so a ``kill -9`` or a full disk can leave a newest directory that is
cut short. ``transformers.trainer_utils.get_last_checkpoint`` picks it anyway and every re-run then fails. Here a
checkpoint counts only when all of it reads back:

* ``trainer_state.json`` parses and names its ``global_step``;
* the weights (``*.safetensors``) have a readable header and exactly the length it declares;
* ``optimizer.pt`` (and ``scheduler.pt`` / ``scaler.pt`` when present) are non-empty, complete zip archives
  (``torch.save``'s format: a file cut short loses its central directory).

Incomplete checkpoints newer than the chosen one are removed with a one-line notice (the step they stood for is
trained again), so the Trainer's own rotation never counts them.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

from ..errors import UserError

_STEP = re.compile(r"^checkpoint-(\d+)$")


def checkpoint_problem(path: str | Path) -> str | None:
    """Why ``path`` is not a complete Trainer checkpoint, or None when it is."""
    from ..validate import safetensors_file

    path = Path(path)
    state = path / "trainer_state.json"
    if not state.is_file():
        return "no trainer_state.json"
    try:
        if "global_step" not in json.loads(state.read_text(encoding="utf-8")):
            return "trainer_state.json has no global_step"
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return f"trainer_state.json unreadable ({err})"
    weights = sorted(path.glob("*.safetensors"))
    if not weights:
        return "no *.safetensors weights"
    for w in weights:
        try:
            safetensors_file(w)
        except UserError as err:
            return str(err)
    for name, required in (("optimizer.pt", True), ("scheduler.pt", False), ("scaler.pt", False)):
        f = path / name
        if not f.exists():
            if required:
                return f"no {name}"
            continue
        if f.stat().st_size == 0:
            return f"{name} is empty"
        try:
            with zipfile.ZipFile(f) as z:
                z.namelist()
        except (zipfile.BadZipFile, OSError) as err:
            return f"{name} is cut short ({err})"
    return None


def latest_complete_checkpoint(phase_dir: str | Path, remove_incomplete: bool = True) -> str | None:
    """The newest complete ``checkpoint-N`` under ``phase_dir`` (None: start the phase fresh)."""
    phase_dir = Path(phase_dir)
    if not phase_dir.is_dir():
        return None
    found = sorted(((int(m.group(1)), p) for p in phase_dir.iterdir()
                    if p.is_dir() and (m := _STEP.match(p.name))), reverse=True)
    for _, path in found:
        problem = checkpoint_problem(path)
        if problem is None:
            return str(path)
        print(f"robustxnli: ignoring incomplete checkpoint {path} ({problem})"
              + ("; removed" if remove_incomplete else ""))
        if remove_incomplete:
            shutil.rmtree(path, ignore_errors=True)
    return None
