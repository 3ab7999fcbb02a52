"""Run the cells of a plan: locally in dependency order, on a Ray cluster, or on Slurm through submitit.

Every executor calls the same :func:`run_cell`, which is idempotent: a cell whose run dir has a manifest with
status "done" and the same ``cell_hash`` is skipped; anything else is (re)called, and the called function resumes
from what its run dir already holds (records are appended and fsynced, training checkpoints). So a sweep killed
at any point is resumed by running it again.
"""

from __future__ import annotations

import importlib
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import UserError
from ..rundir import MANIFEST, RunDir, end_status, read_json
from .config import current_function
from .plan import Cell

DONE, PENDING, PARTIAL, FAILED = "done", "pending", "partial", "failed"


def resolve_fn(dotted: str) -> Callable[..., Any]:
    """The cell function ``module:function`` (an old name of a moved function is imported from its new place)."""
    module, _, name = current_function(dotted).partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise UserError(f"cannot import cell function {dotted!r}: {err}") from None
    return fn


def cell_state(cell: Cell) -> str:
    path = Path(cell.out) / MANIFEST
    try:
        manifest = read_json(path) if path.exists() else {}
    except (ValueError, UserError):  # a manifest is written atomically; unreadable means foreign: run it again
        manifest = {}
    if not manifest:
        return PENDING
    if manifest.get("cell_hash") == cell.cell_hash and manifest.get("status") == DONE:
        return DONE
    return FAILED if manifest.get("status") == FAILED else PARTIAL


def _stamp(cell: Cell, sweep: dict[str, Any]) -> dict[str, Any]:
    return {"cell_hash": cell.cell_hash, "cell_name": cell.name, "cell_fn": cell.fn, "cell_kwargs": cell.kwargs,
            "cell_deps": cell.deps, **sweep}


def run_cell(cell: Cell, sweep: dict[str, Any] | None = None) -> str:
    """Run one cell unless it is done; returns "skipped" or "ran". ``sweep`` (sweep_hash, sweep_command) is stamped
    into the manifest. Exceptions mark the manifest failed and propagate."""
    sweep = sweep or {}
    if cell_state(cell) == DONE:
        RunDir(cell.out).write_manifest(**sweep)  # the finished cell now also belongs to this sweep
        return "skipped"
    run = RunDir(cell.out)
    run.write_manifest(**_stamp(cell, sweep), status="running")
    kwargs = dict(cell.kwargs)
    try:
        resolve_fn(cell.fn)(out=cell.out, **kwargs)
    except BaseException as err:
        run.write_manifest(status=end_status(err), error=f"{type(err).__name__}: {err}",
                           traceback=traceback.format_exc()[-4000:])
        raise
    if run.manifest().get("status") == FAILED:
        raise RuntimeError(f"cell {cell.name}: {cell.fn} marked its run failed: {run.manifest().get('error', '')}")
    # The cell function writes its own manifest (kind, model, sizes...); keep it, add the sweep stamps, mark done.
    run.finish(status=DONE, **_stamp(cell, sweep))
    return "ran"


@dataclass
class SweepResult:
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # name -> error
    blocked: list[str] = field(default_factory=list)  # a dependency failed
    seconds: float = 0.0
    out_dir: str = ""  # the sweep's root and name (set by run.sweep, for the closing hint)
    name: str = ""

    def summary(self) -> str:
        return (f"{len(self.ran)} ran, {len(self.skipped)} already done, {len(self.failed)} failed, "
                f"{len(self.blocked)} blocked by a failed dependency")


def _blocked(cell: Cell, bad: set[str]) -> bool:
    return any(d in bad for d in cell.deps)


def _settle(res: SweepResult, bad: set[str], cell: Cell, outcome: Callable[[], str]) -> bool:
    """Record a cell's outcome ("ran" / "skipped", or the exception it raised); True when it did not fail."""
    try:
        (res.ran if outcome() == "ran" else res.skipped).append(cell.name)
        return True
    except Exception as err:  # noqa: BLE001 - reported per cell, the sweep goes on
        res.failed[cell.name] = f"{type(err).__name__}: {err}"
        bad.add(cell.cell_hash)
        return False


def run_local(cells: Sequence[Cell], sweep: dict[str, Any] | None = None,
              progress: Callable[..., None] | None = None) -> SweepResult:
    """Sequential, in plan (dependency) order; a failed cell blocks only the cells that depend on it."""
    res, bad = SweepResult(), set()
    for cell in cells:
        if _blocked(cell, bad):
            res.blocked.append(cell.name)
            bad.add(cell.cell_hash)
        else:
            _settle(res, bad, cell, lambda: run_cell(cell, sweep))
        if progress:
            progress(1)
    return res


def _worker_start(parent: int) -> None:
    """Worker initializer: the CLI's console hygiene (a spawned worker starts bare), and end this worker when the
    sweep process is gone (killed), instead of running on."""
    import threading

    from .. import quiet

    quiet.install()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)  # the cell's run dir keeps what was appended; re-running the sweep resumes it

    threading.Thread(target=watch, daemon=True).start()


def run_local_parallel(cells: Sequence[Cell], jobs: int, sweep: dict[str, Any] | None = None,
                       progress: Callable[..., None] | None = None) -> SweepResult:
    """``jobs`` worker processes on this machine; a cell starts once its dependencies are done, in plan order
    otherwise. Workers are spawned (not forked): a forked torch with its thread pools can deadlock."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    res, bad, done = SweepResult(), set(), set()
    waiting = list(cells)
    by_future: dict[Any, Cell] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_start, initargs=(os.getpid(),)) as pool:
        while waiting or by_future:
            for cell in list(waiting):
                if _blocked(cell, bad):
                    waiting.remove(cell)
                    res.blocked.append(cell.name)
                    bad.add(cell.cell_hash)
                    if progress:
                        progress(1)
                elif all(d in done for d in cell.deps) and len(by_future) < jobs:
                    waiting.remove(cell)
                    by_future[pool.submit(run_cell, cell, sweep)] = cell
            if not by_future:
                if waiting:  # nothing runs and nothing is ready: only dependencies outside the plan can wait
                    outside = {d for c in waiting for d in c.deps} - {c.cell_hash for c in cells}
                    if not outside:
                        raise RuntimeError("sweep plan has a dependency cycle: " + ", ".join(c.name for c in waiting))
                    done.update(outside)  # as the sequential executor does: they do not block
                continue
            finished, _ = wait(list(by_future), return_when=FIRST_COMPLETED)
            for fut in finished:
                cell = by_future.pop(fut)
                if _settle(res, bad, cell, fut.result):
                    done.add(cell.cell_hash)
                if progress:
                    progress(1)
    return res


def run_ray(cells: Sequence[Cell], sweep: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
            progress: Callable[..., None] | None = None) -> SweepResult:
    """One Ray task per cell; a cell's task receives its dependencies' results, so Ray orders them.
    Connects to ``options["address"]`` (or RAY_ADDRESS), else starts a local instance; reuses one already up."""
    try:
        import ray
    except ImportError:
        raise UserError("the ray executor needs Ray: pip install 'robustxnli[ray]'") from None
    options = dict(options or {})
    if not ray.is_initialized():
        ray.init(address=options.get("address"), ignore_reinit_error=True, log_to_driver=False)

    @ray.remote(num_cpus=options.get("num_cpus_per_cell", 1), num_gpus=options.get("num_gpus_per_cell", 0),
                max_retries=0)
    def task(cell: Cell, *_deps: str) -> str:
        return run_cell(cell, sweep)

    refs: dict[str, Any] = {}
    for cell in cells:
        refs[cell.cell_hash] = task.remote(cell, *[refs[d] for d in cell.deps if d in refs])
    res, bad = SweepResult(), set()
    for cell in cells:  # plan order: a dependency is collected before its dependents
        try:
            outcome = ray.get(refs[cell.cell_hash])
            (res.ran if outcome == "ran" else res.skipped).append(cell.name)
        except Exception as err:  # noqa: BLE001
            if _blocked(cell, bad):
                res.blocked.append(cell.name)
            else:
                res.failed[cell.name] = _root_cause(err)
            bad.add(cell.cell_hash)
        if progress:
            progress(1)
    return res


def _root_cause(err: BaseException) -> str:
    cause = getattr(err, "cause", None) or err
    return f"{type(cause).__name__}: {cause}"


def levels(cells: Sequence[Cell]) -> list[list[Cell]]:
    """Group cells into waves: every cell's dependencies are in an earlier wave."""
    depth: dict[str, int] = {}
    for cell in cells:
        depth[cell.cell_hash] = 1 + max((depth[d] for d in cell.deps if d in depth), default=-1)
    waves: list[list[Cell]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for cell in cells:
        waves[depth[cell.cell_hash]].append(cell)
    return waves


def run_slurm(cells: Sequence[Cell], sweep: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
              folder: str | Path = "runs/submitit", progress: Callable[..., None] | None = None,
              executor: Any = None) -> SweepResult:
    """Submit wave by wave through submitit (one job per cell); ``options`` go to ``executor.update_parameters``
    (e.g. timeout_min, gpus_per_node, slurm_partition); ``cluster: local|debug`` runs the same code without Slurm."""
    try:
        import submitit
    except ImportError:
        raise UserError("the slurm executor needs submitit: pip install 'robustxnli[slurm]'") from None
    options = dict(options or {})
    if executor is None:
        executor = submitit.AutoExecutor(folder=str(folder), cluster=options.pop("cluster", None))
        if options:
            executor.update_parameters(**options)
    res, bad = SweepResult(), set()
    for wave in levels(cells):
        jobs = []
        for cell in wave:
            if _blocked(cell, bad):
                res.blocked.append(cell.name)
                bad.add(cell.cell_hash)
                if progress:
                    progress(1)
            else:
                jobs.append((cell, executor.submit(run_cell, cell, sweep)))
        for cell, job in jobs:
            try:
                outcome = job.result()
                (res.ran if outcome == "ran" else res.skipped).append(cell.name)
            except Exception as err:  # noqa: BLE001
                res.failed[cell.name] = f"{type(err).__name__}: {str(err)[-500:]}"
                bad.add(cell.cell_hash)
            if progress:
                progress(1)
    return res


def run_plan(cells: Sequence[Cell], executor: str = "local", sweep: dict[str, Any] | None = None,
             options: dict[str, Any] | None = None, folder: str | Path = "runs/submitit",
             progress: Callable[..., None] | None = None, jobs: int = 1) -> SweepResult:
    start = time.time()
    if executor == "local" and jobs > 1:
        res = run_local_parallel(cells, jobs, sweep, progress)
    elif executor == "local":
        res = run_local(cells, sweep, progress)
    elif executor == "ray":
        res = run_ray(cells, sweep, options, progress)
    elif executor == "slurm":
        res = run_slurm(cells, sweep, options, folder, progress)
    else:
        raise UserError(f"unknown executor {executor!r}; choose local, ray or slurm")
    res.seconds = time.time() - start
    return res
