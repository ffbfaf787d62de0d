"""The offline summarizer: faithful plain-language bullets built from the inputs alone.

It is the default when no LLM is configured and the fallback whenever the LLM fails. It never
invents: every phrase in quotes is copied from the diff or document (trimmed at word
boundaries with "…"), and it states no number that is not in its inputs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from bot.analysis.billdiff import ADDED, REMOVED, RENUMBERED, BillDiff, SectionChange
from bot.analysis.grounding import Bullet

VERSION = "2"
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
    for k, (tag, a, b) in enumerate(c.ops):
        size = len(a.split()) + len(b.split())
        before = c.ops[k - 1][2] if k and c.ops[k - 1][0] == "equal" else ""
        after = c.ops[k + 1][2] if k + 1 < len(c.ops) and c.ops[k + 1][0] == "equal" else ""
        number = _numeric_edit(a, b, before, after) if tag == "replace" else None
        if number:
            found.append((10_000, number))     # a changed number is substance: it always shows
        elif tag == "insert" and _is_wordy(b):
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


_NUMBER = re.compile(r"^\$?\d[\d,]*(?:\.\d+)?%?$")
_UNIT_WORDS = {"day", "days", "month", "months", "year", "years", "percent", "hours", "hour", "weeks", "week",
               "dollars", "million", "billion", "thousand", "calendar", "business", "fiscal"}


def _numeric_edit(a: str, b: str, before: str, after: str) -> str | None:
    """``180`` → ``90`` with the unit that follows and what it limits: ``"not later than 180 → 90 days
    after the date of enactment"``; None when the edit is not a number change."""
    a, b = a.strip(), b.strip()
    if not (_NUMBER.match(a) and _NUMBER.match(b)):
        return None
    words_after = after.split()
    unit = []
    for w in words_after[:2]:
        bare = w.strip(".,;:()").lower()
        if bare in _UNIT_WORDS:
            unit.append(w.strip(".,;:()"))
        else:
            break
    unit_text = (" " + " ".join(unit)) if unit else ""
    lead = " ".join(before.split()[-5:]).strip("—-,;: ")
    tail = " ".join(words_after[len(unit):len(unit) + 5]).rstrip(",;:—-")
    number = f"{a} → {b}{unit_text}"
    context = " ".join(x for x in (lead, "…", tail) if x) if (lead or tail) else ""
    return f'{number} ("{context}")' if context else number


_INSTRUCTION = re.compile(r'by (inserting|striking|adding at the end the following:?)\s*["“]([^"”]+)["”]'
                          r'(?:\s+(after|before|and inserting)\s+["“]([^"”]+)["”])?')


def _instructions(text: str, limit: int = 2) -> list[str]:
    """The substance of amendatory instructions (``by inserting "X" after "Y"``), quoted."""
    out = []
    for verb, what, how, where in dict.fromkeys(_INSTRUCTION.findall(text or "")):
        if verb == "striking" and how == "and inserting":
            out.append(f'strikes "{_quotable(what)}" and inserts "{_quotable(where)}"')
        elif verb == "striking":
            out.append(f'strikes "{_quotable(what)}"')
        elif verb == "inserting":
            out.append(f'inserts "{_quotable(what)}"' + (f' {how} "{_quotable(where)}"' if how in ("after", "before") else ""))
        else:
            out.append(f'adds "{_quotable(what)}"')
        if len(out) >= limit:
            break
    return out


def _unit_name(c: SectionChange) -> str:
    return c.level if c.level and c.level != "title" else "unit"


def _bullet_for(c: SectionChange, diff: BillDiff) -> Bullet:
    topic = c.topic
    head = c.label + (f", {topic}" if topic else "")
    cites = [c.label, diff.old_id, diff.new_id]
    if c.kind == ADDED:
        orders = _instructions(c.new_text)
        first = (": " + "; ".join(orders)) if orders else (
            f': "{_quotable(c.new_text)}"' if _is_wordy(c.new_text) else "")
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


def _tier(c: SectionChange) -> int:
    """How substantive a change is: definitions, numbers and dates first, then whole sections added
    or removed, then new or removed authorities (``may``/``shall``), then the rest."""
    if c.topic.startswith("definition of") or any(
            t == "replace" and _numeric_edit(a, b, "", "") for t, a, b in c.ops):
        return 3
    if c.kind in (ADDED, REMOVED) and c.level == "section":
        return 2
    if re.search(r"\b(shall|may|sunset|terminat\w*|authoriz\w*|appropriat\w*)\b", " ".join(c.inserted + c.deleted)):
        return 1
    return 0


def _weight(c: SectionChange) -> int:
    words = sum(len(x.split()) for x in c.inserted + c.deleted)
    return words + 1000 * _tier(c)


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
    main.sort(key=lambda c: -_tier(c))        # stable: within a tier, bill order
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


def _without_title(text: str, title: str) -> str:
    """``text`` without the title it starts with and without repeated lines (FR texts open with
    the title, public-inspection texts repeat their headings)."""
    lines = list(dict.fromkeys(" ".join(x.split()) for x in (text or "").splitlines()))
    lines = [x for x in lines if x and x.lower() != title.lower()]
    flat = " ".join(lines)
    return flat[len(title):].lstrip(" .:—-") if title and flat.lower().startswith(title.lower()) else flat


def summarize_fr(record_meta: Mapping, text: str = "") -> list[Bullet]:
    """A Federal Register document from its metadata: type, agencies by name, publication (or the
    scheduled publication of a filing on public inspection), the abstract, then the dates. The
    headline carries the title, so no bullet repeats it."""
    doc_id = str(record_meta.get("document_number") or record_meta.get("id") or "")
    cites = [doc_id] if doc_id else []
    kind = str(record_meta.get("type") or "document")
    who = _agencies(record_meta)
    title = " ".join(str(record_meta.get("title") or "").split())
    first = f"{kind} from {who}" if who else kind
    published = str(record_meta.get("publication_date") or "")
    filed = str(record_meta.get("filed_at") or "")[:10]
    if published and filed and filed < published:
        first += f", filed {filed}, scheduled for publication {published} (not yet published)"
    elif published:
        first += f", published {published}"
    if record_meta.get("action"):
        first += f" — {' '.join(str(record_meta['action']).split()).rstrip('.')}"
    bullets = [Bullet(first, cites)]
    about = sentences(str(record_meta.get("abstract") or ""), 2)
    if not about:
        rest = _without_title(text, title)
        about = [x for x in sentences(rest, 1) if x[-1:] in ".!?"]
    if about:
        bullets.append(Bullet(trim_words(" ".join(about), 45), cites))
    dates = []
    if record_meta.get("dates"):
        dates.append(trim_words(str(record_meta["dates"]), 45))
    elif record_meta.get("effective_on"):
        dates.append(f"effective {record_meta['effective_on']}")
    if record_meta.get("comments_close_on") and not record_meta.get("dates"):
        dates.append(f"comments close {record_meta['comments_close_on']}")
    if dates:
        bullets.append(Bullet("Dates: " + "; ".join(dates), cites))
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


_SLACK_LINK = re.compile(r"<(?:https?://|mailto:)[^|>]*\|([^>]*)>")
_TAG = re.compile(r"<[^>]*>")


def clean_description(description: str, headline: str = "", outlets=()) -> str:
    """A feed's description as plain words: markup dropped (``<url|text>`` keeps its text, other
    ``<…>`` goes), entities decoded, the headline it repeats and the outlet names it ends with cut."""
    def plain(x: str) -> str:
        return " ".join(html.unescape(_TAG.sub(" ", _SLACK_LINK.sub(r"\1", x or ""))).split())
    text, headline = plain(description), plain(headline)
    if headline and text.lower().startswith(headline.lower()):
        text = text[len(headline):]
    for outlet in outlets:
        if outlet and text.strip().lower().startswith(str(outlet).lower()):
            text = text.strip()[len(str(outlet)):]
    return text.strip(" -—|·")


def summarize_news(cluster: Mapping) -> list[Bullet]:
    """A news cluster: what the feed's description adds to the headline (the headline itself is
    the item's title, shown once), the outlet and date, and the watch item it matched."""
    items = list(cluster.get("items") or [])
    lead = dict(items[0]) if items else {}
    headline = " ".join(str(cluster.get("headline") or cluster.get("title") or lead.get("title") or "").split())
    cite = str(cluster.get("id") or cluster.get("url") or lead.get("url") or "news")
    outlets = [str(x) for x in (cluster.get("outlets") or []) if x]
    source = cluster.get("source") or lead.get("source") or (outlets[0] if outlets else None)
    when = cluster.get("date") or lead.get("date") or str(cluster.get("published") or "")[:10] or None
    desc = clean_description(str(cluster.get("description") or ""), headline, outlets)
    bullets = []
    if len(desc.split()) >= 3:
        bullets.append(Bullet(trim_words(desc, 40), [cite]))
    extra = ", ".join(str(x) for x in (source, when) if x)
    if extra:
        bullets.append(Bullet(f"Reported by {extra}", [cite]))
    elif not bullets:
        bullets.append(Bullet(f'"{headline}"' if headline else "A news item", [cite]))
    matched = cluster.get("matched") or cluster.get("watch")
    if matched:
        bullets.append(Bullet("Matched watch item: " + _matches(matched), [cite]))
    more = list(dict.fromkeys(str(i.get("source")) for i in items[1:] if i.get("source"))) or outlets[1:]
    if more:
        bullets.append(Bullet("Also reported by: " + ", ".join(more[:6]), [cite]))
    return bullets
