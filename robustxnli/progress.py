"""One progress-bar style for every long-running command (rich; silent with ``enabled=False`` or the environment
variable ``ROBUSTXNLI_PROGRESS=0``)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def progress_bar(description: str, total: int, fields: dict[str, int] | None = None, enabled: bool = True
                 ) -> Iterator[Callable[..., None]]:
    """Yields ``advance(n=1, **field_updates)``; ``fields`` are counters shown after the bar
    (e.g. succeeded / failed / skipped)."""
    if not enabled or os.environ.get("ROBUSTXNLI_PROGRESS") == "0":
        yield lambda n=1, **kw: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    counters = dict(fields or {})
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn()]
    if counters:
        columns.append(TextColumn("{task.fields[counts]}"))
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(description, total=total, counts=_fmt(counters))

        def advance(n: int = 1, **updates: int) -> None:
            for k, v in updates.items():
                counters[k] = counters.get(k, 0) + v
            progress.update(task, advance=n, counts=_fmt(counters))

        yield advance


def _fmt(counters: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in counters.items())
