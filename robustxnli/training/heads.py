"""Phase-2 model: one shared encoder, one small head per intermediate task (Phang et al. 2020 keep only the
encoder when moving on to the target task, and so do we).

Heads pool by the attention-masked mean of the last hidden states (what multilingual-e5 was trained with); QA
predicts start/end per token. A single intermediate task is the one-task case of this model.
"""

from __future__ import annotations

import torch
from torch import nn


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


class MultiTaskModel(nn.Module):
    """``forward(task=..., input_ids, attention_mask, labels | start_positions/end_positions)`` -> {loss, logits}."""

    def __init__(self, encoder: nn.Module, tasks: dict[str, tuple[str, int]], dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.kinds = {name: kind for name, (kind, _) in tasks.items()}
        hidden = encoder.config.hidden_size
        self.heads = nn.ModuleDict()
        for name, (kind, num_labels) in tasks.items():
            out = {"nli": num_labels, "classification": num_labels, "multiple_choice": 1, "extractive_qa": 2}[kind]
            self.heads[name] = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, out))
        self.config = encoder.config  # Trainer reads a few fields from here

    def forward(self, task: str, input_ids, attention_mask, labels=None, start_positions=None, end_positions=None,
                **_ignored):
        kind = self.kinds[task]
        if kind == "multiple_choice":  # [batch, choices, length] -> score each (first, choice) pair
            b, c, length = input_ids.shape
            h = self.encoder(input_ids=input_ids.view(-1, length), attention_mask=attention_mask.view(-1, length))
            logits = self.heads[task](masked_mean(h.last_hidden_state, attention_mask.view(-1, length))).view(b, c)
            loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
            return {"loss": loss, "logits": logits}
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if kind == "extractive_qa":
            start, end = self.heads[task](h).unbind(-1)
            neg = torch.finfo(start.dtype).min
            start, end = start.masked_fill(attention_mask == 0, neg), end.masked_fill(attention_mask == 0, neg)
            loss = None
            if start_positions is not None:
                loss = (nn.functional.cross_entropy(start, start_positions)
                        + nn.functional.cross_entropy(end, end_positions)) / 2
            return {"loss": loss, "logits": torch.stack([start, end], -1)}
        logits = self.heads[task](masked_mean(h, attention_mask))
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}
