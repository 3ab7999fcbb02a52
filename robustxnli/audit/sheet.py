"""The annotation sheet: one self-contained HTML page to read and judge, plus a JSONL and a CSV to fill in."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from ..constants import LANG_NAMES
from .diff import diff_html
from .sample import Item

ANSWERS = ("yes", "no", "unclear")
FIELDS = ("same_label", "same_meaning", "annotator", "note")
QUESTIONS = {"same_label": "Would a careful reader still give the perturbed pair the gold label?",
             "same_meaning": "Does each perturbed sentence mean the same as the original?"}

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:20px auto;padding:0 14px;
color:#222;line-height:1.45}h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #ccc;margin-top:1.6em}
.item{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:10px 0}.meta{font-size:.8em;color:#666}
.t{margin:3px 0}.k{display:inline-block;width:9.5em;color:#555;font-size:.85em}del{background:#fbd3d3;
text-decoration:line-through}ins{background:#cdeccd;text-decoration:none;font-weight:600}
.q{margin-top:6px;font-size:.9em}.q label{margin-right:12px}textarea{width:100%;height:2.2em}
#save{position:sticky;top:0;background:#3b6fb6;color:#fff;border:0;padding:8px 14px;border-radius:4px}
"""

SCRIPT = """
function collect(){const out=[];document.querySelectorAll('.item').forEach(d=>{const o=JSON.parse(
d.dataset.item);for(const f of ['same_label','same_meaning']){const c=d.querySelector('input[data-f="'+f+
'"]:checked');o[f]=c?c.value:null;}o.note=d.querySelector('textarea').value;o.annotator=
document.getElementById('annotator').value;out.push(JSON.stringify(o));});return out.join('\\n')+'\\n';}
function save(){const b=new Blob([collect()],{type:'application/json'});const a=document.createElement('a');
a.href=URL.createObjectURL(b);a.download='judgements.jsonl';a.click();}
"""


def _item_html(it: Item, n: int) -> str:
    e = html.escape
    rows = [f'<div class="meta">#{n} · {e(it.recipe)} · {e(it.lang)} ({e(LANG_NAMES.get(it.lang, it.lang))}) · '
            f'run <b>{e(it.where())}</b> · {e(it.id)} · model: clean {e(it.clean_pred)} → attacked {e(it.adv_pred)}'
            '</div>']
    # each column as written, and below it its perturbed version where the attack changed it
    for name, text, adv in it.columns():
        before, after = diff_html(text, adv)
        rows.append(f'<div class="t"><span class="k">{name}</span><span dir="auto">{before}</span></div>')
        if adv != text:
            rows.append(f'<div class="t"><span class="k">perturbed {name}</span><span dir="auto">{after}</span></div>')
    rows.append(f'<div class="t"><span class="k">gold label</span><b>{e(it.label)}</b></div>')
    for field, question in QUESTIONS.items():
        # one radio group per item and question (the key is unique per run); save() finds them by data-f
        radios = "".join(f'<label><input type="radio" name="{e(it.item)}|{field}" data-f="{field}" value="{a}"> '
                         f'{a}</label>' for a in ANSWERS)
        rows.append(f'<div class="q">{e(question)} {radios}</div>')
    rows.append('<textarea placeholder="note (optional)"></textarea>')
    data = e(json.dumps({k: getattr(it, k) for k in ("item", "run", "id", "recipe", "lang")}, ensure_ascii=False))
    return f'<div class="item" data-item="{data}">' + "".join(rows) + "</div>"


def write_sheet(cells: dict[tuple[str, str], list[Item]], out: Path, seed: int, per_cell: int) -> dict[str, Path]:
    """``sheet.html`` (judge in the browser, then "save judgements"), ``judgements.jsonl`` and ``judgements.csv``
    (the same items with empty answers, to fill in by hand)."""
    out.mkdir(parents=True, exist_ok=True)
    items = [it for key in sorted(cells) for it in cells[key]]
    e = html.escape
    body = [f"<h1>Adversarial example audit ({len(items)} successes)</h1>",
            f"<p>Sampled per recipe × language: up to {per_cell} successful attacks each, seed {seed}. Changes are "
            "<del>struck</del> and <ins>highlighted</ins>. Answer both questions for every item: <b>yes</b>, "
            "<b>no</b> or <b>unclear</b> (unclear counts as not label-preserving). Then press the button and "
            "give the file to <code>robustxnli audit --ingest judgements.jsonl</code>.</p>",
            '<p>annotator: <input id="annotator" value=""> <button id="save" onclick="save()">save judgements'
            "</button></p>"]
    n = 0
    for (recipe, lang) in sorted(cells):
        body.append(f"<h2>{e(recipe)} · {e(lang)} ({len(cells[recipe, lang])})</h2>")
        for it in cells[recipe, lang]:
            n += 1
            body.append(_item_html(it, n))
    page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>robustxnli audit</title>"
            f"<style>{CSS}</style><script>{SCRIPT}</script></head><body>" + "\n".join(body) + "</body></html>")
    paths = {"html": out / "sheet.html", "jsonl": out / "judgements.jsonl", "csv": out / "judgements.csv"}
    paths["html"].write_text(page, encoding="utf-8")
    with paths["jsonl"].open("w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps({**it.as_dict(), **{k: None for k in FIELDS}}, ensure_ascii=False) + "\n")
    with paths["csv"].open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[*Item.__dataclass_fields__, *FIELDS])
        w.writeheader()
        for it in items:
            w.writerow({**it.as_dict(), **{k: "" for k in FIELDS}})
    return paths
