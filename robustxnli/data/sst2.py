"""SST-2 (Socher et al. 2013, GLUE): single-sentence sentiment, an intermediate task."""

from .base import Task, label_in_range, nonempty_text

TASK = Task(
    name="sst2",
    kind="classification",
    files={"train": "intermediate/sst2_train.jsonl.gz", "dev": "intermediate/sst2_dev.jsonl.gz"},
    validate=lambda row: nonempty_text(row, "sentence") or label_in_range(row, 2),
    num_labels=2,
    hub={"train": ("nyu-mll/glue", "sst2", "train"), "dev": ("nyu-mll/glue", "sst2", "validation")},
    citation="Socher et al. 2013, Recursive Deep Models for Semantic Compositionality Over a Sentiment Treebank",
)
