"""Cosmos QA (Huang et al. 2019): 4-way commonsense reading comprehension; offline, valid stands in for train."""

from .base import Task
from .multiple_choice import mc_validator

TASK = Task(
    name="cosmosqa",
    kind="multiple_choice",
    files={"train": "intermediate/cosmosqa_valid.jsonl.gz", "dev": "intermediate/cosmosqa_valid.jsonl.gz"},
    validate=mc_validator("context", "question", "answers", 4),
    choices=lambda r: (r["context"], [f"{r['question']} {a}" for a in r["answers"]]),
    num_labels=4,
    hub={"train": ("allenai/cosmos_qa", None, "train"), "dev": ("allenai/cosmos_qa", None, "validation")},
    from_hub=lambda r: {"context": r["context"], "question": r["question"],
                        "answers": [r[f"answer{i}"] for i in range(4)], "label": int(r["label"])},
    caveat="Offline, Cosmos QA train is unavailable: its validation split stands in for it.",
    citation="Huang et al. 2019, Cosmos QA: Machine Reading Comprehension with Contextual Commonsense Reasoning",
)
