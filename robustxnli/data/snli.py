"""SNLI (Bowman et al. 2015); offline copy is e-SNLI's PTB-tokenised text."""

from .base import Task, validate_nli

TASK = Task(
    name="snli",
    kind="nli",
    files={"dev": "snli/dev.jsonl.gz", "test": "snli/test.jsonl.gz", "train": "snli/dev.jsonl.gz"},
    validate=validate_nli,
    hub={"train": ("stanfordnlp/snli", None, "train"), "dev": ("stanfordnlp/snli", None, "validation"),
         "test": ("stanfordnlp/snli", None, "test")},
    caveat="Offline, SNLI train is unavailable: SNLI dev (PTB-tokenised) stands in for it.",
    citation="Bowman et al. 2015, A large annotated corpus for learning natural language inference",
)
