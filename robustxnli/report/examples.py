"""Report sections from attack runs: k adversarial examples per recipe × language (changes highlighted, all text
escaped) and the audit's validity table (label-preserving share, Wilson interval, adjusted metrics)."""

from __future__ import annotations

import html
import random
import unicodedata
from collections import defaultdict

from ..audit.diff import diff_html, diff_markdown
from ..audit.sample import Item, successes
from ..audit.table import validity_table
from .load import RunSet
from .render import Section

CSS = ("<style>.ex{border:1px solid #ddd;border-radius:5px;padding:5px 9px;margin:6px 0;font-size:.88em}"
       ".ex .m{color:#666;font-size:.85em}del{background:#fbd3d3}ins{background:#cdeccd;text-decoration:none;"
       "font-weight:600}</style>")


def _direction(text: str) -> str:
    """What dir="auto" would pick from the text alone (its first strong character), not from the Latin label
    "P:" written before it: "rtl" for Arabic, Hebrew, ..., else "ltr"."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL", "L"):
            return "ltr" if kind == "L" else "rtl"
    return "ltr"


def _example_html(it: Item) -> str:
    e = html.escape
    rows = []
    for name, text, adv in it.columns():
        tag = name[0].upper()  # P, H
        old, new = diff_html(text, adv)
        rows.append(f'<div dir="{_direction(text)}">{tag}: {old}</div>')
        if adv != text:  # the perturbed column below its original
            rows.append(f'<div dir="{_direction(adv)}">{tag}′: {new}</div>')
    return (f'<div class="ex"><div class="m">{e(it.recipe)} · {e(it.lang)} · {e(it.id)} · gold <b>{e(it.label)}'
            f"</b> · clean {e(it.clean_pred)} → adversarial {e(it.adv_pred)}</div>" + "".join(rows) + "</div>")


def _example_markdown(it: Item) -> str:
    changed = [f"{name[0].upper()}: {diff_markdown(text, adv)}" for name, text, adv in it.columns() if adv != text]
    return "; ".join(changed) or diff_markdown(it.hypothesis, it.adv_hypothesis)


def examples_section(runset: RunSet, k: int = 3, seed: int = 0) -> Section | None:
    """Up to ``k`` successful adversarial examples per recipe × language, drawn with ``seed``."""
    cells: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for run in runset.of_kind("attack"):
        for it in successes(run.path, run.manifest):
            cells[it.recipe, it.lang].append(it)
    if not cells:
        return None
    parts, bullets = [CSS], []
    for key in sorted(cells):
        items = sorted(cells[key], key=lambda x: x.item)
        pick = random.Random(f"{seed}|{key[0]}|{key[1]}").sample(items, min(k, len(items)))
        parts.append(f"<h3>{html.escape(key[0])} · {html.escape(key[1])}</h3>")
        parts += [_example_html(it) for it in pick]
        bullets += [f"{it.recipe} {it.lang} {it.id} (gold {it.label}, clean {it.clean_pred} → adversarial "
                    f"{it.adv_pred}): {_example_markdown(it)}" for it in pick]
    return Section("Adversarial examples", [
        f"Up to {k} successful attacks per recipe × language (seed {seed}); removed words struck, inserted words "
        "highlighted. Read them before the numbers: a success counts only if the gold label still holds."],
        bullets=bullets, raw_html=["".join(parts)])


def validity_section(runset: RunSet) -> Section | None:
    roots = [run.path for run in runset.of_kind("attack")]
    if not roots:
        return None
    table = validity_table(roots)
    return Section("Validity of adversarial examples (human audit)", [
        "Share of judged successes that keep the gold label (robustxnli audit; majority of annotators per "
        "example; 'unclear' counts as not label-preserving), 95% Wilson interval; adjusted success rate = "
        "success rate × that share; adjusted robust accuracy counts examples whose success was judged invalid as "
        "robust. Cells nobody judged say 'not audited'."], tables=[("validity per recipe × language", table)])


def attack_sections(runset: RunSet, seed: int = 0, k: int = 3) -> list[Section]:
    """The sections build.py appends (none when the run set has no attack runs)."""
    from .candidates import candidates_section

    sections = (validity_section(runset), candidates_section(runset), examples_section(runset, k, seed))
    return [s for s in sections if s is not None]
