"""SQuAD v1.1 (Rajpurkar et al. 2016): extractive QA, an intermediate task in Phang et al. 2020."""

from typing import Any

from .base import Task, nonempty_text


def _validate(row: dict[str, Any]) -> str | None:
    problem = nonempty_text(row, "context", "question")
    if problem:
        return problem
    answers = row.get("answers") or {}
    texts, starts = answers.get("text") or [], answers.get("answer_start") or []
    if not texts or len(texts) != len(starts):
        return "answers must hold equal-length, non-empty 'text' and 'answer_start' lists"
    if row["context"][starts[0]: starts[0] + len(texts[0])] != texts[0]:
        return f"answer {texts[0]!r} is not at answer_start {starts[0]} in the context"
    return None


TASK = Task(
    name="squad",
    kind="extractive_qa",
    files={"train": "intermediate/squad_train_slice.jsonl.gz", "dev": "intermediate/squad_dev.jsonl.gz"},
    validate=_validate,
    num_labels=0,
    hub={"train": ("rajpurkar/squad", None, "train"), "dev": ("rajpurkar/squad", None, "validation")},
    caveat="Offline, SQuAD train is a slice (first 44 of 442 articles).",
    citation="Rajpurkar et al. 2016, SQuAD: 100,000+ Questions for Machine Comprehension of Text (CC BY-SA 4.0)",
)
