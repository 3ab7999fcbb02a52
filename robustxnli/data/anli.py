"""Adversarial NLI (Nie et al. 2020), rounds r1-r3."""

from .base import Task, validate_nli

_ROUNDS = ("r1", "r2", "r3")
TASK = Task(
    name="anli",
    kind="nli",
    files={
        **{f"{r}_dev": f"anli/{r}_dev.jsonl.gz" for r in _ROUNDS},
        **{f"{r}_test": f"anli/{r}_test.jsonl.gz" for r in _ROUNDS},
        "train": "anli/r*_dev.jsonl.gz",
    },
    validate=validate_nli,
    hub={"train": ("facebook/anli", None, "train_r1"),
         **{f"{r}_dev": ("facebook/anli", None, f"dev_{r}") for r in _ROUNDS},
         **{f"{r}_test": ("facebook/anli", None, f"test_{r}") for r in _ROUNDS}},
    # training names the rounds and pairs it actually read (the vendored pack holds r1 dev only)
    caveat="Offline, ANLI train is unavailable: the ANLI dev rounds found on disk stand in for it.",
    citation="Nie et al. 2020, Adversarial NLI: A New Benchmark for Natural Language Understanding (CC BY-NC 4.0)",
)
