"""Word-level (character-level for unspaced scripts) difference of two texts, as escaped HTML or markdown."""

from __future__ import annotations

import difflib
import html

import regex

# one token per Han/Thai character (unspaced scripts), else runs of word characters not crossing into Han/Thai
_TOKEN = regex.compile(r"[\p{Han}\p{Thai}]|(?:(?![\p{Han}\p{Thai}])[\w\p{M}'’-])+|\s+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def changed_pairs(old: str, new: str) -> list[tuple[str, str]]:
    """(old span, new span) for every replaced/deleted/inserted stretch of tokens."""
    a, b = tokens(old), tokens(new)
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    return [("".join(a[i1:i2]), "".join(b[j1:j2])) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def diff_html(old: str, new: str) -> tuple[str, str]:
    """(old with removed spans in <del>, new with inserted spans in <ins>); all text HTML-escaped."""
    a, b = tokens(old), tokens(new)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        x, y = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(x)
            right.append(y)
            continue
        if x:
            left.append(f"<del>{x}</del>")
        if y:
            right.append(f"<ins>{y}</ins>")
    return "".join(left), "".join(right)


def diff_markdown(old: str, new: str) -> str:
    """``new`` with changes shown as ~~old~~ **new** (markdown emphasis characters escaped; ``<`` is escaped once,
    for every report.md string, by ``report.render.to_markdown``). Edge whitespace goes outside the markers, and
    edge punctuation too where it sits against a letter (CommonMark opens neither ``x** y**`` nor ``x**, y**``)."""
    def md(s: str) -> str:
        return regex.sub(r"([\\`*_~\[\]|])", r"\\\1", s)

    def free(c: str) -> bool:  # markers may open after / close before: text edge, whitespace, punctuation
        return not c or c.isspace() or bool(regex.match(r"[\p{P}\p{S}]", c))

    def mark(s: str, m: str, before: str, after: str) -> str:
        core = s.strip()
        lead, trail = s[:len(s) - len(s.lstrip())], s[len(s.rstrip()):]
        p = regex.match(r"[\p{P}\p{S}]*", core).group()
        if p != core and not lead and not free(before):
            lead, core = p, core[len(p):]
        q = regex.search(r"[\p{P}\p{S}]*$", core).group()
        if q != core and q and not trail and not free(after):
            trail, core = q, core[:-len(q)]
        return f"{md(lead)}{m}{md(core)}{m}{md(trail)}" if core else (s if m == "**" else "")

    a, b = tokens(old), tokens(new)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        x, y = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            out.append(md(y))
            continue
        before, after = "".join(b[:j1])[-1:], "".join(b[j2:])[:1]  # the new text around the change
        out.append(mark(x, "~~", before, "*" if y.strip() else after)
                   + mark(y, "**", "~" if x.strip() else before, after))
    return "".join(out)
