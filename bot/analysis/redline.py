"""Redline renderings of a :class:`BillDiff` for people (pure).

``redline_text`` is plain text for the terminal and Slack (``[-deleted-]`` / ``{+inserted+}``),
``redline_html`` a standalone page with ``<del>``/``<ins>``. Long unchanged stretches inside a
reworded unit are shortened to a few words of context on each side.
"""

from __future__ import annotations

import html

from bot.analysis.billdiff import ADDED, REMOVED, RENUMBERED, BillDiff, SectionChange, readable_heading

CONTEXT_WORDS = 8          # unchanged words kept on each side of an edit in the text redline


def _describe(c: SectionChange) -> str:
    """``Sec. 6 (was Sec. 5) — Report on … [renumbered]``."""
    label = c.label
    if c.kind == RENUMBERED and c.old_key:
        label = f"{c.label} (was {c.old_label})"
    heading = c.topic
    if c.heading_changed and c.old_heading:
        text = c.new_text or c.old_text
        heading = f"{readable_heading(c.new_heading, text)} (was: {readable_heading(c.old_heading, text)})"
    kind = c.kind
    if c.kind == RENUMBERED and (c.inserted or c.deleted):
        kind = "renumbered, reworded"
    return f"{label}{' — ' + heading if heading else ''} [{kind}]"


def _shorten(text: str, where: str) -> str:
    """Keep CONTEXT_WORDS words at the start (``where='head'``), end (``'tail'``) or both ends."""
    words = text.split(" ")
    n = CONTEXT_WORDS
    if where == "tail" and len(words) > n:
        return "… " + " ".join(words[-n:])
    if where == "head" and len(words) > n:
        return " ".join(words[:n]) + " …"
    if where == "both" and len(words) > 2 * n:
        return " ".join(words[:n]) + " … " + " ".join(words[-n:])
    return text


def _join(pieces: list[str]) -> str:
    out = ""
    for p in pieces:
        if not p:
            continue
        core = p.lstrip("[{-+")
        if out and not (core[:1] in ",.;:)" or out.endswith(("(", "\n"))):
            out += " "
        out += p
    return out


def unit_redline(c: SectionChange) -> str:
    """One unit's edits inline, ``[-old-]``/``{+new+}``, with a few words of context."""
    if c.kind == ADDED:
        return "{+" + c.new_text + "+}" if c.new_text else ""
    if c.kind == REMOVED:
        return "[-" + c.old_text + "-]" if c.old_text else ""
    if not (c.inserted or c.deleted):
        return ""
    pieces = []
    last = len(c.ops) - 1
    for k, (tag, a, b) in enumerate(c.ops):
        if tag == "equal":
            where = "tail" if k == 0 else "head" if k == last else "both"
            pieces.append(_shorten(b, where))
        if tag in ("delete", "replace") and a:
            pieces.append(f"[-{a}-]")
        if tag in ("insert", "replace") and b:
            pieces.append("{+" + b + "+}")
    return _join(pieces)


def _header(diff: BillDiff) -> str:
    s = diff.stats
    if not diff.substantive:
        return f"{diff.old_id} → {diff.new_id}: no change in substance (formatting only)"
    counts = ", ".join(f"{s.get(k, 0)} {k}" for k in ("reworded", "added", "removed", "renumbered") if s.get(k))
    words = f"; {s.get('words_inserted', 0)} words inserted, {s.get('words_deleted', 0)} deleted"
    return f"{diff.old_id} → {diff.new_id}: {counts}{words}"


def _close_marks(text: str) -> str:
    """Close a ``{+`` or ``[-`` left open by a cut."""
    if text.rfind("{+") > text.rfind("+}"):
        return text + "+}"
    if text.rfind("[-") > text.rfind("-]"):
        return text + "-]"
    return text


def _more(n: int) -> str:
    return f"\n\n… {n} more change{'s' if n != 1 else ''} not shown (see the full redline)"


def redline_text(diff: BillDiff, limit: int | None = None) -> str:
    """Plain-text redline, one block per changed unit. With ``limit`` (characters), stop at a
    unit boundary and say how many units are left out (a first unit longer than the limit is
    cut at a word boundary instead)."""
    blocks = []
    for c in diff.changes:
        body = unit_redline(c)
        blocks.append(_describe(c) + ("\n  " + body if body else ""))
    out = _header(diff)
    for k, block in enumerate(blocks):
        rest = len(blocks) - k - 1
        tail = _more(rest) if rest else ""
        if limit is None or len(out) + 2 + len(block) + len(tail) <= limit:
            out += "\n\n" + block
            continue
        if k == 0:                       # not even one unit fits: show its beginning
            room = limit - len(out) - len(tail) - 4 - len(" (cut)")
            if room > 40:
                return out + "\n\n" + _close_marks(block[:room].rsplit(" ", 1)[0]) + " … (cut)" + tail
        return out + _more(len(blocks) - k)
    return out


_CSS = """body{font-family:Georgia,serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1{font-size:1.4rem}h2{font-size:1.05rem;margin-top:1.6rem;font-family:system-ui,sans-serif}
.kind{font-size:.8rem;color:#555;font-weight:normal}del{background:#fdd;color:#900}
ins{background:#dfd;color:#060;text-decoration:none;border-bottom:1px solid #6a6}
.summary{font-family:system-ui,sans-serif;color:#444}"""


def _html_body(c: SectionChange) -> str:
    e = html.escape
    if c.kind == ADDED:
        return f"<ins>{e(c.new_text)}</ins>"
    if c.kind == REMOVED:
        return f"<del>{e(c.old_text)}</del>"
    parts = []
    for tag, a, b in c.ops:
        if tag == "equal":
            parts.append(e(b))
        if tag in ("delete", "replace") and a:
            parts.append(f"<del>{e(a)}</del>")
        if tag in ("insert", "replace") and b:
            parts.append(f"<ins>{e(b)}</ins>")
    return " ".join(parts)


def redline_html(diff: BillDiff, title: str) -> str:
    """A standalone HTML page showing every change with ``<del>``/``<ins>`` marks."""
    e = html.escape
    sections = []
    for c in diff.changes:
        sections.append(f'<section id="{e(c.key, quote=True)}"><h2>{e(_describe(c))}</h2>'
                        f"<p>{_html_body(c)}</p></section>")
    if not sections:
        sections.append("<p>No change in substance (formatting only).</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{e(title)}</h1><p class=\"summary\">{e(_header(diff))}</p>\n"
            + "\n".join(sections) + "\n</body></html>\n")
