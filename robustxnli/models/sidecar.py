"""``robustxnli.json``: the training/size facts robustxnli writes next to every model it builds or trains."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SIDECAR = "robustxnli.json"


def read_sidecar(model_dir: str | Path) -> dict[str, Any]:
    p = Path(model_dir) / SIDECAR
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}
