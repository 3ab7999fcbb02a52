"""Every weight load outside the classifier goes through here: encoders to fine-tune or embed with, fresh
sequence classifiers on an encoder, masked LMs for word swaps. Safetensors only (nothing is unpickled)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..constants import NLI_LABELS
from ..errors import UserError


def load_tokenizer(path: str | Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path))


def accepts_pooling_flag(path: str | Path) -> bool:
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(str(path)).model_type in ("bert", "roberta", "xlm-roberta")


def load_encoder(path: str | Path, pooler: bool = False):
    """The bare encoder (``AutoModel``); without its pooler when the architecture allows (mean pooling)."""
    from transformers import AutoModel

    kwargs: dict[str, Any] = {} if pooler or not accepts_pooling_flag(path) else {"add_pooling_layer": False}
    return AutoModel.from_pretrained(str(path), use_safetensors=True, **kwargs)


def init_sequence_classifier(encoder_dir: str | Path, labels: tuple[str, ...] = tuple(NLI_LABELS)):
    """A fresh ``len(labels)``-way head on an encoder, labels in XNLI order (Trainer path, phase 3)."""
    from transformers import AutoModelForSequenceClassification

    id2label = dict(enumerate(labels))
    return AutoModelForSequenceClassification.from_pretrained(
        str(encoder_dir), num_labels=len(labels), id2label=id2label, label2id={v: k for k, v in id2label.items()},
        use_safetensors=True)


def load_masked_lm(name_or_path: str) -> tuple[Any, Any]:
    """A masked LM and its tokenizer (local directory or hub name; offline, hub names fail fast)."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    try:
        model = AutoModelForMaskedLM.from_pretrained(name_or_path, use_safetensors=True).eval()
        tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot load masked LM {name_or_path!r} for --mlm ({err}). Offline, give a local "
                        "directory with a safetensors masked-LM checkpoint.") from err
    return model, tokenizer
