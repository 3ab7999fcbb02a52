"""MultiNLI (Williams et al. 2018): the English target task.

Offline, ``train`` is the dev matched + mismatched stand-in (single-annotator labels); see the caveat."""

from ..constants import MNLI_STANDIN_CAVEAT
from .base import Task, validate_nli

TASK = Task(
    name="mnli",
    kind="nli",
    files={
        "train": "mnli/dev_*.jsonl.gz",  # stand-in: both dev files (MNLI train is not available offline)
        "dev_matched": "mnli/dev_matched.jsonl.gz",
        "dev_mismatched": "mnli/dev_mismatched.jsonl.gz",
    },
    validate=validate_nli,
    hub={
        "train": ("nyu-mll/glue", "mnli", "train"),
        "dev_matched": ("nyu-mll/glue", "mnli", "validation_matched"),
        "dev_mismatched": ("nyu-mll/glue", "mnli", "validation_mismatched"),
    },
    caveat=MNLI_STANDIN_CAVEAT,
    citation="Williams, Nangia & Bowman 2018, A Broad-Coverage Challenge Corpus for Sentence Understanding",
)
