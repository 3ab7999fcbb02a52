"""report.md and one self-contained report.html (figures inlined as base64 PNG, CSS inline, no external asset)."""

from __future__ import annotations

import base64
import html
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


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def to_markdown(title: str, sections: list[Section]) -> str:
    out = [f"# {title}", ""]
    for s in sections:
        out += [f"## {s.title}", ""]
        for p in s.paragraphs:
            out += [p, ""]
        for b in s.bullets:
            out.append(f"- {b}")
        if s.bullets:
            out.append("")
        for cap, df in s.tables:
            out += [f"**{cap}**", "", _md_table(df), ""]
        for cap, name, _ in s.figures:
            out += [f"![{cap}](figures/{name})", "", f"*{cap}*", ""]
        if s.code:
            out += ["```", *s.code, "```", ""]
    return "\n".join(out)


CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:24px auto;padding:0 16px;
color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #444;padding-bottom:4px}h2{font-size:1.2em;margin-top:1.6em;
border-bottom:1px solid #ccc}
.answer{background:#f3f6fb;border-left:5px solid #3b6fb6;padding:10px 14px;font-size:1.02em}
table{border-collapse:collapse;font-size:0.82em;margin:6px 0 14px}th,td{border:1px solid #ccc;padding:3px 7px;
text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}
figure{margin:10px 0}figcaption{font-size:0.85em;color:#555}img{max-width:100%}
pre{background:#f6f6f6;padding:8px;font-size:0.78em;overflow-x:auto;white-space:pre-wrap}
.caption{font-weight:600;font-size:0.9em}
"""


def to_html(title: str, sections: list[Section], answer_first: str | None = None, question: str | None = None) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(title)}</title>",
           f"<style>{CSS}</style></head><body>", f"<h1>{e(title)}</h1>"]
    if question:
        out.append(f'<p class="question"><b>Question.</b> {e(question)}</p>')
    if answer_first:
        out.append(f'<p class="answer"><b>Answer.</b> {e(answer_first)}</p>')
    for s in sections:
        out.append(f"<h2>{e(s.title)}</h2>")
        out += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        if s.bullets and not s.raw_html:  # a section with its own HTML shows it instead of the bullets
            out.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets) + "</ul>")
        for cap, df in s.tables:
            out.append(f'<div class="caption">{e(cap)}</div>')
            out.append(df.to_html(index=False, na_rep=MISSING, border=0, escape=True))
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
