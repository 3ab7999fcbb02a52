"""The GPU protocol's training path on CPU: ``torchrun --nproc_per_node 2`` (gloo) through Trainer, with bf16
autocast and gradient accumulation, killed after a checkpoint and resumed."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cmd(tiny_model_dir, data_dir, out):
    return [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port",
            str(_free_port()), str(BIN / "robustxnli"), "train", "--model", str(tiny_model_dir), "--out", str(out),
            "--target-limit", "64", "--batch-size", "4", "--grad-accum", "2", "--max-length", "32",
            "--save-steps", "1", "--bf16", "--lr", "1e-3", "--data-dir", str(data_dir)]


def test_torchrun_two_processes_bf16_grad_accum_kill_and_resume(tmp_path, tiny_model_dir, data_dir):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ROBUSTXNLI_CACHE": str(tmp_path / "cache")}
    first = subprocess.Popen(_cmd(tiny_model_dir, data_dir, out), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    marker = out / "phase3" / "checkpoint-2" / "trainer_state.json"
    deadline = time.time() + 120
    while not marker.exists() and first.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert marker.exists(), first.communicate()[0][-3000:] if first.poll() is not None else "no checkpoint in 120 s"
    import psutil

    procs = [psutil.Process(first.pid), *psutil.Process(first.pid).children(recursive=True)]
    for p in procs:  # kill the launcher and both ranks mid-phase (the ranks run in their own sessions)
        p.kill()
    psutil.wait_procs(procs, timeout=30)
    first.wait()
    assert not (out / "model").exists()

    second = subprocess.run(_cmd(tiny_model_dir, data_dir, out), env=env, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    assert "resuming phase3 from checkpoint-" in second.stdout + second.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "done" and manifest["config"]["bf16"] and manifest["config"]["grad_accum"] == 2
    # 64 pairs / batch 4 = 16 batches, split over 2 ranks, 2 per optimiser step: 4 steps (1 process would take 8)
    assert json.loads((out / "phase3" / "DONE").read_text())["steps"] == 4
    assert (out / "model" / "model.safetensors").exists()
