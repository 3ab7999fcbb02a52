"""A mean-pooling bi-encoder NLI classifier, for encoders trained with mean pooling (multilingual-e5).

Premise and hypothesis are encoded separately (``query: `` prefix, as multilingual-e5 expects), each mean-pooled
over its tokens into ``u`` and ``v``; a linear head reads ``[u, v, |u - v|, u * v]`` (Conneau et al. 2017,
InferSent; Reimers & Gurevych 2019, Sentence-BERT) and gives 3 logits in XNLI label order.

On disk it is a plain Hugging Face encoder directory (``config.json`` + ``model.safetensors``, loadable with
``AutoModel.from_pretrained``, no remote code) plus ``pair_head.safetensors`` (``weight`` [3, 4H], ``bias`` [3])
and the ``pair_encoder`` entry of ``robustxnli.json`` that names the prefix, pooling and features.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

HEAD_FILE = "pair_head.safetensors"
FEATURES = "[u, v, |u-v|, u*v]"
DEFAULT_PREFIX = "query: "


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


def pair_features(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return torch.cat([u, v, (u - v).abs(), u * v], dim=-1)


class PairHead(nn.Module):
    def __init__(self, hidden: int, num_labels: int = 3, dropout: float = 0.1):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(4 * hidden, num_labels)

    def forward(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(pair_features(u, v)))


def run_layers(encoder, hidden: torch.Tensor, mask: torch.Tensor, start: int, stop: int | None = None) -> torch.Tensor:
    """Run encoder layers ``start..stop`` (BERT-style ``encoder.layer``) on hidden states [b, L, H]."""
    ext = encoder.get_extended_attention_mask(mask, mask.shape)
    for layer in list(encoder.encoder.layer)[start:stop]:
        hidden = layer(hidden, attention_mask=ext)[0]
    return hidden


def bottom_states(encoder, input_ids: torch.Tensor, mask: torch.Tensor, layers: int) -> torch.Tensor:
    """Hidden states after the embeddings and the first ``layers`` encoder layers."""
    hidden = encoder.embeddings(input_ids=input_ids)
    return run_layers(encoder, hidden, mask, 0, layers)


class BiEncoderNLI(nn.Module):
    """``forward(input_ids, attention_mask, hyp_input_ids, hyp_attention_mask)`` -> object with ``.logits``."""

    def __init__(self, encoder: nn.Module, head: PairHead, prefix: str = DEFAULT_PREFIX):
        super().__init__()
        self.encoder = encoder
        self.head = head
        self.prefix = prefix
        self.config = encoder.config

    def get_input_embeddings(self) -> nn.Module:
        """The encoder's token embeddings (what ``wordsub-embedding`` takes its neighbours from), as a
        Hugging Face model exposes them."""
        return self.encoder.get_input_embeddings()

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return masked_mean(h, attention_mask)

    def forward(self, input_ids, attention_mask, hyp_input_ids, hyp_attention_mask, **_):
        logits = self.head(self.embed(input_ids, attention_mask), self.embed(hyp_input_ids, hyp_attention_mask))
        return type("Output", (), {"logits": logits})()


def save_pair_model(model: BiEncoderNLI, tokenizer, out_dir: Path, labels: Sequence[str]) -> dict[str, Any]:
    """Write the encoder (with a 3-way ``id2label`` in its config) and the head; returns the sidecar entry."""
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    id2label = dict(enumerate(labels))
    model.encoder.config.id2label = id2label
    model.encoder.config.label2id = {v: k for k, v in id2label.items()}
    model.encoder.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    save_file({k: v.detach().contiguous() for k, v in model.head.linear.state_dict().items()}, str(out_dir / HEAD_FILE))
    return {"kind": "bi-encoder", "pooling": "mean", "prefix": model.prefix, "features": FEATURES,
            "head_file": HEAD_FILE,
            "how_to_load": "AutoModel.from_pretrained(dir) -> encoder; u, v = attention-masked mean of the last "
                           "hidden states of prefix+premise and prefix+hypothesis (encoded separately); "
                           f"logits = [u, v, |u-v|, u*v] @ weight.T + bias from {HEAD_FILE}; labels = config.id2label"}


def load_pair_model(model_dir: str | Path, entry: dict[str, Any]) -> BiEncoderNLI:
    from safetensors.torch import load_file
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(model_dir), use_safetensors=True, add_pooling_layer=False)
    state = load_file(str(Path(model_dir) / entry.get("head_file", HEAD_FILE)))
    head = PairHead(encoder.config.hidden_size, state["weight"].shape[0])
    head.linear.load_state_dict(state)
    return BiEncoderNLI(encoder, head, entry.get("prefix", DEFAULT_PREFIX)).eval()
