"""Sweep: config -> plan (hash-keyed run dirs), dry-run cost, executors (local, Ray, submitit) on toy cells,
and resume after a SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from robustxnli.errors import UserError
from robustxnli.sweep.config import load_config
from robustxnli.sweep.executors import DONE, PENDING, cell_state, levels, run_plan
from robustxnli.sweep.plan import build_plan, estimate_seconds

REPO = Path(__file__).resolve().parents[1]
TOY = "robustxnli.sweep.toy:count_cell"
CLI = str(Path(sys.executable).with_name("robustxnli"))  # the installed command (PATH may not have the venv)


def toy_config(tmp_path: Path, n: int = 5, sleep: float = 0.0, fail: str | None = None) -> dict:
    """A chain root -> a1..a{n-1} (each needs root), all writing to one counter file."""
    counter = str(tmp_path / "counter.txt")
    cells = [{"name": "root", "fn": TOY, "kwargs": {"name": "root", "counter": counter, "sleep": sleep}}]
    for i in range(1, n):
        cells.append({"name": f"a{i}", "fn": TOY, "deps": ["root"],
                      "kwargs": {"name": f"a{i}", "counter": counter, "sleep": sleep, "needs": "@root",
                                 "fail": f"a{i}" == fail}})
    return {"name": "toy", "out_dir": str(tmp_path / "runs"), "cells": cells}


def counts(tmp_path: Path) -> dict[str, int]:
    lines = (tmp_path / "counter.txt").read_text().split("\n") if (tmp_path / "counter.txt").exists() else []
    out: dict[str, int] = {}
    for line in filter(None, lines):
        out[line] = out.get(line, 0) + 1
    return out


# --- config and plan -----------------------------------------------------------------------------------------

def test_cpu_config_plan():
    cfg = load_config(REPO / "configs" / "sweep_cpu.yaml")
    assert cfg.models == ["e5-small-L3", "e5-small-L6", "e5-small-L12"]
    assert "baseline" in cfg.regimes and len(cfg.regimes) >= 2 and len(cfg.recipes) == 2 and cfg.hans
    assert len(cfg.langs) >= 4 and len({"ru", "zh", "ar", "hi", "th", "el", "bg", "ur"} & set(cfg.langs)) >= 2
    cells = build_plan(cfg, "/tmp/x")
    kinds = [c.kind for c in cells]
    n_models = 3 * 2 * 1
    assert kinds.count("train") == n_models and kinds.count("evaluate") == n_models
    assert kinds.count("attack") == 2 * len(cfg.langs) * n_models and kinds.count("hans") == n_models
    attack = next(c for c in cells if c.kind == "attack")
    assert attack.kwargs["lang"] in cfg.langs and attack.kwargs["recipe"] == cfg.recipes[0]["name"]
    by_hash = {c.cell_hash: c for c in cells}
    seen = set()
    for c in cells:  # dependencies first, and the checkpoint argument is the train cell's run dir
        assert all(d in seen for d in c.deps)
        seen.add(c.cell_hash)
        if c.kind != "train":
            assert c.kwargs["model"] == by_hash[c.deps[0]].out
            assert c.out.startswith("/tmp/x/") and c.cell_hash[:10] in c.out
    assert [c.cell_hash for c in build_plan(cfg, "/elsewhere")] == [c.cell_hash for c in cells]  # path-independent
    assert len(levels(cells)) == 2


def test_hashes_follow_config_changes():
    raw = yaml.safe_load((REPO / "configs" / "sweep_cpu.yaml").read_text())
    base = build_plan(load_config(raw), "/r")
    more = build_plan(load_config({**raw, "seeds": [1, 2]}), "/r")
    assert {c.cell_hash for c in base} < {c.cell_hash for c in more}  # adding a seed keeps the finished cells
    assert load_config({**raw, "seeds": [1, 2]}).sweep_hash != load_config(raw).sweep_hash
    assert load_config({**raw, "out_dir": "x", "executor": "ray"}).sweep_hash == load_config(raw).sweep_hash
    lr = build_plan(load_config({**raw, "train": {**raw["train"], "lr": 1e-4}}), "/r")
    # a training change re-keys the train cells and everything downstream of them
    assert not {c.cell_hash for c in lr} & {c.cell_hash for c in base}


OLD_ATTACK = "robustxnli.attacks.runner:attack_run"  # the attack runner before it moved above the recipes
NEW_ATTACK = "robustxnli.attacking.runner:attack_run"


@pytest.mark.parametrize("config", ["sweep_cpu.yaml", "sweep_paper.yaml", "reference_cpu.yaml"])
def test_moved_attack_runner_keeps_every_cell_hash(config):
    """The attack runner moved from attacks/ to robustxnli.attacking: a config naming the new path, the old path
    or neither gives the same cells, run dirs and sweep hash, and every attack cell is still hashed the way it was
    before the move (under the old name), so finished run dirs are found again; the cell calls the new path."""
    from robustxnli.sweep.config import DEFAULT_FUNCTIONS, MOVED_FUNCTIONS, stable_hash
    from robustxnli.sweep.plan import DEP

    assert MOVED_FUNCTIONS[OLD_ATTACK] == NEW_ATTACK == DEFAULT_FUNCTIONS["attack"]
    raw = yaml.safe_load((REPO / "configs" / config).read_text())
    assert (raw.get("functions") or {}).get("attack", NEW_ATTACK) == NEW_ATTACK  # the shipped configs are updated
    variants = {name: {**raw, "functions": {**(raw.get("functions") or {}), "attack": fn}}
                for name, fn in (("new", NEW_ATTACK), ("old", OLD_ATTACK))}
    variants["default"] = {k: v for k, v in raw.items() if k != "functions"}
    plans = {name: [(c.name, c.cell_hash, c.out, c.fn) for c in build_plan(load_config(v), "/r")]
             for name, v in variants.items()}
    assert plans["new"] == plans["old"] == plans["default"]
    assert load_config(variants["new"]).sweep_hash == load_config(variants["old"]).sweep_hash
    cells = build_plan(load_config(REPO / "configs" / config), "/r")
    assert [(c.name, c.cell_hash, c.out, c.fn) for c in cells] == plans["new"]
    outs = {c.cell_hash: c.out for c in cells}
    attacks = [c for c in cells if c.kind == "attack"]
    assert attacks and all(c.fn == NEW_ATTACK for c in attacks)
    for c in attacks:  # the hash as computed before the move: the old name, the checkpoint as its train cell
        assert c.kwargs["model"] == outs[c.deps[0]]
        before = {**c.kwargs, "model": DEP + c.deps[0]}
        assert c.cell_hash == stable_hash({"fn": OLD_ATTACK, "kwargs": before, "deps": c.deps})


def test_moved_attack_runner_hashes_are_pinned():
    """Cell and sweep hashes of a small config, computed before the move (commit 5c5a246)."""
    raw = {"name": "pinned", "models": ["m"], "langs": ["de"], "recipes": ["charnoise"], "attack": {"limit": 5}}
    old = {**raw, "functions": {"attack": OLD_ATTACK}}
    new = {**raw, "functions": {"attack": NEW_ATTACK}}
    want = {"train/m_baseline_s1": "c00f9c6492a82697", "evaluate/m_baseline_s1": "5dedbde1b3ce2b78",
            "attack/m_baseline_s1_charnoise_de": "ad3bdbda8ba8ec2d"}
    for cfg in (raw, old, new):
        assert {c.name: c.cell_hash for c in build_plan(load_config(cfg), "/r")} == want
    assert load_config(raw).sweep_hash == "f31604e6f1430d83"
    assert load_config(old).sweep_hash == load_config(new).sweep_hash == "d7b2d6063558ddbe"


def test_old_attack_runner_name_still_validates_and_runs(tmp_path, monkeypatch, tiny_model_dir, data_dir):
    """A user's YAML written before the move (functions.attack and a cell fn naming robustxnli.attacks.runner)
    loads without --allow-functions, has its attack: options checked against the runner, and runs; the manifest
    records the call at the new place and the cell hash of the old name; a re-run finds the cell done."""
    import json

    from robustxnli.sweep.config import stable_hash
    from robustxnli.sweep.executors import resolve_fn
    from robustxnli.sweep.run import sweep

    monkeypatch.setenv("ROBUSTXNLI_PROGRESS", "0")
    from robustxnli.attacking.runner import attack_run

    assert resolve_fn(OLD_ATTACK) is attack_run
    with pytest.raises(UserError, match="limt.*did you mean"):
        load_config({"models": ["m"], "functions": {"attack": OLD_ATTACK}, "attack": {"limt": 2}})
    kwargs = {"model": str(tiny_model_dir), "lang": "en", "recipe": "charnoise", "limit": 2,
              "data_dir": str(data_dir)}
    raw = {"name": "old-names", "out_dir": str(tmp_path / "runs"), "functions": {"attack": OLD_ATTACK},
           "attack": {"limit": 2}, "cells": [{"name": "attack-en", "fn": OLD_ATTACK, "kwargs": kwargs}]}
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(raw))
    cfg = load_config(tmp_path / "old.yaml")
    assert cfg.functions["attack"] == NEW_ATTACK
    (cell,) = build_plan(cfg)
    assert cell.fn == NEW_ATTACK and cell.cell_hash == stable_hash({"fn": OLD_ATTACK, "kwargs": kwargs, "deps": []})
    res = sweep(tmp_path / "old.yaml")
    assert res.ran == ["attack-en"] and not res.failed
    m = json.loads((Path(cell.out) / "manifest.json").read_text())
    assert m["status"] == DONE and m["kind"] == "attack" and m["cell_hash"] == cell.cell_hash
    assert m["cell_fn"] == NEW_ATTACK and m["sweep_hash"] == cfg.sweep_hash
    assert json.loads((Path(cell.out) / "summary.json").read_text())["n"] == 2
    assert sweep(tmp_path / "old.yaml").skipped == ["attack-en"]


def test_paper_config_and_cost():
    cfg = load_config(REPO / "configs" / "sweep_paper.yaml")
    assert len(cfg.models) == 3 and "facebook/xlm-roberta-xl" in cfg.models
    assert cfg.seeds == [1, 2, 3] and len(cfg.langs) == 15 and "multitask" in cfg.regimes
    cells = build_plan(cfg, "/r")
    train = [c for c in cells if c.kind == "train"]
    assert len(train) == 3 * len(cfg.regimes) * 3
    t = {c.meta["model"]: estimate_seconds(c, cfg) for c in train if c.meta["regime"] == "baseline"}
    assert t["FacebookAI/xlm-roberta-base"] < t["FacebookAI/xlm-roberta-large"] < t["facebook/xlm-roberta-xl"]


def test_cpu_preset_cost_follows_layers_epochs_and_the_shared_cache():
    """The reference config's train cells are priced by the preset: trained layers x pairs x epochs (L3 trains 2
    MNLI epochs), plus the lower-layer cache once per rung (first seed), so later seeds cost less."""
    from robustxnli.sweep.plan import COST_DEFAULTS

    cfg = load_config(REPO / "configs" / "reference_cpu.yaml")
    t = {(c.meta["model"], c.meta["regime"], c.meta["seed"]): estimate_seconds(c, cfg)
         for c in build_plan(cfg, "/r") if c.kind == "train"}
    per = COST_DEFAULTS["preset_cpu_s_per_pair_layer"]
    cache = COST_DEFAULTS["preset_cpu_cache_s_per_text_layer"]
    over = COST_DEFAULTS["overhead_s"]
    assert t[("e5-small-L12", "baseline", 2)] == pytest.approx(over + 8000 * 2 * per)  # 2 layers, 1 epoch
    assert t[("e5-small-L3", "baseline", 2)] == pytest.approx(over + 8000 * 2 * 2 * per)  # 2 layers, 2 epochs
    assert t[("e5-small-L12", "baseline", 1)] == pytest.approx(t[("e5-small-L12", "baseline", 2)]
                                                              + 2 * 8000 * 10 * cache)
    assert t[("e5-small-L12", "anli", 1)] == pytest.approx(over + (1600 + 8000) * 2 * per + 2 * 1600 * 10 * cache)


def test_bad_configs(tmp_path):
    with pytest.raises(UserError, match="unknown key"):
        load_config({"models": ["m"], "modles": 1})
    with pytest.raises(UserError, match="unknown language"):
        load_config({"models": ["m"], "langs": ["xx"]})
    with pytest.raises(UserError, match="module:function"):
        load_config({"models": ["m"], "functions": {"train": "nofunction"}})
    with pytest.raises(UserError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(UserError, match="jobs must be a whole number >= 1"):
        load_config({"models": ["m"], "jobs": 0})
    assert load_config({"models": ["m"], "jobs": 2}).sweep_hash == load_config({"models": ["m"]}).sweep_hash


def test_dry_run_cli(tmp_path, capsys):
    from robustxnli.cli import main

    main(["sweep", str(REPO / "configs" / "sweep_cpu.yaml"), "--dry-run", "--out", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert "78 cells (6 train, 6 evaluate, 60 attack, 6 hans)" in out and "78 to run" in out and "estimated" in out
    assert not (tmp_path / "r").exists()  # a dry run writes nothing


# --- executors -------------------------------------------------------------------------------------------------

def test_local_executor_runs_skips_and_blocks(tmp_path):
    cfg = load_config(toy_config(tmp_path, n=4))
    cells = build_plan(cfg)
    assert all(cell_state(c) == PENDING for c in cells)
    res = run_plan(cells, "local", {"sweep_hash": cfg.sweep_hash})
    assert len(res.ran) == 4 and not res.failed
    assert all(cell_state(c) == DONE for c in cells)
    assert counts(tmp_path) == {f"{w} {n}": 1 for n in ["root", "a1", "a2", "a3"] for w in ("start", "end")}
    import json

    m = json.loads((Path(cells[1].out) / "manifest.json").read_text())
    assert m["sweep_hash"] == cfg.sweep_hash and m["cell_hash"] == cells[1].cell_hash and m["kind"] == "toy"
    res = run_plan(cells, "local")
    assert len(res.skipped) == 4 and not res.ran  # nothing recomputed
    assert counts(tmp_path)["start root"] == 1


def test_failed_cell_blocks_only_dependents(tmp_path):
    raw = toy_config(tmp_path, n=3)
    counter = raw["cells"][0]["kwargs"]["counter"]
    raw["cells"][0]["kwargs"]["fail"] = True  # root fails: a1, a2 are blocked
    raw["cells"].append({"name": "free", "fn": TOY, "kwargs": {"name": "free", "counter": counter}})
    res = run_plan(build_plan(load_config(raw)), "local")
    assert list(res.failed) == ["root"] and res.blocked == ["a1", "a2"] and res.ran == ["free"]


def test_sweep_command_reports_failures(tmp_path):
    from robustxnli.sweep.run import sweep

    raw = toy_config(tmp_path, n=3, fail="a2")
    (tmp_path / "toy.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(UserError, match="a2: RuntimeError: a2: failing on purpose"):
        sweep(tmp_path / "toy.yaml")
    raw["cells"][2]["kwargs"]["fail"] = False  # fixing a cell changes its hash -> a fresh run dir; others skipped
    (tmp_path / "toy.yaml").write_text(yaml.safe_dump(raw))
    res = sweep(tmp_path / "toy.yaml")
    assert res.ran == ["a2"] and sorted(res.skipped) == ["a1", "root"]


def test_local_executor_with_two_jobs_overlaps_cells_and_keeps_dependencies(tmp_path):
    """--jobs 2 through the installed command: a1..a3 wait for root (count_cell checks), then run two at a time."""
    raw = toy_config(tmp_path, n=4, sleep=0.5)
    raw["cells"].append({"name": "late", "fn": TOY, "deps": ["a1"], "kwargs": {
        "name": "late", "counter": raw["cells"][0]["kwargs"]["counter"], "needs": "@a1"}})
    (tmp_path / "toy.yaml").write_text(yaml.safe_dump(raw))
    env = {**os.environ, "ROBUSTXNLI_PROGRESS": "0"}
    done = subprocess.run([CLI, "sweep", str(tmp_path / "toy.yaml"), "--jobs", "2"], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "5 ran" in done.stdout
    lines = [l for l in (tmp_path / "counter.txt").read_text().splitlines() if l]
    assert lines[:2] == ["start root", "end root"]  # nothing starts before its dependency ends
    assert lines.index("start late") > lines.index("end a1")
    running, most = 0, 0
    for line in lines:
        running += 1 if line.startswith("start") else -1
        most = max(most, running)
    assert most == 2, lines  # two cells at once, never more
    assert all(cell_state(c) == DONE for c in build_plan(load_config(raw)))


def test_two_jobs_workers_end_when_the_sweep_is_killed(tmp_path):
    """SIGKILL only the sweep process: its workers notice and stop (no cell finishes afterwards); a re-run resumes."""
    raw = toy_config(tmp_path, n=3, sleep=4.0)
    raw["cells"][0]["kwargs"]["sleep"] = 0.0
    (tmp_path / "toy.yaml").write_text(yaml.safe_dump(raw))
    cmd = [CLI, "sweep", str(tmp_path / "toy.yaml"), "--jobs", "2"]
    env = {**os.environ, "ROBUSTXNLI_PROGRESS": "0"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and counts(tmp_path).get("start a2", 0) + counts(tmp_path).get("start a1", 0) < 2:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as a scheduler or `kill PID` would
        proc.wait()
        time.sleep(6.0)  # longer than the cells' 4 s: a worker left running would write "end a1"
        assert "end a1" not in counts(tmp_path) and "end a2" not in counts(tmp_path), counts(tmp_path)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert counts(tmp_path)["end a1"] == 1 and counts(tmp_path)["start root"] == 1


def test_two_jobs_block_the_dependents_of_a_failed_cell(tmp_path):
    raw = toy_config(tmp_path, n=3, fail="a1")
    counter = raw["cells"][0]["kwargs"]["counter"]
    raw["cells"].append({"name": "after_a1", "fn": TOY, "deps": ["a1"], "kwargs": {"name": "after_a1",
                                                                                  "counter": counter}})
    res = run_plan(build_plan(load_config(raw)), "local", jobs=2)
    assert list(res.failed) == ["a1"] and res.blocked == ["after_a1"] and sorted(res.ran) == ["a2", "root"]


def test_killed_sweep_resumes_without_recomputing(tmp_path):
    """SIGKILL a sweep subprocess mid-way, re-run it: finished cells are not recomputed, the rest complete."""
    raw = toy_config(tmp_path, n=6, sleep=0.4)
    cfg_path = tmp_path / "toy.yaml"
    cfg_path.write_text(yaml.safe_dump(raw))
    cmd = [sys.executable, "-m", "robustxnli.cli", "sweep", str(cfg_path)]
    env = {**os.environ, "ROBUSTXNLI_PROGRESS": "0"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and sum(k.startswith("end") for k in counts(tmp_path)) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    cells = build_plan(load_config(raw))
    done_at_kill = {c.name for c in cells if cell_state(c) == DONE}
    before = counts(tmp_path)
    assert 2 <= len(done_at_kill) < 6, before
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    after = counts(tmp_path)
    assert all(cell_state(c) == DONE for c in cells)
    assert all(after.get(f"end {c.name}", 0) >= 1 for c in cells), after  # every cell finished
    # finished cells were not run again; only the cell cut mid-way (if any) ran twice
    assert all(after[f"start {n}"] == before[f"start {n}"] == 1 for n in done_at_kill), (before, after)
    assert sum(after.values()) - sum(before.values()) <= 2 * (6 - len(done_at_kill))


def test_ray_executor(tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        cells = build_plan(load_config(toy_config(tmp_path, n=3)))
        res = run_plan(cells, "ray")
        assert sorted(res.ran) == ["a1", "a2", "root"] and not res.failed
        assert all(cell_state(c) == DONE for c in cells)
        assert len(run_plan(cells, "ray").skipped) == 3
    finally:
        ray.shutdown()
    assert counts(tmp_path)["start root"] == 1


def test_submitit_debug_executor(tmp_path):
    """DebugExecutor runs jobs in-process (and opens pdb on an exception: so no failing cell here)."""
    pytest.importorskip("submitit")
    cells = build_plan(load_config(toy_config(tmp_path, n=3)))
    res = run_plan(cells, "slurm", options={"cluster": "debug"}, folder=tmp_path / "submitit")
    assert sorted(res.ran) == ["a1", "a2", "root"] and not res.failed


def test_submitit_local_executor_failure(tmp_path):
    """LocalExecutor runs each job in its own process, like Slurm; a failing cell is reported with its error."""
    pytest.importorskip("submitit")
    cells = build_plan(load_config(toy_config(tmp_path, n=3, fail="a2")))
    res = run_plan(cells, "slurm", options={"cluster": "local", "timeout_min": 5}, folder=tmp_path / "submitit")
    assert sorted(res.ran) == ["a1", "root"] and list(res.failed) == ["a2"]
    assert "failing on purpose" in res.failed["a2"]
    assert counts(tmp_path)["end root"] == 1


def test_sweep_cell_with_real_evaluate_then_report(tmp_path, tiny_model_dir, data_dir):
    """A sweep cell calling the real evaluate_run writes a contract run dir that the report reads."""
    from robustxnli.report.build import build_report

    raw = {"name": "real", "out_dir": str(tmp_path / "runs"), "cells": [
        {"name": "eval", "kind": "evaluate", "fn": "robustxnli.evaluation.run:evaluate_run",
         "kwargs": {"model": str(tiny_model_dir), "langs": ["en", "de"], "limit": 4, "data_dir": str(data_dir)}}]}
    (tmp_path / "real.yaml").write_text(yaml.safe_dump(raw))
    from robustxnli.sweep.run import sweep

    assert sweep(tmp_path / "real.yaml").ran == ["eval"]
    assert sweep(tmp_path / "real.yaml").skipped == ["eval"]
    head = build_report([tmp_path / "runs"], tmp_path / "rep", sweep_config=tmp_path / "real.yaml", n_boot=20)
    assert head["runs"]["evaluate"] == 1 and head["langs"] == ["de", "en"]
    assert "cannot decide" in head["answer"]  # one model, no baseline/intermediate pair
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "robustxnli.evaluation.run:evaluate_run(out=" in md and "sweep" in md


def test_contrast_cell_per_trained_model(tmp_path):
    from robustxnli.sweep.config import load_config
    from robustxnli.sweep.plan import build_plan

    cfg_path = tmp_path / "s.yaml"
    cfg_path.write_text("models: [e5-small-L3, e5-small-L6]\nregimes: [baseline, anli]\nseeds: [1]\nlangs: [en]\n"
                        "contrast: {lang: 'en,de', n_per_category: 10}\n")
    cells = build_plan(load_config(cfg_path), tmp_path / "out")
    contrast = [c for c in cells if c.kind == "contrast"]
    assert len(contrast) == 4 and contrast[0].fn == "robustxnli.contrast.evaluate:contrast_run"
    assert contrast[0].kwargs["n_per_category"] == 10 and contrast[0].meta["langs"] == ["en", "de"]
    assert contrast[0].deps and "train/e5-small-L3_baseline_s1" in contrast[0].kwargs["model"]
