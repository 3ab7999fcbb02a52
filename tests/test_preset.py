"""``--preset cpu``: the mean-pooling bi-encoder trained on cached lower-layer states, on the tiny model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from robustxnli.training.presets import auto_max_length, preset_values
from robustxnli.training.run import train_run

TINY = dict(preset="cpu", target_limit=48, intermediate_limit=24, batch_size=8, lr=5e-3, head_lr=5e-3,
            train_layers=1)
TOP = "encoder.layer.1.attention.self.query.weight"  # the tiny model has 2 layers; train_layers=1 trains this one
BOTTOM = "encoder.layer.0.attention.self.query.weight"


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBUSTXNLI_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_preset_values_by_depth_and_overrides():
    assert preset_values("cpu", 12)["method"] == "cached-biencoder"
    assert preset_values("cpu", 1)["train_layers"] == 1  # never more layers than the encoder has
    assert preset_values("default", 12) == {}
    from robustxnli.errors import UserError

    with pytest.raises(UserError, match="choose from: default, cpu"):
        preset_values("gpu", 12)
    assert auto_max_length([10] * 99 + [500]) == 16 and auto_max_length([40] * 100) == 48
    assert auto_max_length([300] * 100) == 128


def test_stilts_phases_carry_the_trained_top_layers(tmp_path, tiny_model_dir, data_dir, cache, monkeypatch):
    from robustxnli.training import cached

    starts = []
    real = cached.train_top

    def spy(encoder, start, *args, **kwargs):
        starts.append({k: v.detach().clone() for k, v in encoder.state_dict().items()})
        return real(encoder, start, *args, **kwargs)

    monkeypatch.setattr(cached, "train_top", spy)
    run = tmp_path / "anli"
    manifest = train_run(run, model=str(tiny_model_dir), intermediate="anli", data_dir=str(data_dir), **TINY)
    base = {k.removeprefix("roberta."): v for k, v in load_file(str(tiny_model_dir / "model.safetensors")).items()}
    phase2 = load_file(str(run / "phase2/encoder/model.safetensors"))
    final = load_file(str(run / "model/model.safetensors"))
    assert not torch.equal(phase2[TOP], base[TOP])  # the intermediate phase trained the top layer ...
    assert torch.equal(starts[1][TOP], phase2[TOP])  # ... and the target phase started from it
    assert not torch.equal(final[TOP], phase2[TOP])
    assert torch.equal(final[BOTTOM], base[BOTTOM]) and torch.equal(phase2[BOTTOM], base[BOTTOM])  # cached part
    cfg = manifest["config"]
    assert cfg["method"] == "cached-biencoder" and cfg["train_layers"] == 1 and cfg["max_length"] == 0
    facts = manifest["phase3_facts"]
    assert facts["cached_layers"] == 1 and facts["train_layers"] == 1 and 16 <= facts["max_length"] <= 128
    assert facts["examples"] == 48 and manifest["phase2_facts"]["examples"] == 24
    side = json.loads((run / "model/robustxnli.json").read_text())
    assert side["pair_encoder"]["kind"] == "bi-encoder" and side["regime"] == "anli"
    assert len(list((cache / "states").glob("*.pt"))) == 2  # ANLI and MNLI bottoms, computed once each
    train_run(tmp_path / "seed2", model=str(tiny_model_dir), data_dir=str(data_dir), seed=2, **TINY)
    assert len(list((cache / "states").glob("*.pt"))) == 2  # another seed reuses the MNLI states


def test_checkpoint_loads_in_our_loader_and_as_plain_automodel(tmp_path, tiny_model_dir, data_dir, cache):
    from transformers import AutoModel, AutoTokenizer

    from robustxnli.models import load_classifier
    from robustxnli.models.classifier import PairNLIClassifier

    run = tmp_path / "base"
    train_run(run, model=str(tiny_model_dir), data_dir=str(data_dir), **TINY)
    clf = load_classifier(run)
    assert isinstance(clf, PairNLIClassifier)
    prem, hyp = ["A man is sleeping.", "Kids play."], ["Nobody sleeps.", "Children are playing."]
    probs = clf.predict_proba(prem, hyp)
    assert probs.shape == (2, 3) and np.allclose(probs.sum(1), 1, atol=1e-5)
    # README's recipe for loading elsewhere: AutoModel + mean pooling + the head file
    side = json.loads((run / "model/robustxnli.json").read_text())["pair_encoder"]
    enc = AutoModel.from_pretrained(run / "model").eval()
    tok = AutoTokenizer.from_pretrained(run / "model")
    head = load_file(str(run / "model" / side["head_file"]))

    def embed(texts):
        x = tok([side["prefix"] + t for t in texts], padding=True, return_tensors="pt")
        with torch.no_grad():
            h = enc(**x).last_hidden_state
        m = x["attention_mask"].unsqueeze(-1).float()
        return (h * m).sum(1) / m.sum(1)

    u, v = embed(prem), embed(hyp)
    logits = torch.cat([u, v, (u - v).abs(), u * v], -1) @ head["weight"].T + head["bias"]
    assert np.allclose(torch.softmax(logits, -1).numpy(), probs, atol=1e-4)


def test_cli_preset_cpu_then_evaluate(tmp_path, tiny_model_dir, data_dir):
    exe = Path(sys.executable).with_name("robustxnli")
    env = {**os.environ, "ROBUSTXNLI_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    out = tmp_path / "cli"
    proc = subprocess.run([str(exe), "train", "--model", str(tiny_model_dir), "--preset", "cpu", "--out", str(out),
                           "--target-limit", "32", "--train-layers", "1", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "baseline, seed 1" in proc.stdout
    proc = subprocess.run([str(exe), "evaluate", "--model", str(out), "--lang", "en,de", "--limit", "6",
                           "--out", str(out / "eval"), "--data-dir", str(data_dir)], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "eval/summary.json").read_text())
    assert summary["n"] == {"en": 6, "de": 6}
    # wordsub-embedding takes its neighbours from the victim's input embeddings: the bi-encoder exposes them
    proc = subprocess.run([str(exe), "attack", "--model", str(out), "--lang", "de", "--limit", "4", "--recipe",
                           "wordsub-embedding", "-o", f"encoder_dir={tiny_model_dir}", "-o", "min_cos=0",
                           "-o", "label_preserving=false", "--out", str(out / "atk"), "--data-dir", str(data_dir)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((out / "atk/de-wordsub-embedding/summary.json").read_text())["n"] == 4
    bad = subprocess.run([str(exe), "train", "--model", str(tiny_model_dir), "--preset", "gpu", "--out",
                          str(tmp_path / "bad"), "--data-dir", str(data_dir)], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "choose from: default, cpu" in bad.stderr and "Traceback" not in bad.stderr


def test_preset_cpu_refuses_non_nli_intermediate_tasks(tmp_path, tiny_model_dir, data_dir, cache):
    from robustxnli.errors import UserError

    with pytest.raises(UserError, match="NLI tasks only.*--preset default"):
        train_run(tmp_path / "sst2", model=str(tiny_model_dir), intermediate="sst2", data_dir=str(data_dir), **TINY)
