"""What every task module declares, and the one loader they share.

Sources, in order: ``--data-dir`` / ``ROBUSTXNLI_DATA``; the small attributed slices vendored in
``robustxnli/data/pack`` (enough for the demo and tests on a fresh clone); the Hugging Face hub when online.
Rows are loaded through ``datasets.load_dataset("json", ...)`` (caching and fingerprints for free), then
validated with errors that name the file and line.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import DataError, UserError

PACK_DIR = Path(__file__).parent / "pack"


@dataclass(frozen=True)
class NLIExample:
    """One premise/hypothesis pair. ``id`` is stable across languages for aligned XNLI items."""

    id: str
    premise: str
    hypothesis: str
    label: int
    lang: str = "en"


@dataclass(frozen=True)
class Task:
    """A task module's declaration. ``files`` maps split -> path template relative to the data dir
    (``{lang}`` is filled for multilingual tasks); ``hub`` maps split -> (dataset name, config, hub split) and
    ``from_hub`` converts one hub row into this task's schema."""

    name: str
    kind: str  # "nli" | "classification" | "extractive_qa" | "multiple_choice"
    files: dict[str, str]
    validate: Callable[[dict[str, Any]], str | None]  # returns a problem description or None
    langs: tuple[str, ...] = ("en",)
    num_labels: int = 3
    hub: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)
    from_hub: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    caveat: str | None = None  # stated wherever numbers from this task are shown
    citation: str = ""
    # multiple choice: a row -> (first text, one second text per choice); the featuriser pairs them
    choices: Callable[[dict[str, Any]], tuple[str, list[str]]] | None = None


def json_object_line(text: str, path: Any, lineno: int) -> dict[str, Any]:
    """One JSON Lines row: a JSON object, else a DataError naming the file and line."""
    try:
        row = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"{path}, line {lineno}: malformed JSON ({err.msg})") from None
    if not isinstance(row, dict):
        raise DataError(f"{path}, line {lineno}: expected a JSON object, got {type(row).__name__}")
    return row


def resolve_data_dir(data_dir: str | Path | None = None) -> Path | None:
    value = data_dir or os.environ.get("ROBUSTXNLI_DATA")
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise UserError(f"data directory {path} does not exist; pass --data-dir DIR or set ROBUSTXNLI_DATA")
    return path


def find_files(task: Task, split: str, lang: str | None, data_dir: str | Path | None) -> list[Path]:
    """The files for (task, split, lang) in the data dir, else in the vendored pack (templates may glob)."""
    rel = task.files[split].format(lang=lang)
    user_root = resolve_data_dir(data_dir)
    for root in (user_root, PACK_DIR):
        if root is not None:
            found = sorted(root.glob(rel))
            if found:
                return found
            folder = (root / rel).parent
            if root is user_root and "*" not in str(folder) and folder.is_dir():
                # the data dir holds this split for other languages: never mix in the bundled slice silently
                raise UserError(f"data directory {root} has {folder.relative_to(root)}/ but no {Path(rel).name}; "
                                "add the file, or point --data-dir / ROBUSTXNLI_DATA at a directory that has it")
    return []


def _locate_json_error(path: Path) -> DataError:
    """Re-read a file that ``datasets`` refused, to name the bad line."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    return DataError(f"{path}, line {lineno}: malformed JSON ({err.msg})")
                if not isinstance(row, dict):
                    return DataError(f"{path}, line {lineno}: expected a JSON object, got {type(row).__name__}")
    except (OSError, EOFError, UnicodeDecodeError) as err:
        return DataError(f"{path}: unreadable ({err}); expected gzip-compressed or plain JSON Lines in UTF-8")
    return DataError(f"{path}: could not be read as JSON Lines")


def _raw_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) of every non-blank line, parsed by Python's json; a line that is not UTF-8, not JSON,
    not an object or holds a lone surrogate is a :class:`DataError` naming it."""
    opener = gzip.open if path.suffix == ".gz" else open
    out: list[tuple[int, dict[str, Any]]] = []
    try:
        with opener(path, "rb") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise DataError(f"{path}, line {lineno}: not UTF-8 text (byte {line[err.start]:#04x} at "
                                    f"column {err.start + 1}); re-save the file as UTF-8") from None
                row = json_object_line(text, path, lineno)
                for key, value in row.items():
                    if isinstance(value, str):
                        try:
                            value.encode("utf-8")
                        except UnicodeEncodeError:
                            raise DataError(f"{path}, line {lineno}: field {key!r} holds a lone surrogate "
                                            "(an invalid \\uD800-\\uDFFF escape)") from None
                out.append((lineno, row))
    except (OSError, EOFError) as err:
        raise DataError(f"{path}: unreadable ({err}); expected gzip-compressed or plain JSON Lines") from None
    return out


def read_rows(path: Path, task: Task, skip_invalid: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """Load and validate one JSONL(.gz) file. Returns (rows, problems). A problem raises :class:`DataError`
    naming file and line, unless ``skip_invalid``: then the row is skipped and its problem returned, so the
    caller can count and report it (nothing is dropped silently)."""
    import datasets

    datasets.disable_progress_bars()
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    raw = _raw_rows(path)  # names the line of any undecodable / malformed row before datasets sees it
    try:
        ds = datasets.load_dataset("json", data_files=str(path), split="train")
    except Exception as err:  # datasets wraps JSON errors in several types
        located = _locate_json_error(path)
        raise located from err
    rows, problems = [], []
    for i, row in enumerate(ds):
        problem = task.validate(row)
        if problem is None:
            rows.append(row)
            continue
        lineno = raw[i][0] if i < len(raw) else i + 1
        if i < len(raw) and task.validate(raw[i][1]) is None:  # a column cast (e.g. 1.0 made every label float)
            lineno, problem = next(((n, p) for n, r in raw if (p := task.validate(r)) is not None), (lineno, problem))
        message = f"{path}, line {lineno}: {problem}"
        if not skip_invalid:
            raise DataError(message + " (fix or remove that row in the data directory)")
        problems.append(message)
    if not rows and not problems:
        raise DataError(f"{path}: no rows")
    return rows, problems


# Validators shared by task modules ----------------------------------------------------------------------------
def nonempty_text(row: dict[str, Any], *fields: str) -> str | None:
    for name in fields:
        if name not in row or row[name] is None:
            return f"missing field {name!r}"
        if not isinstance(row[name], str) or not row[name].strip():
            return f"empty {name}"
    return None


def label_in_range(row: dict[str, Any], n: int) -> str | None:
    label = row.get("label")
    if label is None:
        return "missing field 'label'"
    if not isinstance(label, int) or isinstance(label, bool) or not 0 <= label < n:
        return f"label {label!r} outside 0-{n - 1}"
    return None


def validate_nli(row: dict[str, Any]) -> str | None:
    return nonempty_text(row, "premise", "hypothesis") or label_in_range(row, 3)
