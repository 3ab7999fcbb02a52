"""XNLI (Conneau et al. 2018): MNLI dev/test translated into 14 languages; the zero-shot evaluation target."""

from ..constants import XNLI_LANGS
from .base import Task, validate_nli

TASK = Task(
    name="xnli",
    kind="nli",
    files={"dev": "xnli/dev/{lang}.jsonl.gz", "test": "xnli/test/{lang}.jsonl.gz"},
    validate=validate_nli,
    langs=XNLI_LANGS,
    hub={"dev": ("facebook/xnli", "{lang}", "validation"), "test": ("facebook/xnli", "{lang}", "test")},
    citation="Conneau et al. 2018, XNLI: Evaluating Cross-lingual Sentence Representations (CC BY-NC 4.0)",
)
