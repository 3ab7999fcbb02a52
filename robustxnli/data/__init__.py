"""The task registry: one small module per task (``xnli``, ``mnli``, ``snli``, ``anli``, ``squad``, ``hellaswag``,
``cosmosqa``, ``commonsenseqa``, ``sst2``), one loader for all.

>>> rows = load_task("xnli", "dev", lang="de", limit=5)      # list of dicts in the pack's schema
>>> pairs = load_nli("xnli", "dev", lang="de", limit=5)      # list of NLIExample
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..rundir import file_sha256
from . import anli, commonsenseqa, cosmosqa, hellaswag, mnli, snli, squad, sst2, xnli
from .base import NLIExample, Task, find_files, read_rows, resolve_data_dir

TASKS: dict[str, Task] = {m.TASK.name: m.TASK for m in (xnli, mnli, snli, anli, squad, hellaswag, cosmosqa,
                                                         commonsenseqa, sst2)}
INTERMEDIATE_TASKS: tuple[str, ...] = ("mnli", "anli", "snli", "squad", "hellaswag", "cosmosqa", "commonsenseqa", "sst2")

__all__ = ["TASKS", "INTERMEDIATE_TASKS", "NLIExample", "LoadedSplit", "get_task", "load_task", "load_nli",
           "split_sha256"]


@dataclass
class LoadedSplit:
    rows: list[dict[str, Any]]
    files: list[str]
    sha256: dict[str, str]
    skipped: list[str] = field(default_factory=list)  # problems of rows skipped with skip_invalid
    source: str = "local"


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise UserError(f"unknown task {name!r}; choose from: {', '.join(TASKS)}")
    return TASKS[name]


def _check_split_lang(task: Task, split: str, lang: str | None) -> None:
    if split not in task.files:
        raise UserError(f"task {task.name!r} has no split {split!r}; choose from: {', '.join(task.files)}")
    if len(task.langs) > 1 and lang not in task.langs:
        raise UserError(f"task {task.name!r} needs a language from: {', '.join(task.langs)} (got {lang!r})")


def split_sha256(name: str, split: str, lang: str | None = None, data_dir: str | Path | None = None
                 ) -> dict[str, str]:
    """sha256 of the local files behind a task split (for manifests), without reading their rows; {} for the hub."""
    task = get_task(name)
    _check_split_lang(task, split, lang)
    return {str(f): file_sha256(f) for f in find_files(task, split, lang if len(task.langs) > 1 else None, data_dir)}


def _from_hub(task: Task, split: str, lang: str | None) -> list[dict[str, Any]]:
    from ..offline import hub_reachable

    if split not in task.hub or not hub_reachable():
        return []
    import datasets

    name, config, hub_split = task.hub[split]
    ds = datasets.load_dataset(name, config.format(lang=lang) if config else None, split=hub_split)
    convert = task.from_hub or (lambda r: dict(r))
    return [convert(r) for r in ds]


def load_task(name: str, split: str, lang: str | None = None, data_dir: str | Path | None = None,
              limit: int | None = None, skip_invalid: bool = False) -> LoadedSplit:
    """Rows of one task split, validated. Local files first, then the hub when online."""
    task = get_task(name)
    _check_split_lang(task, split, lang)
    lang = lang if len(task.langs) > 1 else None
    files = find_files(task, split, lang, data_dir)
    if not files:
        rows = _from_hub(task, split, lang)
        if not rows:
            where = resolve_data_dir(data_dir) or "the vendored pack"
            raise UserError(
                f"no data for {name}/{split}{'/' + lang if lang else ''}: {task.files[split].format(lang=lang)} "
                f"is not in {where} and the Hugging Face hub is unreachable. Point --data-dir (or ROBUSTXNLI_DATA) "
                "at a directory laid out like the offline pack (see README)."
            )
        kept, problems = [], []
        for i, row in enumerate(rows):
            if row.get("label", 0) == -1:  # hub convention for unlabelled rows
                problems.append(f"hub {task.hub[split][0]} row {i}: no gold label")
            elif (p := task.validate(row)) is None:
                kept.append(row)
            else:
                problems.append(f"hub {task.hub[split][0]} row {i}: {p}")
        out = LoadedSplit(kept, [task.hub[split][0]], {}, problems, source="hub")
    else:
        out = LoadedSplit([], [str(f) for f in files], {str(f): file_sha256(f) for f in files})
        for f in files:
            rows, problems = read_rows(f, task, skip_invalid=skip_invalid)
            out.rows.extend(rows)
            out.skipped.extend(problems)
    if out.skipped:
        print(f"robustxnli: skipped {len(out.skipped)} invalid row(s) of {name}/{split}; first: {out.skipped[0]}",
              file=sys.stderr)
    if limit is not None:
        out.rows = out.rows[:limit]
    return out


def load_nli(task: str, split: str, lang: str | None = None, data_dir: str | Path | None = None,
             limit: int | None = None, skip_invalid: bool = False) -> list[NLIExample]:
    """NLI pairs with stable ids ``{task}-{split}-{row:06d}``: the same id names the same item in every XNLI
    language (the files are line-aligned), so runs pair across languages, models, regimes and seeds."""
    spec = get_task(task)
    if spec.kind != "nli":
        raise UserError(f"{task!r} is not an NLI task; NLI tasks: {', '.join(n for n, t in TASKS.items() if t.kind == 'nli')}")
    loaded = load_task(task, split, lang, data_dir, limit, skip_invalid)
    code = lang or "en"
    return [NLIExample(f"{task}-{split}-{i:06d}", r["premise"], r["hypothesis"], int(r["label"]), code)
            for i, r in enumerate(loaded.rows)]
