"""``robustxnli.json``: the training/size facts robustxnli writes next to every model it builds or trains.

Declared once in :mod:`robustxnli.schema` (a corrupt sidecar is a UserError naming the file); re-exported here so the
model room imports it from its own package."""

from __future__ import annotations

from ..schema import SIDECAR, Sidecar, read_sidecar, write_sidecar

__all__ = ["SIDECAR", "Sidecar", "read_sidecar", "write_sidecar"]
