"""From task rows to padded, length-bucketed batches (one task per batch).

Every task kind has one featuriser. Batches are built once per epoch from a seeded shuffle: examples are sorted
by length inside mega-batches of 50 batches (length bucketing: little padding, several times faster on CPU),
then the batches are shuffled. The result is deterministic for a seed, so an interrupted run resumes exactly.
"""

from __future__ import annotations

import random
from typing import Any, Callable

import torch

Features = list[dict[str, Any]]  # one tokenised example each, unpadded


def nli_features(rows, tok, max_length: int) -> Features:
    enc = tok([r["premise"] for r in rows], [r["hypothesis"] for r in rows], truncation=True, max_length=max_length)
    return [{"input_ids": ids, "attention_mask": m, "labels": int(r["label"])}
            for ids, m, r in zip(enc["input_ids"], enc["attention_mask"], rows)]


def sentence_features(rows, tok, max_length: int) -> Features:
    enc = tok([r["sentence"] for r in rows], truncation=True, max_length=max_length)
    return [{"input_ids": ids, "attention_mask": m, "labels": int(r["label"])}
            for ids, m, r in zip(enc["input_ids"], enc["attention_mask"], rows)]


def qa_features(rows, tok, max_length: int, stride: int | None = None) -> Features:
    """SQuAD-style windows over the context; a window without the answer points at the first token."""
    stride = stride if stride is not None else max(1, min(128, max_length // 4))
    enc = tok([r["question"] for r in rows], [r["context"] for r in rows], truncation="only_second",
              max_length=max_length, stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True)
    out: Features = []
    for i, offsets in enumerate(enc["offset_mapping"]):
        row = rows[enc["overflow_to_sample_mapping"][i]]
        start_char = row["answers"]["answer_start"][0]
        end_char = start_char + len(row["answers"]["text"][0])
        seq = enc.sequence_ids(i)
        ctx = [k for k, s in enumerate(seq) if s == 1]
        start = end = 0
        if ctx and offsets[ctx[0]][0] <= start_char and offsets[ctx[-1]][1] >= end_char:
            start = next(k for k in ctx if offsets[k][1] > start_char)
            end = next(k for k in reversed(ctx) if offsets[k][0] < end_char)
        out.append({"input_ids": enc["input_ids"][i], "attention_mask": enc["attention_mask"][i],
                    "start_positions": start, "end_positions": end})
    return out


def mc_features(rows, tok, max_length: int, choices: Callable[[dict], tuple[str, list[str]]]) -> Features:
    """Multiple choice: one (first, choice) pair per option; the model scores each option."""
    out: Features = []
    for r in rows:
        first, options = choices(r)
        enc = tok([first] * len(options), options, truncation=True, max_length=max_length)
        out.append({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": int(r["label"])})
    return out


def featurize(spec, rows, tok, max_length: int) -> Features:
    """Features of one task's rows by its kind; multiple-choice tasks say how a row pairs up (``Task.choices``)."""
    if spec.kind == "nli":
        return nli_features(rows, tok, max_length)
    if spec.kind == "classification":
        return sentence_features(rows, tok, max_length)
    if spec.kind == "extractive_qa":
        return qa_features(rows, tok, max_length)
    if spec.kind == "multiple_choice":
        if spec.choices is None:
            raise ValueError(f"multiple-choice task {spec.name!r} declares no choices")
        return mc_features(rows, tok, max_length, spec.choices)
    raise ValueError(f"unknown task kind {spec.kind!r}")


def _length(f: dict[str, Any]) -> int:
    ids = f["input_ids"]
    return max(len(x) for x in ids) if ids and isinstance(ids[0], list) else len(ids)


def _pad(seqs: list[list[int]], value: int, width: int) -> list[list[int]]:
    return [s + [value] * (width - len(s)) for s in seqs]


def collate(features: Features, pad_id: int) -> dict[str, torch.Tensor]:
    """Pad one batch (2-D for single inputs, 3-D [batch, choices, length] for multiple choice)."""
    width = max(_length(f) for f in features)
    batch: dict[str, torch.Tensor] = {}
    multi = isinstance(features[0]["input_ids"][0], list)
    for key, value in (("input_ids", pad_id), ("attention_mask", 0)):
        if multi:
            batch[key] = torch.tensor([_pad(f[key], value, width) for f in features])
        else:
            batch[key] = torch.tensor(_pad([f[key] for f in features], value, width))
    for key in ("labels", "start_positions", "end_positions"):
        if key in features[0]:
            batch[key] = torch.tensor([f[key] for f in features])
    return batch


def bucketed_batches(features: Features, batch_size: int, seed: int, pad_id: int, task: str | None = None,
                     bucket: int = 50) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    order = list(range(len(features)))
    rng.shuffle(order)
    batches = []
    for start in range(0, len(order), batch_size * bucket):
        chunk = sorted(order[start: start + batch_size * bucket], key=lambda i: _length(features[i]))
        for b in range(0, len(chunk), batch_size):
            batch: dict[str, Any] = collate([features[i] for i in chunk[b: b + batch_size]], pad_id)
            if task is not None:
                batch["task"] = task
            batches.append(batch)
    rng.shuffle(batches)
    return batches


class BatchDataset(torch.utils.data.Dataset):
    """A list of ready batches; the Trainer's loader uses batch size 1 and :func:`unwrap`."""

    def __init__(self, batches: list[dict[str, Any]]):
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.batches[i]


def unwrap(items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0]
