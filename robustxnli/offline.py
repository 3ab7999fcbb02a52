"""Environment set-up so that nothing hangs on a download when the hub is unreachable.

Call :func:`prepare` before importing textattack. It
* sets ``HF_HUB_OFFLINE=1`` when the hub is not reachable (or ``ROBUSTXNLI_OFFLINE=1``), so hub loads fail fast;
* gives NLTK an English stopword list written from the ``stopwordsiso`` package, because ``import textattack``
  builds an English StopwordModification at import time and raises LookupError without one;
* marks TextAttack's post-install check as done, so it does not try ``nltk.download`` six times.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path


def cache_dir() -> Path:
    """robustxnli's user cache (models rebuilt from wheels, fetched wheels). ``ROBUSTXNLI_CACHE`` overrides."""
    root = os.environ.get("ROBUSTXNLI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "robustxnli"
    )
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@lru_cache(maxsize=1)
def hub_reachable(timeout: float = 1.5) -> bool:
    if os.environ.get("ROBUSTXNLI_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _write_nltk_stopwords(root: Path) -> None:
    target = root / "corpora" / "stopwords"
    if (target / "english").exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    import stopwordsiso

    for code, name in (("en", "english"),):
        words = sorted(stopwordsiso.stopwords(code))
        (target / name).write_text("\n".join(words) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def prepare() -> None:
    """Idempotent; safe to call from every entry point before textattack/transformers are imported."""
    if not hub_reachable():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    nltk_root = cache_dir() / "nltk_data"
    _write_nltk_stopwords(nltk_root)
    paths = [p for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    if str(nltk_root) not in paths:
        os.environ["NLTK_DATA"] = os.pathsep.join([str(nltk_root), *paths])
    try:
        import nltk

        if str(nltk_root) not in nltk.data.path:
            nltk.data.path.insert(0, str(nltk_root))
    except ImportError:
        pass
    _silence_spurious_tokenizer_warning()
    ta_cache = Path(os.path.expanduser("~/.cache/textattack"))
    ta_cache.mkdir(parents=True, exist_ok=True)
    (ta_cache / "post_install_check_3").touch()


def _silence_spurious_tokenizer_warning() -> None:
    """transformers 4.57 warns about an "incorrect regex pattern" (a Mistral tokenizer issue) for every
    XLM-R/e5 tokenizer.json loaded from a local directory; tokenisation is unaffected. Drop that one message."""
    import logging

    class _Drop(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "incorrect regex pattern" not in record.getMessage()

    logging.getLogger("transformers.tokenization_utils_base").addFilter(_Drop())
