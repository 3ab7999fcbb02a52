"""Label-preserving heuristic distractors on real XNLI pairs, in all 15 XNLI languages.

Naik et al. (2018), "Stress Test Evaluation for Natural Language Inference" (COLING): a tautology T appended to
a sentence S leaves its meaning unchanged (S ∧ T ≡ S), so the gold label of the pair stays the same by
construction, while a model that leans on word overlap, negation words or length may change its answer.

* ``tautology``  hypothesis + "and true is true"           (their word-overlap test)
* ``negation``   hypothesis + "and false is not true"      (their negation test)
* ``length``     premise + "and true is true" × 5          (their length-mismatch test)
* ``overlap``    hypothesis + "and W is W", W a premise word missing from the hypothesis (raises overlap)

The texts are data (``robustxnli/hans/distractors.yaml``). Each distractor is a pure function on a pair and a
TextAttack ``Transformation`` that yields the one distracted pair once (so a search applies it exactly once).
Clauses go right after the column's last word, before closing punctuation, exactly where TextAttack's
``replace_word_at_index`` puts them, so the pure functions and the transformations agree character for character.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import yaml

from robustxnli.constants import XNLI_LANGS
from robustxnli.errors import UserError
from robustxnli.offline import prepare

from .text import segment_words

prepare()

from textattack.transformations import Transformation  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "robustxnli" / "hans" / "distractors.yaml"
KINDS = ("tautology", "negation", "length", "overlap")
COLUMN = {"tautology": "hypothesis", "negation": "hypothesis", "length": "premise", "overlap": "hypothesis"}


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    path = DATA
    if not path.exists():  # installed (non-editable) layout: the yaml ships inside robustxnli.hans
        import robustxnli.hans

        path = Path(robustxnli.hans.__file__).with_name("distractors.yaml")
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def texts(lang: str) -> dict[str, str]:
    langs = _data()["languages"]
    if lang not in langs:
        raise UserError(f"no distractor texts for {lang!r}; available: {', '.join(sorted(langs))}")
    return langs[lang]


# pure functions -------------------------------------------------------------------------------------------------
def _split_after_last_word(text: str) -> tuple[str, str, str] | None:
    """(head, last word, tail): the clause goes between the last word and the closing punctuation."""
    words = segment_words(text)
    if not words:
        return None
    end = text.rindex(words[-1]) + len(words[-1])
    return text[:end - len(words[-1])], words[-1], text[end:]


def append_clause(text: str, clause: str, sep: str = " ") -> str:
    """``text`` with ``sep + clause`` after its last word (closing punctuation stays at the end)."""
    parts = _split_after_last_word(text)
    if parts is None:
        return text
    head, last, tail = parts
    return f"{head}{last}{sep}{clause}{tail}"


def overlap_word(premise: str, hypothesis: str, lang: str) -> str | None:
    """The longest premise word (not a stopword) absent from the hypothesis; ties go to the first. Falls back
    to the longest premise word; None for a premise without words."""
    from .engine import stopwords

    words = segment_words(premise)
    if not words:
        return None
    in_hyp = {w.lower() for w in segment_words(hypothesis)}
    stop = stopwords(lang)
    pool = [w for w in words if w.lower() not in in_hyp and w.lower() not in stop] or words
    return max(pool, key=len)  # max keeps the first of equally long words


def distract(kind: str, premise: str, hypothesis: str, lang: str) -> tuple[str, str]:
    """The distracted (premise, hypothesis); the gold label is unchanged by construction."""
    t = texts(lang)
    sep = t.get("sep", " ")
    if kind == "tautology":
        return premise, append_clause(hypothesis, t["tautology"], sep)
    if kind == "negation":
        return premise, append_clause(hypothesis, t["negation"], sep)
    if kind == "length":
        return append_clause(premise, length_clause(lang), sep), hypothesis
    if kind == "overlap":
        w = overlap_word(premise, hypothesis, lang)
        return premise, hypothesis if w is None else append_clause(hypothesis, t["overlap"].format(w=w), sep)
    raise UserError(f"unknown distractor {kind!r}; choose from: {', '.join(KINDS)}")


def length_clause(lang: str) -> str:
    t = texts(lang)
    joiner = "，" if t.get("sep") == "，" else " "
    return joiner.join([t["tautology"]] * int(_data().get("repeat", 5)))


def tautology(premise: str, hypothesis: str, lang: str) -> tuple[str, str]:
    return distract("tautology", premise, hypothesis, lang)


def negation(premise: str, hypothesis: str, lang: str) -> tuple[str, str]:
    return distract("negation", premise, hypothesis, lang)


def length_mismatch(premise: str, hypothesis: str, lang: str) -> tuple[str, str]:
    return distract("length", premise, hypothesis, lang)


def word_overlap(premise: str, hypothesis: str, lang: str) -> tuple[str, str]:
    return distract("overlap", premise, hypothesis, lang)


FUNCTIONS: dict[str, Callable[[str, str, str], tuple[str, str]]] = {
    "tautology": tautology, "negation": negation, "length": length_mismatch, "overlap": word_overlap}


# TextAttack transformations -----------------------------------------------------------------------------------
class DistractorTransformation(Transformation):
    """Appends the ``kind`` distractor to its column of a (premise, hypothesis) ``AttackedText``, once: a text
    that already carries a distractor yields nothing, so greedy/beam search stops after one step."""

    kind = "tautology"

    def __init__(self, lang: str):
        if lang not in XNLI_LANGS:
            raise UserError(f"unknown language {lang!r}")
        texts(lang)
        self.lang = lang

    @property
    def deterministic(self) -> bool:
        return True

    def _get_transformations(self, current_text, indices_to_modify):
        if current_text.attack_attrs.get("distractor") or current_text.column_labels != ["premise", "hypothesis"]:
            return []
        column = COLUMN[self.kind]
        col = current_text.column_labels.index(column)
        per = current_text.words_per_input
        if not per[col]:
            return []
        last = sum(len(w) for w in per[: col + 1]) - 1  # index of the column's last word in the whole pair
        old = current_text._text_input[column]
        p, h = current_text._text_input["premise"], current_text._text_input["hypothesis"]
        new = distract(self.kind, p, h, self.lang)[col]
        if new == old:
            return []
        head, word, tail = _split_after_last_word(old)
        suffix = new[len(head) + len(word): len(new) - len(tail)]  # sep + clause
        out = current_text.replace_word_at_index(last, current_text.words[last] + suffix)
        out.attack_attrs["distractor"] = self.kind
        return [out]

    def extra_repr_keys(self):
        return ["lang"]


class TautologyDistractor(DistractorTransformation):
    kind = "tautology"


class NegationDistractor(DistractorTransformation):
    kind = "negation"


class LengthDistractor(DistractorTransformation):
    kind = "length"


class OverlapDistractor(DistractorTransformation):
    kind = "overlap"


TRANSFORMATIONS: dict[str, type[DistractorTransformation]] = {
    "tautology": TautologyDistractor, "negation": NegationDistractor, "length": LengthDistractor,
    "overlap": OverlapDistractor}


def build_distractor_attack(ctx, kind: str):
    """A TextAttack ``Attack`` applying one distractor once (GreedySearch; no constraints: the change is fixed
    and label-preserving by construction). Succeeds when the model's answer on the distracted pair is wrong.
    The distractor's column is fixed by the test, so ``ctx.perturb`` must include it (the runner measures
    ``words_changed_frac`` over the perturbed columns)."""
    from textattack.search_methods import GreedySearch

    from .engine import build_attack

    column = COLUMN[kind]
    if ctx.perturb not in (column, "both"):
        raise UserError(f"distractor {kind!r} appends to the {column}: run it with --perturb {column} (or both)")
    return build_attack(ctx, TRANSFORMATIONS[kind](ctx.lang), [], GreedySearch())
