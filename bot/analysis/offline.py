"""The offline summarizer: faithful plain-language bullets built from the inputs alone.

It is the default when no LLM is configured and the fallback whenever the LLM fails. It never
invents: every phrase in quotes is copied from the diff or document (trimmed at word
boundaries with "…"), and it states no number that is not in its inputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.analysis.billdiff import ADDED, REMOVED, RENUMBERED, BillDiff, SectionChange
from bot.analysis.grounding import Bullet

VERSION = "1"
MAX_BULLETS = 5
QUOTE_WORDS = 12          # longest quoted phrase, in words, before it is trimmed with …
EDITS_PER_BULLET = 4


def trim_words(text: str, words: int = QUOTE_WORDS) -> str:
    """The first ``words`` words of ``text``, with "…" when something was cut."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:") + "…"


def _quotable(fragment: str) -> str:
    """A fragment ready to sit inside double quotes: no edge punctuation, no inner double quote."""
    f = fragment.strip(" \"'.,;:—-")
    if '"' in f:
        pieces = [p.strip(" '.,;:—-") for p in f.split('"')]
        f = pieces[0] if len(pieces[0].split()) >= 3 else max(pieces, key=len)
        f = trim_words(f)
        return f if f.endswith("…") else f + "…"
    return trim_words(f)


def _is_wordy(fragment: str) -> bool:
    return any(ch.isalnum() for ch in fragment)


def _edits(c: SectionChange) -> list[str]:
    """Plain descriptions of the edits in ``c``; beyond EDITS_PER_BULLET, the largest ones win."""
    found: list[tuple[int, str]] = []
    out = []
    if c.heading_changed and c.old_heading and c.new_heading:
        out.append(f'renames the heading "{_quotable(c.old_heading)}" to "{_quotable(c.new_heading)}"')
    for tag, a, b in c.ops:
        size = len(a.split()) + len(b.split())
        if tag == "insert" and _is_wordy(b):
            found.append((size, f'adds "{_quotable(b)}"'))
        elif tag == "delete" and _is_wordy(a):
            found.append((size, f'removes "{_quotable(a)}"'))
        elif tag == "replace" and a.strip().lower() == b.strip().lower():
            continue                           # capitalisation only ("in" → "In"): not worth a bullet
        elif tag == "replace" and (_is_wordy(a) or _is_wordy(b)):
            if _is_wordy(a) and _is_wordy(b):
                found.append((size, f'replaces "{_quotable(a)}" with "{_quotable(b)}"'))
            elif _is_wordy(b):
                found.append((size, f'adds "{_quotable(b)}"'))
            else:
                found.append((size, f'removes "{_quotable(a)}"'))
    if len(found) > EDITS_PER_BULLET:
        top = set(sorted(range(len(found)), key=lambda k: (-found[k][0], k))[:EDITS_PER_BULLET])
        out += [text for k, (_n, text) in enumerate(found) if k in top]
        out.append("and further edits (see the redline)")
    else:
        out += [text for _n, text in found]
    return out


def _unit_name(c: SectionChange) -> str:
    return c.level if c.level and c.level != "title" else "unit"


def _bullet_for(c: SectionChange, diff: BillDiff) -> Bullet:
    topic = c.topic
    head = c.label + (f", {topic}" if topic else "")
    cites = [c.label, diff.old_id, diff.new_id]
    if c.kind == ADDED:
        first = f': "{_quotable(c.new_text)}"' if _is_wordy(c.new_text) else ""
        return Bullet(f"{head}: new {_unit_name(c)} added{first}", cites)
    if c.kind == REMOVED:
        first = f': "{_quotable(c.old_text)}"' if _is_wordy(c.old_text) else ""
        return Bullet(f"{head}: {_unit_name(c)} removed{first}", cites)
    edits = _edits(c)
    if c.kind == RENUMBERED:
        cites.insert(1, c.old_label)
        head = f"{c.old_label} is now {head}"
        if not edits:
            return Bullet(f"{head} (text unchanged)", cites)
    if not edits:
        return Bullet(f"{head}: punctuation changes only", cites)
    return Bullet(f"{head}: {'; '.join(edits)}", cites)


def _weight(c: SectionChange) -> int:
    words = sum(len(x.split()) for x in c.inserted + c.deleted)
    return words + (1000 if c.kind in (ADDED, REMOVED) and c.level == "section" else 0)


def summarize_diff(diff: BillDiff) -> list[Bullet]:
    """1–5 bullets describing ``diff``, each citing the section label(s) and both versions."""
    versions = [diff.old_id, diff.new_id]
    if not diff.substantive:
        return [Bullet("No change in substance (formatting only).", versions)]
    moved = [c for c in diff.changes if c.kind == RENUMBERED and not c.reworded]
    main = [c for c in diff.changes if not (c.kind == RENUMBERED and not c.reworded)]
    room = MAX_BULLETS - (1 if moved else 0)
    if len(main) > room:
        keep = set(sorted(range(len(main)), key=lambda k: (-_weight(main[k]), k))[:room - 1])
        rest = [c for k, c in enumerate(main) if k not in keep]
        main = [c for k, c in enumerate(main) if k in keep]
    else:
        rest = []
    bullets = [_bullet_for(c, diff) for c in main]
    if rest:
        labels = list(dict.fromkeys(c.label for c in rest))
        shown = ", ".join(labels[:8]) + (", and others" if len(labels) > 8 else "")
        bullets.append(Bullet(f"Also changed: {shown} (see the redline)", labels + versions))
    if moved:
        pairs = [f"{c.old_label} is now {c.label}" for c in moved]
        shown = "; ".join(pairs[:8]) + ("; and others" if len(pairs) > 8 else "")
        cites = list(dict.fromkeys([x for c in moved for x in (c.label, c.old_label)])) + versions
        bullets.append(Bullet(f"Renumbered without other change: {shown}", cites))
    return bullets


# ---- non-bill documents -------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def sentences(text: str, limit: int = 2) -> list[str]:
    """The first ``limit`` sentences of ``text`` (whitespace collapsed)."""
    flat = " ".join((text or "").split())
    return [s for s in _SENTENCE_END.split(flat) if s][:limit]


def _agencies(meta: Mapping) -> str:
    names = []
    for a in meta.get("agencies") or []:
        name = a.get("name") or a.get("raw_name") if isinstance(a, Mapping) else str(a)
        if name and name not in names:
            names.append(name)
    return " and ".join(names[:3])


def summarize_fr(record_meta: Mapping, text: str = "") -> list[Bullet]:
    """A Federal Register document from its metadata (type, agencies, action, abstract, dates)."""
    doc_id = str(record_meta.get("document_number") or record_meta.get("id") or "")
    cites = [doc_id] if doc_id else []
    kind = str(record_meta.get("type") or "document")
    who = _agencies(record_meta)
    title = " ".join(str(record_meta.get("title") or "").split())
    first = f"{who}: {kind}" if who else kind
    if title:
        first += f' "{title}"'
    if record_meta.get("publication_date"):
        first += f", published {record_meta['publication_date']}"
    bullets = [Bullet(first, cites)]
    if record_meta.get("action"):
        bullets.append(Bullet(f"Action: {' '.join(str(record_meta['action']).split())}", cites))
    about = sentences(str(record_meta.get("abstract") or ""), 2) or sentences(text, 1)
    if about:
        bullets.append(Bullet("Summary: " + trim_words(" ".join(about), 60), cites))
    if record_meta.get("dates"):
        bullets.append(Bullet("Dates: " + trim_words(str(record_meta["dates"]), 45), cites))
    elif record_meta.get("effective_on"):
        bullets.append(Bullet(f"Effective {record_meta['effective_on']}", cites))
    if record_meta.get("comments_close_on"):
        bullets.append(Bullet(f"Comments close {record_meta['comments_close_on']}", cites))
    return bullets[:MAX_BULLETS]


def summarize_crs(summary_text: str, cite: str = "CRS summary") -> list[Bullet]:
    """A CRS summary: its first sentences, copied (CRS already writes plain language)."""
    parts = sentences(summary_text, 3)
    if not parts:
        return [Bullet("The CRS summary is empty.", [cite])]
    return [Bullet(trim_words(s, 45), [cite]) for s in parts]


def _matches(matched) -> str:
    """``[{"watch": "term:remote access", "phrase": "remote access", "where": "title"}]`` → readable."""
    if not isinstance(matched, list):
        return str(matched)
    out = []
    for m in matched:
        if isinstance(m, Mapping):
            watch = str(m.get("watch", "")).replace(":", " ", 1)
            phrase, where = m.get("phrase"), m.get("where")
            out.append(watch + (f' ("{phrase}" in the {where})' if phrase and where else ""))
        else:
            out.append(str(m))
    return "; ".join(dict.fromkeys(out))


def summarize_news(cluster: Mapping) -> list[Bullet]:
    """A news cluster: the headline, its outlet and date, and the watch item it matched."""
    items = list(cluster.get("items") or [])
    lead = dict(items[0]) if items else {}
    headline = " ".join(str(cluster.get("headline") or cluster.get("title") or lead.get("title") or "").split())
    cite = str(cluster.get("id") or cluster.get("url") or lead.get("url") or "news")
    source = cluster.get("source") or lead.get("source")
    when = cluster.get("date") or lead.get("date")
    first = f'"{headline}"' if headline else "A news item"
    extra = ", ".join(str(x) for x in (source, when) if x)
    bullets = [Bullet(first + (f" ({extra})" if extra else ""), [cite])]
    matched = cluster.get("matched") or cluster.get("watch")
    if matched:
        bullets.append(Bullet("Matched watch item: " + _matches(matched), [cite]))
    outlets = list(dict.fromkeys(str(i.get("source")) for i in items[1:] if i.get("source")))
    if outlets:
        bullets.append(Bullet("Also reported by: " + ", ".join(outlets[:6]), [cite]))
    return bullets
