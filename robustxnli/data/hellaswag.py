"""HellaSwag (Zellers et al. 2019): 4-way sentence completion; offline, the validation split stands in for train."""

from .base import Task
from .multiple_choice import mc_validator

TASK = Task(
    name="hellaswag",
    kind="multiple_choice",
    files={"train": "intermediate/hellaswag_val.jsonl.gz", "dev": "intermediate/hellaswag_val.jsonl.gz"},
    validate=mc_validator("ctx", None, "endings", 4),
    choices=lambda r: (r["ctx"], list(r["endings"])),
    num_labels=4,
    hub={"train": ("Rowan/hellaswag", None, "train"), "dev": ("Rowan/hellaswag", None, "validation")},
    from_hub=lambda r: {"ctx": r["ctx"], "endings": r["endings"], "label": int(r["label"])},
    caveat="Offline, HellaSwag train is unavailable: its validation split stands in for it.",
    citation="Zellers et al. 2019, HellaSwag: Can a Machine Really Finish Your Sentence? (MIT)",
)
