"""Shared fixtures: a tiny randomly initialised XLM-R NLI classifier with the real e5 tokenizer, the data dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("ROBUSTXNLI_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from robustxnli import offline  # noqa: E402

offline.prepare()

import torch  # noqa: E402

torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]


def default_data_dir() -> Path:
    env = os.environ.get("ROBUSTXNLI_DATA")
    if env:
        return Path(env)
    for cand in (REPO.parent / "shared" / "data", REPO / "robustxnli" / "data" / "pack"):
        if (cand / "xnli").exists():
            return cand
    return REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return default_data_dir()


def build_tiny_model(out: Path, id2label: dict[int, str] | None = None, seed: int = 0) -> Path:
    """Tiny XLM-R sequence classifier (hidden 32, 2 layers) with the real multilingual-e5 tokenizer."""
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaForSequenceClassification

    from robustxnli.models.assets import e5_tokenizer_json

    tok = PreTrainedTokenizerFast(
        tokenizer_file=str(e5_tokenizer_json()), bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        sep_token="</s>", pad_token="<pad>", cls_token="<s>", mask_token="<mask>", model_max_length=512,
    )
    id2label = id2label or {0: "entailment", 1: "neutral", 2: "contradiction"}
    cfg = XLMRobertaConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=514, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, num_labels=len(id2label), id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    torch.manual_seed(seed)
    model = XLMRobertaForSequenceClassification(cfg)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny_xlmr"))


def killed_training(monkeypatch, train_run, out: Path, kill_at: int = 5, **kw) -> None:
    """Run ``train_run(out, **kw)`` with Trainer's ``kill_at``-th training step raising KeyboardInterrupt (a
    simulated kill), then restore the real step: what a crashed run leaves on disk is the caller's to check."""
    from transformers import Trainer

    real_step, calls = Trainer.training_step, {"n": 0}

    def crashing_step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == kill_at:
            raise KeyboardInterrupt("simulated kill")
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "training_step", crashing_step)
    with pytest.raises(KeyboardInterrupt):
        train_run(out, **kw)
    monkeypatch.setattr(Trainer, "training_step", real_step)
