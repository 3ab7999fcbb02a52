"""CommonsenseQA (Talmor et al. 2019): 5-way questions; offline, dev stands in for train."""

from .base import Task
from .multiple_choice import mc_validator

TASK = Task(
    name="commonsenseqa",
    kind="multiple_choice",
    files={"train": "intermediate/commonsenseqa_dev.jsonl.gz", "dev": "intermediate/commonsenseqa_dev.jsonl.gz"},
    validate=mc_validator(None, "question", "choices", 5),
    choices=lambda r: (r["question"], list(r["choices"])),
    num_labels=5,
    hub={"train": ("tau/commonsense_qa", None, "train"), "dev": ("tau/commonsense_qa", None, "validation")},
    from_hub=lambda r: {"question": r["question"], "choices": r["choices"]["text"],
                        "label": "ABCDE".index(r["answerKey"])},
    caveat="Offline, CommonsenseQA train is unavailable: its dev split stands in for it.",
    citation="Talmor et al. 2019, CommonsenseQA: A Question Answering Challenge Targeting Commonsense Knowledge",
)
