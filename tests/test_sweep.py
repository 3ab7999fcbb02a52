"""Sweep: config -> plan (hash-keyed run dirs), dry-run cost, executors (local, Ray, submitit) on toy cells,
and resume after a SIGKILL."""

from __future__ import annotations

import os
import re
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


# --- checks at load (user test 2: #6, #8, #19, #20) ------------------------------------------------------------

TINY = ("name: tiny\nmodels: [e5-small-L3]\nregimes: [baseline, anli]\nseeds: [1]\nlangs: [en, de]\n"
        "recipes: [charnoise]\nhans: {lang: en, n_per_subcase: 3, seed: 0}\ncontrast: {lang: en, n_per_category: 4}\n"
        "split: dev\ntrain: {preset: cpu, target_limit: 800, intermediate_limit: 200}\n")


def write_tiny(tmp_path: Path, old: str = "", new: str = "", extra: str = "") -> Path:
    assert old in TINY
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.replace(old, new) + extra)
    return path


@pytest.mark.parametrize("old, new, want", [
    ("[charnoise]", "[charnoize]", "recipes: unknown recipe 'charnoize' (did you mean 'charnoise'?)"),
    ("[baseline, anli]", "[baseline, anly]", "regimes: unknown intermediate task 'anly' (did you mean 'anli'?)"),
    ("[baseline, anli]", "['squad,anly']", "regimes: unknown intermediate task 'anly' (did you mean 'anli'?)"),
    ("{lang: en, n_per_subcase", "{lang: xx, n_per_subcase", "hans: lang: no HANS-style data for 'xx'"),
    ("{lang: en, n_per_category", "{lang: 'en,xx', n_per_category", "contrast: lang: no contrast"),
    ("n_per_category: 4", "n_per_categry: 4", "contrast: key 'n_per_categry' is not an option of the contrast "
                                               "cells (did you mean 'n_per_category'?)"),
    ("n_per_subcase: 3", "n_per_subcse: 3", "hans: key 'n_per_subcse' is not an option of the hans cells "
                                            "(did you mean 'n_per_subcase'?)"),
    ("n_per_category: 4", "n_per_category: 0", "contrast: n_per_category must be greater than 0"),
    ("n_per_category: 4", "n_per_category: 4, out: x", "contrast: key 'out' is set by the sweep for each cell"),
    ("split: dev", "split: tset", "split 'tset' is not one of: dev, test (did you mean 'test'?)"),
])
def test_names_a_cell_would_reject_are_refused_at_load(tmp_path, old, new, want):
    """A typo that fails only when its cell runs (after training) is refused by load_config, naming file and key."""
    from robustxnli.sweep.run import sweep

    path = write_tiny(tmp_path, old, new)
    with pytest.raises(UserError, match=re.escape(f"{path}: {want}")):
        load_config(path)
    with pytest.raises(UserError, match=re.escape(want)):  # the real run stops before any cell starts
        sweep(path, out=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()


def test_bad_recipe_dry_run_is_one_error_line(tmp_path):
    path = write_tiny(tmp_path, "[charnoise]", "[charnoize]")
    p = subprocess.run([CLI, "sweep", str(path), "--dry-run"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [p.stderr.strip()] and p.stderr.startswith(f"error: {path}: recipes:")


def test_plugin_and_entry_point_recipes_load_and_unsupported_languages_are_skipped(tmp_path, monkeypatch, capsys):
    """Recipes resolve as `robustxnli attack` resolves them (file plug-in, entry point); a recipe x language pair
    the recipe does not support is left out of the plan with a note, as `attack` skips it."""
    from types import SimpleNamespace

    import robustxnli.recipes as recipes
    from robustxnli.sweep.run import sweep

    plugin = tmp_path / "plug.py"
    plugin.write_text('def drop(ctx):\n    """Drop letters.\n\n    languages: en, ru\n    """\n    raise '
                      'NotImplementedError\n')

    def ep_recipe(ctx):
        """Entry-point recipe.

        languages: de
        """

    ep = SimpleNamespace(name="ep-recipe", value="pkg:ep_recipe", dist=SimpleNamespace(name="pkg"),
                         load=lambda: ep_recipe)
    monkeypatch.setattr(recipes, "_entry_points", lambda: [ep])
    path = write_tiny(tmp_path, "[charnoise]", f"[charnoise, textattack:pwws, '{plugin}:drop', ep-recipe]")
    cfg = load_config(path)
    attacks = sorted((c.kwargs["recipe"].rsplit("/", 1)[-1], c.kwargs["lang"])
                     for c in build_plan(cfg, tmp_path / "r") if c.kind == "attack")
    assert attacks == sorted([("charnoise", "de"), ("charnoise", "en"), ("textattack:pwws", "en"),
                              ("plug.py:drop", "en"), ("ep-recipe", "de")] * 2)  # 2 regimes
    capsys.readouterr()
    res = sweep(path, dry_run=True, out=tmp_path / "r")
    err = capsys.readouterr().err
    assert "skipping textattack:pwws × de: recipe supports en" in err and "ep-recipe × en" in err
    assert "drop × de" in err and len(res["skipped"]) == 3 and res["cells"] == 2 * (1 + 1 + 5 + 1 + 1)
    with pytest.raises(UserError, match=r"tiny.yaml: recipes: recipe file .*nope.py' does not exist"):
        load_config(write_tiny(tmp_path, "[charnoise]", f"['{tmp_path}/nope.py:drop']"))


def test_own_data_runs_xnli_wide_recipes_on_other_languages(tmp_path):
    """With `data:`, a recipe declared for all 15 XNLI languages runs script-generic on another language (as
    `attack --data` does); a narrower one is skipped there."""
    (tmp_path / "mine.jsonl").write_text('{"premise": "a", "hypothesis": "b", "label": 0, "lang": "quy"}\n')
    path = write_tiny(tmp_path, "[charnoise]", "[charnoise, textattack:pwws]",
                      extra="data: mine.jsonl\n").read_text().replace("langs: [en, de]", "langs: [en, quy]")
    (tmp_path / "own.yaml").write_text(path)
    cells = build_plan(load_config(tmp_path / "own.yaml"), tmp_path / "r")
    attacks = {(c.kwargs["recipe"], c.kwargs["lang"]) for c in cells if c.kind == "attack"}
    assert attacks == {("charnoise", "en"), ("charnoise", "quy"), ("textattack:pwws", "en")}


def test_custom_functions_keep_their_own_names(tmp_path):
    """With a custom train / attack function the sweep does not judge regimes or recipe names: the function does."""
    path = write_tiny(tmp_path, "[baseline, anli]", "[my-regime]", extra=(
        "functions: {train: 'robustxnli.sweep.toy:count_cell', attack: 'robustxnli.sweep.toy:count_cell'}\n"))
    path.write_text(path.read_text().replace("[charnoise]", "[my-recipe]"))
    cfg = load_config(path)
    assert [c.kwargs["lang"] for c in build_plan(cfg, tmp_path / "r") if c.kind == "attack"] == ["en", "de"]


def test_dry_run_cost_follows_max_steps(tmp_path):
    """A train cell capped at N optimiser steps is priced for N x batch pairs, not for limit x epochs."""
    from robustxnli.sweep.plan import COST_DEFAULTS

    per, cache = COST_DEFAULTS["preset_cpu_s_per_pair_layer"], COST_DEFAULTS["preset_cpu_cache_s_per_text_layer"]
    over = COST_DEFAULTS["overhead_s"]

    def train_seconds(train: str) -> dict[str, float]:
        cfg = load_config(write_tiny(tmp_path, "train: {preset: cpu, target_limit: 800, intermediate_limit: 200}",
                                     f"train: {train}"))
        return {c.meta["regime"]: estimate_seconds(c, cfg) for c in build_plan(cfg, tmp_path / "r")
                if c.kind == "train"}

    full = train_seconds("{preset: cpu, target_limit: 800, intermediate_limit: 200}")
    capped = train_seconds("{preset: cpu, target_limit: 800, intermediate_limit: 200, target_max_steps: 15, "
                           "intermediate_max_steps: 5}")
    # L3: 2 trained layers, 2 target epochs, batch 32; the cache (1 frozen layer) is unaffected by the caps
    assert full["baseline"] == pytest.approx(over + 800 * 2 * 2 * per + 2 * 800 * cache)
    assert capped["baseline"] == pytest.approx(over + 15 * 32 * 2 * per + 2 * 800 * cache)
    assert capped["anli"] == pytest.approx(over + (5 * 32 + 15 * 32) * 2 * per + 2 * 200 * cache)
    default = train_seconds("{target_limit: 800, target_max_steps: 10, batch_size: 8, grad_accum: 2}")
    fwd = COST_DEFAULTS["forward_s_per_example_per_mparam"] * 21 * 3 / 12
    assert default["baseline"] == pytest.approx(over + 10 * 8 * 2 * COST_DEFAULTS["train_multiplier"] * fwd)


@pytest.mark.parametrize("flag", [[], ["--out", "elsewhere"]])
def test_closing_hint_names_the_out_dir_and_report(tmp_path, monkeypatch, capsys, flag):
    from robustxnli.cli import main

    monkeypatch.chdir(tmp_path)
    raw = {**toy_config(tmp_path, n=2), "name": "my study", "out_dir": "runs/toy"}
    (tmp_path / "toy.yaml").write_text(yaml.safe_dump(raw))
    main(["sweep", "toy.yaml", *flag])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    out = flag[1] if flag else "runs/toy"
    assert last == f"next: robustxnli report {out} --out reports/my-study --sweep-config toy.yaml"
    assert (tmp_path / out).is_dir()


def test_empty_and_repeated_lists_are_refused_with_the_file_name(tmp_path):
    for old, new, want in (("seeds: [1]", "seeds: []", "give at least one seed under `seeds:`"),
                           ("[baseline, anli]", "[]", "give at least one regime under `regimes:`"),
                           ("seeds: [1]", "seeds: [1, 1]", "seeds: 1 is given twice"),
                           ("langs: [en, de]", "langs: []", "langs: no language given")):
        path = write_tiny(tmp_path, old, new)
        with pytest.raises(UserError, match=re.escape(f"{path}: {want}")):
            load_config(path)
    path = write_tiny(tmp_path, "[charnoise]", "[charnoise, {name: charnoise, options: {x: 1}}]")
    with pytest.raises(UserError, match=re.escape(f"{path}: the sweep config yields the cell 'attack/")):
        build_plan(load_config(path), tmp_path / "r")
