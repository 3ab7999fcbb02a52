"""Checkpoints that survive kill -9: a checkpoint cut mid-write is skipped, the run resumes from the previous one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from robustxnli.training.checkpoints import checkpoint_problem, latest_complete_checkpoint
from robustxnli.training.run import train_run

FAST = dict(max_length=48, batch_size=8, target_limit=48, save_steps=2, lr=5e-4, head_lr=5e-3, target_epochs=2.0)
CLI = str(Path(sys.executable).with_name("robustxnli"))


def _weights(run: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(run / "model" / "model.safetensors"))


def _cut_mid_write(ckpt: Path) -> None:
    """What kill -9 during Trainer._save_checkpoint leaves: optimizer.pt half written, no trainer_state.json."""
    opt = ckpt / "optimizer.pt"
    opt.write_bytes(opt.read_bytes()[: opt.stat().st_size // 2])
    (ckpt / "trainer_state.json").unlink()


def test_problems_are_named(tmp_path):
    ck = tmp_path / "checkpoint-3"
    ck.mkdir()
    assert checkpoint_problem(ck) == "no trainer_state.json"
    (ck / "trainer_state.json").write_text("{not json")
    assert "unreadable" in checkpoint_problem(ck)
    (ck / "trainer_state.json").write_text(json.dumps({"global_step": 3}))
    assert checkpoint_problem(ck) == "no *.safetensors weights"
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(4, 4)}, str(ck / "model.safetensors"))
    assert checkpoint_problem(ck) == "no optimizer.pt"
    torch.save({"state": {}}, ck / "optimizer.pt")
    assert checkpoint_problem(ck) is None
    data = (ck / "model.safetensors").read_bytes()
    (ck / "model.safetensors").write_bytes(data[:-10])
    assert "truncated" in checkpoint_problem(ck)
    assert latest_complete_checkpoint(tmp_path) is None and not ck.exists()  # removed: start fresh


def test_cut_checkpoint_is_skipped_and_resume_matches(tmp_path, tiny_model_dir, data_dir, monkeypatch, capsys):
    kw = dict(model=str(tiny_model_dir), data_dir=str(data_dir), seed=5, **FAST)
    train_run(tmp_path / "ref", **kw)  # uninterrupted reference
    from conftest import killed_training

    killed_training(monkeypatch, train_run, tmp_path / "c", **kw)
    phase = tmp_path / "c" / "phase3"
    assert (phase / "checkpoint-2").exists() and (phase / "checkpoint-4").exists()
    _cut_mid_write(phase / "checkpoint-4")
    capsys.readouterr()
    train_run(tmp_path / "c", **kw)
    out = capsys.readouterr().out
    assert "ignoring incomplete checkpoint" in out and "checkpoint-4" in out
    assert "resuming phase3 from checkpoint-2" in out
    ref, c = _weights(tmp_path / "ref"), _weights(tmp_path / "c")
    assert all(torch.allclose(ref[k], c[k], atol=1e-6) for k in ref)


def test_kill9_then_cut_checkpoint_resumes_through_the_cli(tmp_path, tiny_model_dir, data_dir):
    """A real SIGKILL of `robustxnli train`, then its newest checkpoint cut mid-write: the re-run finishes."""
    out = tmp_path / "k9"
    args = [CLI, "train", "--model", str(tiny_model_dir), "--out", str(out), "--seed", "3", "--max-length", "48",
            "--batch-size", "4", "--target-limit", "96", "--target-epochs", "2", "--save-steps", "2",
            "--data-dir", str(data_dir)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    phase = out / "phase3"
    deadline = time.time() + 240
    try:
        while time.time() < deadline and proc.poll() is None:
            done = [p for p in phase.glob("checkpoint-*") if (p / "trainer_state.json").exists()] \
                if phase.exists() else []
            if len(done) >= 2:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    if (out / "model").exists():
        pytest.skip("training finished before it could be killed (machine too fast for this tiny run)")
    ckpts = sorted(phase.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    complete = [p for p in ckpts if checkpoint_problem(p) is None]
    assert complete, [checkpoint_problem(p) for p in ckpts]
    newest = complete[-1]
    torn = phase / f"checkpoint-{int(newest.name.split('-')[1]) + 2}"  # the next save, cut mid-write
    if not torn.exists():
        shutil.copytree(newest, torn)
    _cut_mid_write(torn) if (torn / "trainer_state.json").exists() else None
    res = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert f"ignoring incomplete checkpoint {torn}" in res.stdout
    assert f"resuming phase3 from {newest.name}" in res.stdout
    assert (out / "model" / "model.safetensors").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "done"


def test_resumed_trainer_reports_the_mean_loss_of_its_steps(tmp_path, tiny_model_dir, data_dir, monkeypatch):
    """Trainer divides the resumed steps' loss sum by all steps; the phase reports the mean of the steps it ran."""
    from conftest import killed_training

    kw = dict(model=str(tiny_model_dir), data_dir=str(data_dir), seed=5, **{**FAST, "target_epochs": 1.0})
    killed_training(monkeypatch, train_run, tmp_path / "c", **kw)  # 6 steps, killed in step 5: resumes from 4
    manifest = train_run(tmp_path / "c", **kw)
    log = json.loads((tmp_path / "c/phase3/log_history.json").read_text())
    steps = [e["loss"] for e in log if "loss" in e and e["step"] > 4]  # logged every step
    final = log[-1]
    assert len(steps) == 2 and final["train_loss_from_step"] == 4
    assert final["train_loss"] == pytest.approx(sum(steps) / 2, abs=1e-3)
    assert manifest["phase3_facts"]["train_loss"] == pytest.approx(sum(steps) / 2, abs=1e-3)
