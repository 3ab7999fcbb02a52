"""report.md and one self-contained report.html (figures inlined as base64 PNG, CSS inline, no external asset)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MISSING = "—"


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, str, bytes]] = field(default_factory=list)  # (caption, file name, png)
    code: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    raw_html: list[str] = field(default_factory=list)  # built (and escaped) by the section's module


def fmt_pct(mean: float, std: float | None = None) -> str:
    if mean is None or not np.isfinite(mean):
        return MISSING
    s = f"{100 * mean:.1f}"
    if std is not None and np.isfinite(std):
        s += f" ± {100 * std:.1f}"
    return s


def fmt_delta(est: float, lo: float, hi: float) -> str:
    if est is None or not np.isfinite(est):
        return MISSING
    ci = f" [{100 * lo:+.1f}, {100 * hi:+.1f}]" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{100 * est:+.1f}{ci}"


def fmt_params(x: float) -> str:
    if not np.isfinite(x):
        return MISSING
    for unit, div in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if x >= div:
            return f"{x / div:.1f}{unit}"
    return str(int(x))


def _md(text: object) -> str:
    """Text from manifests and data as Markdown that shows it literally: no tag a viewer would render."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


def _md_table(df: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        return _md(v).replace("|", "\\|").replace("\n", " ")

    cols = [cell(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def _md_fence(code: list[str]) -> str:
    """A code fence longer than any backtick run inside, so a recorded command cannot close it."""
    longest = max((len(run) for line in code for run in re.findall("`+", line)), default=0)
    return "`" * max(3, longest + 1)


def to_markdown(title: str, sections: list[Section]) -> str:
    out = [f"# {title}", ""]
    for s in sections:
        out += [f"## {s.title}", ""]
        for p in s.paragraphs:
            out += [_md(p), ""]
        for b in s.bullets:
            out.append(f"- {_md(b)}")
        if s.bullets:
            out.append("")
        for cap, df in s.tables:
            if df.empty:
                continue
            out += [f"**{_md(cap)}**", "", _md_table(df), ""]
        for cap, name, _ in s.figures:
            out += [f"![{_md(cap)}](figures/{name})", "", f"*{_md(cap)}*", ""]
        if s.code:
            fence = _md_fence(s.code)
            out += [fence, *s.code, fence, ""]
    return "\n".join(out)


CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:24px auto;padding:0 16px;
color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #444;padding-bottom:4px}h2{font-size:1.2em;margin-top:1.6em;
border-bottom:1px solid #ccc}
.answer{background:#f3f6fb;border-left:5px solid #3b6fb6;padding:10px 14px}
.answer .verdict{font-size:1.18em;font-weight:650;margin:0 0 6px}.answer .number{font-size:1.05em;margin:0 0 8px}
.answer .details{font-size:0.86em;color:#444;margin:0;padding-left:18px}
.tablewrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:0.8em;margin:6px 0 14px;max-width:100%}th,td{border:1px solid #ccc;
padding:3px 6px;text-align:right}th{background:#eee;font-weight:600;max-width:16em;white-space:normal;text-align:left}
td{white-space:nowrap}td:first-child,th:first-child{text-align:left}td.note{white-space:normal;text-align:left;
min-width:14em;max-width:34em}
td.text{text-align:left}
tr.muted td{color:#999;background:#f7f7f7}
figure{margin:10px 0}figcaption{font-size:0.85em;color:#555}img{max-width:100%}
pre{background:#f6f6f6;padding:8px;font-size:0.78em;overflow-x:auto;white-space:pre-wrap}
.caption{font-weight:600;font-size:0.9em}
"""


def _html_table(df: pd.DataFrame) -> str:
    """A table that fits the page: long text cells wrap, rows whose text says "left out" are greyed."""
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in df.columns)
    rows = []
    for row in df.itertuples(index=False):
        cells = [MISSING if v is None or (isinstance(v, float) and not np.isfinite(v)) else str(v) for v in row]
        muted = any(c.startswith("left out") for c in cells)
        tds = "".join(f'<td class="{_cell_class(c)}">{e(c)}</td>' for c in cells)
        rows.append(f'<tr class="muted">{tds}</tr>' if muted else f"<tr>{tds}</tr>")
    return f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _cell_class(c: str) -> str:
    """Numbers right-aligned, words left-aligned, long text wrapped."""
    if len(c) > 40:
        return "note"
    return "num" if re.match(r"^[\s+\-−–]*[\d.]", c) or c == MISSING else "text"


def _answer_html(answer: Any) -> str:
    """The answer box: the verdict in one sentence, the one number with its interval, then the details."""
    e = html.escape
    if isinstance(answer, str):
        return f'<div class="answer"><p class="verdict">{e(answer)}</p></div>'
    out = [f'<div class="answer"><p class="verdict">{e(answer.verdict)}</p>']
    if answer.number:
        out.append(f'<p class="number">{e(answer.number)}</p>')
    if answer.details:
        out.append('<ul class="details">' + "".join(f"<li>{e(d)}</li>" for d in answer.details) + "</ul>")
    return "".join(out) + "</div>"


def to_html(title: str, sections: list[Section], answer_first: Any = None, question: str | None = None) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(title)}</title>",
           f"<style>{CSS}</style></head><body>", f"<h1>{e(title)}</h1>"]
    if question:
        out.append(f'<p class="question"><b>Question.</b> {e(question)}</p>')
    if answer_first:
        out.append(_answer_html(answer_first))
    for s in sections:
        out.append(f"<h2>{e(s.title)}</h2>")
        out += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        if s.bullets and not s.raw_html:  # a section with its own HTML shows it instead of the bullets
            out.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets) + "</ul>")
        for cap, df in s.tables:
            if df.empty:  # e.g. attack success rate when no attack ran
                continue
            out.append(f'<div class="caption">{e(cap)}</div>')
            out.append(_html_table(df))
        for cap, _, png in s.figures:
            b64 = base64.b64encode(png).decode("ascii")
            out.append(f'<figure><img alt="{e(cap)}" src="data:image/png;base64,{b64}">'
                       f"<figcaption>{e(cap)}</figcaption></figure>")
        if s.code:
            out.append("<pre>" + e("\n".join(s.code)) + "</pre>")
        out += s.raw_html
    out.append("</body></html>")
    return "\n".join(out)


def json_safe(obj: Any) -> Any:
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        return json_safe(obj.item())
    return obj
