"""robustxnli: adversarial-robustness evaluation for zero-shot cross-lingual NLI.

Rooms (one concept, one place): ``data`` (tasks), ``models`` (checkpoints, labels, embedded default),
``training`` (STILTs phases), ``evaluation`` (zero-shot XNLI), ``robustxnli.attacks`` (perturbation parts),
``robustxnli.recipes`` (one file per attack recipe), ``hans`` (HANS-style sets), ``report``, ``sweep``, ``cli``.
"""

__version__ = "0.1.0"
