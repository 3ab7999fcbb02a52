"""The run-directory schema, declared once: records, summaries, manifests and the model sidecar.

Every writer builds its rows through these classes and every reader checks them here, so a field has one name
and one type everywhere. **Adding a field is one line** in the class (give it a default, so older run dirs still
read). ``SCHEMA_VERSION`` is written into every manifest; bump it when a field changes meaning.

JSON is strict: NaN / infinity become ``null`` (``allow_nan=False`` would otherwise refuse them), so every file
is valid JSON for any parser.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Iterator

from .errors import DataError, UserError
# strict JSON, the schema version and the manifest check live in the bottom layer (rundir); re-exported here
from .rundir import MANIFEST_REQUIRED, SCHEMA_VERSION, check_manifest, clean, dumps  # noqa: F401

SIDECAR = "robustxnli.json"  # model facts written next to a model by robustxnli


# records ------------------------------------------------------------------------------------------------------
class _Row:
    """Base of record/summary classes: ``to_json`` for writers, ``check`` for readers."""

    kind: ClassVar[str] = ""
    # the fields readers rely on (checked on every row read back; the rest may be absent in older run dirs)
    read_fields: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> dict[str, Any]:
        out = clean(dataclasses.asdict(self))
        return {k: v for k, v in out.items() if v is not None or k in self._keep_none()}

    @classmethod
    def _keep_none(cls) -> set[str]:
        return {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}  # type: ignore[misc]

    @classmethod
    def required(cls) -> set[str]:
        return set(cls.read_fields) or cls._keep_none()

    @classmethod
    def check(cls, row: Any, where: str) -> dict[str, Any]:
        """A row read back: an object with every required field (extra fields are kept)."""
        if not isinstance(row, dict):
            raise DataError(f"{where}: expected a JSON object, got {type(row).__name__}")
        missing = sorted(cls.required() - set(row))
        if missing:
            raise DataError(f"{where}: not a {cls.kind} record (missing {', '.join(missing)}); was this run dir "
                            "written by another tool or version? Re-run it into a new --out")
        for key in ("label", "pred", "clean_pred", "adv_pred", "pred2"):
            if key in row and (isinstance(row[key], bool) or not isinstance(row[key], int)):
                raise DataError(f"{where}: {key} must be an integer label id, got {row[key]!r}")
        if "status" in row and cls.kind == "attack" and row["status"] not in ATTACK_STATUSES:
            raise DataError(f"{where}: status {row['status']!r} is not one of {', '.join(ATTACK_STATUSES)}")
        return row


ATTACK_STATUSES = ("succeeded", "failed", "skipped")


@dataclass
class EvalRecord(_Row):
    kind: ClassVar[str] = "evaluate"
    read_fields: ClassVar[tuple[str, ...]] = ("id", "lang", "label", "correct")
    id: str
    lang: str
    label: int
    pred: int
    correct: bool
    probs: list[float]
    pred3: int | None = None  # a two-way set (own data): ``pred`` is two-way, this the three-way argmax


@dataclass
class AttackRecord(_Row):
    kind: ClassVar[str] = "attack"
    read_fields: ClassVar[tuple[str, ...]] = ("id", "lang", "label", "status", "clean_pred")
    id: str
    lang: str
    label: int
    status: str  # succeeded | failed | skipped
    clean_pred: int
    adv_pred: int
    clean_probs: list[float]
    adv_probs: list[float]
    premise: str
    hypothesis: str
    adv_premise: str
    adv_hypothesis: str
    words_changed: int
    words_changed_frac: float
    queries: int
    # candidates the constraints checked / refused for this pair (attacks/refusals.py; absent when skipped)
    candidates: dict[str, Any] | None = None


@dataclass
class HansRecord(_Row):
    kind: ClassVar[str] = "hans"
    read_fields: ClassVar[tuple[str, ...]] = ("id", "lang", "label", "correct")
    id: str
    lang: str
    label: int  # 0 entailment, 1 non-entailment
    heuristic: str
    subcase: str
    premise: str
    hypothesis: str
    pred2: int  # two-way prediction
    pred: int  # three-way argmax (XNLI order)
    correct: bool
    probs: list[float]


@dataclass
class ContrastRecord(_Row):
    kind: ClassVar[str] = "contrast"
    read_fields: ClassVar[tuple[str, ...]] = ("id", "lang", "label", "category", "correct")
    id: str
    lang: str
    label: int
    category: str
    relation: str
    swap: list[str]
    premise: str
    hypothesis: str
    pred: int
    correct: bool
    probs: list[float]


RECORDS = {c.kind: c for c in (EvalRecord, AttackRecord, HansRecord, ContrastRecord)}


def robust_correct(record: dict[str, Any]) -> bool:
    """Robust accuracy, defined once: the model was right on the clean pair and the attack failed to flip it
    (a "skipped" example was already wrong; a "succeeded" one was flipped)."""
    return int(record["clean_pred"]) == int(record["label"]) and record["status"] == "failed"


def clean_correct(record: dict[str, Any]) -> bool:
    return int(record["clean_pred"]) == int(record["label"])


# summaries ----------------------------------------------------------------------------------------------------
@dataclass
class EvalSummary(_Row):
    kind: ClassVar[str] = "evaluate"
    accuracy: dict[str, float]
    n: dict[str, int]
    average: float | None
    split: str
    per_class: dict[str, Any] | None = None  # recall, prediction shares, confusion per language (perclass.py)


@dataclass
class AttackSummary(_Row):
    kind: ClassVar[str] = "attack"
    n: int
    n_succeeded: int
    n_failed: int
    n_skipped: int
    clean_accuracy: float | None
    robust_accuracy: float | None
    attack_success_rate: float | None
    mean_words_changed: float | None
    mean_queries: float | None
    by_class: dict[str, Any] | None = None  # per gold class: skipped, succeeded, robust accuracy (perclass.py)
    candidates: dict[str, Any] | None = None  # pairs counted, candidates checked/accepted, refused per constraint


@dataclass
class HansSummary(_Row):
    kind: ClassVar[str] = "hans"
    accuracy: dict[str, dict[str, float]]
    accuracy_by_lang: dict[str, dict[str, dict[str, float]]]
    accuracy_by_subcase: dict[str, dict[str, float]]
    overall: dict[str, float | None]
    n: dict[str, int]


# manifests ----------------------------------------------------------------------------------------------------
STATUSES = ("running", "done", "failed", "interrupted")


@dataclass
class Identity:
    """What identifies a run's work: resuming into a directory whose identity differs is refused.
    ``limit`` may grow (the run extends); every other field must match. Unused fields stay None."""

    kind: str
    model: str | None = None           # checkpoint path or name as resolved
    model_sha256: str | None = None    # hash of the weights file(s): another model under the same path differs
    data_sha256: dict[str, str] | None = None
    split: str | None = None
    langs: list[str] | None = None
    limit: int | None = None
    seed: int | None = None
    recipe: str | None = None
    recipe_source: str | None = None   # plug-ins only: file path + content hash, or module / entry point
    perturb: str | None = None
    options: dict[str, Any] | None = None
    label_order: list[str] | None = None
    schema: int = SCHEMA_VERSION

    EXTENDABLE: ClassVar[tuple[str, ...]] = ("limit", "langs", "data_sha256")

    def to_json(self) -> dict[str, Any]:
        return clean(dataclasses.asdict(self))


# the model sidecar --------------------------------------------------------------------------------------------
@dataclass
class Sidecar(_Row):
    """``robustxnli.json`` next to a model: what every run made with it records about it. Extra keys (e.g. the
    embedded model's quantisation notes) are kept as they are."""

    kind: ClassVar[str] = "sidecar"
    base_model: str | None = None
    model_label: str | None = None
    params_total: int | None = None
    params_non_embedding: int | None = None
    regime: str | None = None
    intermediate: list[str] | None = None
    target: str | None = None
    seed: int | None = None
    caveats: list[str] = field(default_factory=list)
    train_run: str | None = None
    schema: int = SCHEMA_VERSION


def write_sidecar(model_dir: str | Path, sidecar: Sidecar | dict[str, Any]) -> Path:
    from .rundir import atomic_write_json

    if not isinstance(sidecar, Sidecar):  # a dict: declared fields typed through the class, extra keys kept
        known = {f.name for f in dataclasses.fields(Sidecar)}
        extra = {k: v for k, v in sidecar.items() if k not in known}
        sidecar_json = {**clean(extra), **Sidecar(**{k: v for k, v in sidecar.items() if k in known}).to_json()}
    else:
        sidecar_json = sidecar.to_json()
    path = Path(model_dir) / SIDECAR
    atomic_write_json(path, sidecar_json)
    return path


def read_sidecar(model_dir: str | Path) -> dict[str, Any]:
    """The sidecar as a dict ({} when there is none); a corrupt one is a UserError naming the file."""
    path = Path(model_dir) / SIDECAR
    if not path.exists():
        return {}
    try:
        side = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UserError(f"{path} is unreadable ({err}); delete it (its facts are then unknown) or rebuild the "
                        "model") from None
    if not isinstance(side, dict):
        raise UserError(f"{path}: expected a JSON object; delete it or rebuild the model")
    return side


# reading back -------------------------------------------------------------------------------------------------
def read_records(path: str | Path, kind: str) -> Iterator[dict[str, Any]]:
    """Records of ``kind`` from ``records.jsonl``, each checked; a torn last line is ignored, any other bad line
    is a :class:`DataError` naming file and line."""
    from .rundir import iter_records

    cls = RECORDS[kind]
    for lineno, row in iter_records(path, numbered=True):
        yield cls.check(row, f"{path}, line {lineno}")


def summary_of(kind: str) -> type[_Row]:
    return {"evaluate": EvalSummary, "attack": AttackSummary, "hans": HansSummary}[kind]


def check_rows(rows: Iterable[dict[str, Any]], kind: str, where: str) -> list[dict[str, Any]]:
    cls = RECORDS[kind]
    return [cls.check(r, f"{where}, row {i + 1}") for i, r in enumerate(rows)]
