"""Code-mixing lookups: what the two caches of session 17 buy, measured side by side in one process.

* candidates: :class:`CodeMixSwap` translations (round trip on, pivot English) for the words of XNLI hypotheses,
  with each FreeDict inverted index kept in memory (now) vs decoded from its JSON cache on every lookup (before);
* parallel matching: :func:`robustxnli.attacks.parallel.appears_in` over the 14 other XNLI languages, with one
  simplemma lemmatizer keeping every language (now) vs simplemma's default cache of 8 languages (before).
Prints seconds for each and the ratio; the outputs must be identical.

    OMP_NUM_THREADS=1 python benchmarks/bench_codemix_lookups.py --lang de --pairs 5
"""

from __future__ import annotations

import argparse
import time


def words_of(lang: str, pairs: int) -> tuple[list[str], list[tuple[str, str]]]:
    from robustxnli.attacks.parallel import script_runs, xnli_parallel
    from robustxnli.data import load_nli

    examples = load_nli("xnli", "dev", lang, None, pairs)
    corpus = xnli_parallel(lang, "dev")
    words = [w for e in examples for w in script_runs(e.hypothesis) if len(w) > 3]
    sentences = [(t, h) for e in examples for t, (_, h) in corpus.versions(e.premise, e.hypothesis).items()]
    return words, sentences


def candidates(lang: str, words: list[str], keep_index: bool) -> tuple[float, list]:
    import importlib

    fd = importlib.import_module("robustxnli.attacks.lexicons.freedict")
    from robustxnli.attacks.word_swaps import CodeMixSwap
    from robustxnli.constants import XNLI_LANGS

    original = fd.DictdDictionary.inverted

    def decoded_each_time(self):  # the code before: no in-memory copy
        self._inverted = None
        return original(self)

    if not keep_index:
        fd.DictdDictionary.inverted = decoded_each_time
    try:
        swap = CodeMixSwap(lang, [t for t in XNLI_LANGS if t != lang], round_trip=True)
        start = time.perf_counter()
        out = [swap._uncached(w) for w in words]
        return time.perf_counter() - start, out
    finally:
        fd.DictdDictionary.inverted = original


def matching(words: list[str], sentences: list[tuple[str, str]], cache_languages: int) -> tuple[float, list]:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    from robustxnli.attacks import parallel

    lemmatizer = Lemmatizer(lemmatization_strategy=DefaultStrategy(
        dictionary_factory=DefaultDictionaryFactory(cache_max_size=cache_languages)))
    saved = parallel._lemmatizer
    parallel._lemmatizer = lambda: lemmatizer
    parallel.lemma.cache_clear()
    parallel._forms.cache_clear()
    try:
        start = time.perf_counter()
        out = [parallel.appears_in(w, s, t) for w in words for t, s in sentences]
        return time.perf_counter() - start, out
    finally:
        parallel._lemmatizer = saved
        parallel.lemma.cache_clear()
        parallel._forms.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", default="de")
    ap.add_argument("--pairs", type=int, default=5)
    args = ap.parse_args()
    words, sentences = words_of(args.lang, args.pairs)
    candidates(args.lang, words[:1], True)  # load the dictionaries once for both sides
    before, a = candidates(args.lang, words, keep_index=False)
    now, b = candidates(args.lang, words, keep_index=True)
    assert a == b
    print(f"candidates for {len(words)} {args.lang} words: {before:.1f} s decoded per lookup, {now:.1f} s kept "
          f"-> {before / max(now, 1e-9):.1f}x")
    sample = words[:10]
    before, a = matching(sample, sentences, 8)
    now, b = matching(sample, sentences, 64)
    assert a == b
    print(f"parallel matching of {len(sample)} words in {len(sentences)} translations: {before:.1f} s with 8 cached "
          f"languages, {now:.1f} s with all -> {before / max(now, 1e-9):.1f}x")


if __name__ == "__main__":
    main()
