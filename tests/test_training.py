"""Three-phase training on the tiny model: real Trainer runs of a few steps each."""

import json

import pytest
import torch
from safetensors.torch import load_file

from robustxnli.training.run import TrainConfig, init_target_model, train_run

FAST = dict(max_length=48, batch_size=8, target_limit=48, intermediate_limit=24, save_steps=2, lr=5e-4,
            head_lr=5e-3, target_epochs=1.0, intermediate_epochs=1.0)


def _weights(path):
    return load_file(str(path / "model" / "model.safetensors"))


def test_baseline_run_writes_checkpoint_and_manifest(tmp_path, tiny_model_dir, data_dir):
    manifest = train_run(tmp_path / "run", model=str(tiny_model_dir), data_dir=str(data_dir), seed=3, **FAST)
    assert manifest["status"] == "done" and manifest["regime"] == "baseline" and manifest["kind"] == "train"
    assert (tmp_path / "run/model/model.safetensors").exists()
    assert not list((tmp_path / "run/model").glob("*.bin"))
    assert manifest["params_total"] > manifest["params_non_embedding"] > 0
    assert any("MNLI" in c for c in manifest["caveats"])
    assert manifest["data_sha256"] and manifest["config"]["seed"] == 3
    side = json.loads((tmp_path / "run/model/robustxnli.json").read_text())
    assert side["regime"] == "baseline" and side["seed"] == 3


def test_intermediate_carries_encoder_not_head(tmp_path, tiny_model_dir, data_dir):
    run = tmp_path / "stilts"
    manifest = train_run(run, model=str(tiny_model_dir), intermediate="sst2", data_dir=str(data_dir), **FAST)
    assert manifest["regime"] == "sst2" and manifest["intermediate"] == ["sst2"]
    encoder = load_file(str(run / "phase2/encoder/model.safetensors"))
    assert not any("heads" in k or "classifier" in k for k in encoder)  # only the encoder is saved
    base = load_file(str(tiny_model_dir / "model.safetensors"))
    key = "encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(encoder[key], base["roberta." + key])  # phase 2 trained the encoder
    target = init_target_model(run / "phase2/encoder")
    state = target.state_dict()
    for k, v in encoder.items():  # phase 3 starts from exactly the phase-2 encoder
        assert torch.equal(state["roberta." + k], v), k
    assert state["classifier.out_proj.weight"].shape[0] == 3  # a fresh 3-way head


def test_multitask_over_qa_mc_and_classification(tmp_path, tiny_model_dir, data_dir):
    manifest = train_run(tmp_path / "mt", model=str(tiny_model_dir), intermediate="multitask",
                         multitask_tasks=("squad", "hellaswag", "commonsenseqa", "sst2"), data_dir=str(data_dir),
                         **{**FAST, "intermediate_limit": 16})
    assert manifest["regime"] == "multitask"
    assert manifest["intermediate"] == ["squad", "hellaswag", "commonsenseqa", "sst2"]
    log = json.loads((tmp_path / "mt/phase2/log_history.json").read_text())
    assert log[-1]["train_loss"] > 0


def test_loss_falls(tmp_path, tiny_model_dir, data_dir):
    train_run(tmp_path / "fit", model=str(tiny_model_dir), data_dir=str(data_dir),
              **{**FAST, "target_limit": 16, "target_epochs": 25.0, "lr": 1e-2, "head_lr": 1e-2, "save_steps": 1000})
    log = [e["loss"] for e in json.loads((tmp_path / "fit/phase3/log_history.json").read_text()) if "loss" in e]
    assert len(log) >= 4 and log[-1] < 0.6 * log[0]


def test_same_seed_same_weights_and_resume_is_exact(tmp_path, tiny_model_dir, data_dir, monkeypatch):
    kw = dict(model=str(tiny_model_dir), data_dir=str(data_dir), seed=5, **FAST)
    train_run(tmp_path / "a", **kw)
    train_run(tmp_path / "b", **kw)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)

    # interrupt after the 4th optimiser step (checkpoints every 2), then re-run: same final weights
    from conftest import killed_training

    killed_training(monkeypatch, train_run, tmp_path / "c", **kw)
    assert (tmp_path / "c/phase3/checkpoint-4").exists() and not (tmp_path / "c/model").exists()
    train_run(tmp_path / "c", **kw)
    c = _weights(tmp_path / "c")
    assert all(torch.allclose(a[k], c[k], atol=1e-6) for k in a)


def test_unknown_intermediate_task_is_a_user_error():
    from robustxnli.errors import UserError

    with pytest.raises(UserError, match="choose from: none, multitask"):
        TrainConfig(intermediate="imagenet").intermediate_tasks()


def test_cli_train_then_evaluate(tmp_path, tiny_model_dir, data_dir, capsys):
    from robustxnli.cli import main

    out = tmp_path / "cli-run"
    main(["train", "--model", str(tiny_model_dir), "--intermediate", "none", "--out", str(out), "--seed", "2",
          "--max-length", "32", "--batch-size", "8", "--target-limit", "16", "--target-epochs", "1",
          "--data-dir", str(data_dir)])
    printed = capsys.readouterr().out
    assert "baseline, seed 2" in printed and "note: Offline, MNLI train is unavailable" in printed
    main(["evaluate", "--model", str(out), "--lang", "en", "--limit", "4", "--out", str(out / "eval"),
          "--data-dir", str(data_dir)])
    manifest = json.loads((out / "eval/manifest.json").read_text())
    assert manifest["regime"] == "baseline" and manifest["seed"] == 2
    assert manifest["command"].startswith("robustxnli evaluate --model")
    assert any("MNLI" in c for c in manifest["caveats"])
