"""Grounding checks for generated summaries and answers (pure).

A summary passes when every quoted phrase occurs in a version it cites (after quote-style
and whitespace normalisation), every section it cites or names exists in the diff, and every
number and date it states occurs in the inputs. Each check returns a list of problems in
plain words; an empty list means grounded. The problems are written so they can be sent back
to the model ("fix these").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.analysis.worddiff import normalize_text

_QUOTED = re.compile(r'"([^"]{2,}?)"')
_SECTION = re.compile(r"\b(?:Sec\.|Section|Sections|Secs\.)\s*(\d+[A-Za-z]?(?:-\d+)?(?:\([A-Za-z0-9]+\))*)",
                      re.IGNORECASE)
_VERSION_ID = re.compile(r"\b[a-z]+\d+-\d+(?:-[a-z]+)?\b")
_CITE_NUM = re.compile(r"\[(\d+)\]")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_DATE_LONG = re.compile(r"\b(" + "|".join(m.capitalize() for m in _MONTHS) + r"|"
                        + "|".join(m[:3].capitalize() for m in _MONTHS) + r")\.?\s+(\d{1,2}),\s*(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:\b|(?=T\d))")      # also the date of a timestamp
_DATE_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?:st|nd|rd|th)?(?!\w)")
_ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.)\s*")


@dataclass
class Bullet:
    text: str
    cites: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return normalize_text(text).casefold()


def section_ref(text: str) -> str | None:
    """``Sec. 2(1)``/``section 2(1)``/``2(1)`` → ``2(1)``; None when it is not a section reference."""
    t = text.strip()
    m = _SECTION.fullmatch(t) or re.fullmatch(r"(\d+[A-Za-z]?(?:-\d+)?(?:\([A-Za-z0-9]+\))*)", t)
    return m.group(1).lower() if m else None


def _dates(text: str) -> set[date]:
    out = set()
    for mon, day, year in _DATE_LONG.findall(text):
        idx = [m[:3] for m in _MONTHS].index(mon[:3].lower())
        _add_date(out, int(year), idx + 1, int(day))
    for y, m, d in _DATE_ISO.findall(text):
        _add_date(out, int(y), int(m), int(d))
    for m, d, y in _DATE_US.findall(text):
        _add_date(out, int(y), int(m), int(d))
    return out


def _add_date(out: set[date], y: int, m: int, d: int) -> None:
    try:
        out.add(date(y, m, d))
    except ValueError:
        pass


def _strip_dates(text: str) -> str:
    for rx in (_DATE_LONG, _DATE_ISO, _DATE_US):
        text = rx.sub(" ", text)
    return text


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _quote_found(phrase: str, haystacks: Iterable[str]) -> bool:
    pieces = [p for p in _ELLIPSIS.split(_norm(phrase)) if p.strip(" .,;:")]
    hay = list(haystacks)
    return all(any(p.strip(" ,;:") in h for h in hay) for p in pieces)


class _Inputs:
    """Normalised inputs, computed once per check."""

    def __init__(self, sources: Mapping[str, str], context: str):
        self.sources = {k: _norm(v) for k, v in sources.items()}
        everything = "\n".join([*sources.values(), context])
        self.all_norm = _norm(everything)
        self.dates = _dates(normalize_text(everything))
        self.numbers = _numbers(_strip_dates(normalize_text(everything))) | {
            str(x) for d in self.dates for x in (d.year, d.month, d.day)}
        # digits inside ids ("hr2683-119-eh") count as stated: H.R. 2683, 119th Congress
        self.numbers |= set(re.findall(r"\d+", " ".join(sources.keys())))


def _check_claims(text: str, where: str, inputs: _Inputs, quote_pool: list[str],
                  sections: set[str] | None) -> list[str]:
    problems = []
    norm = normalize_text(text)
    for q in _QUOTED.findall(norm):
        if not _quote_found(q, quote_pool):
            problems.append(f'{where}: the quoted words "{q}" do not occur in the cited text')
    unquoted = _QUOTED.sub(" ", norm)
    if sections is not None:
        for m in _SECTION.finditer(unquoted):
            ref = m.group(1).lower()
            if ref not in sections and m.group(0).casefold() not in inputs.all_norm:
                problems.append(f"{where}: section {m.group(0)} is not part of this change")
    rest = _VERSION_ID.sub(" ", _SECTION.sub(" ", unquoted))
    rest = _CITE_NUM.sub(" ", rest)
    for d in sorted(_dates(rest)):
        if d not in inputs.dates:
            problems.append(f"{where}: the date {d.isoformat()} does not occur in the inputs")
    for n in sorted(_numbers(_strip_dates(rest))):
        if n not in inputs.numbers:
            problems.append(f"{where}: the number {n} does not occur in the inputs")
    return problems


def check_summary(bullets: Sequence[Bullet | Mapping], sources: Mapping[str, str], *,
                  sections: Iterable[str] | None = None, context: str = "") -> list[str]:
    """Problems with a summary; ``[]`` when grounded.

    ``sources`` maps a version/document id to its text; a bullet's quotes must occur in one of
    the sources it cites (any source when it cites none). ``sections`` are the labels that
    exist in the diff (``Sec. 2(1)``); ``None`` skips the section check. ``context`` is other
    input text (bill title, dates) where numbers and dates may come from.
    """
    inputs = _Inputs(sources, context)
    raw = set(sections) if sections is not None else set()
    known = None if sections is None else {r for r in (section_ref(s) for s in raw) if r}
    problems: list[str] = []
    if not bullets:
        return ["the summary has no bullets"]
    for k, b in enumerate(bullets, 1):
        text = b["text"] if isinstance(b, Mapping) else b.text
        cites = list(b.get("cites", []) if isinstance(b, Mapping) else b.cites)
        where = f"bullet {k}"
        cited_versions = [c for c in cites if c in inputs.sources]
        for c in cites:
            if c in inputs.sources or c in raw:
                continue
            ref = section_ref(c)
            if ref is None:
                problems.append(f"{where}: cites {c!r}, which is neither a version nor a section of this diff")
            elif known is not None and ref not in known:
                problems.append(f"{where}: cites {c}, which is not a section of this diff")
        pool = [inputs.sources[c] for c in cited_versions] or list(inputs.sources.values())
        problems += _check_claims(text, where, inputs, pool, known)
    return problems


def _sentences(text: str) -> list[str]:
    """Split at sentence ends (``. `` before a capital or a line break), never inside quotes."""
    out, start, inside = [], 0, False
    norm = normalize_text(text.replace("\n", " \x00 "))
    for i, ch in enumerate(norm):
        if ch == '"':
            inside = not inside
        elif ch == "\x00" or (not inside and ch in ".!?" and norm[i + 1:i + 3].strip()[:1].isupper()
                               and norm[i + 1:i + 2] == " " and not norm[max(0, i - 4):i].endswith(("Sec", "U.S", "No"))):
            out.append(norm[start:i + 1].replace("\x00", "").strip())
            start = i + 1
            inside = False if ch == "\x00" else inside
    out.append(norm[start:].replace("\x00", "").strip())
    return [s for s in out if s]


def check_answer(text: str, citations_texts: Sequence[str] | Mapping[int, str]) -> list[str]:
    """Problems with a Q&A answer citing passages ``[1]``, ``[2]``…; ``citations_texts[n-1]``
    (or ``citations_texts[n]`` for a mapping) is passage n. Quotes must occur in the passages
    cited in the same sentence (any passage when the sentence cites none)."""
    passages = (dict(citations_texts) if isinstance(citations_texts, Mapping)
                else {i + 1: t for i, t in enumerate(citations_texts)})
    inputs = _Inputs({str(k): v for k, v in passages.items()}, "")
    problems: list[str] = []
    for k, sentence in enumerate(_sentences(text), 1):
        if not sentence.strip():
            continue
        nums = [int(n) for n in _CITE_NUM.findall(sentence)]
        for n in nums:
            if n not in passages:
                problems.append(f"sentence {k}: cites [{n}], which is not one of the passages")
        pool = [inputs.sources[str(n)] for n in nums if n in passages] or list(inputs.sources.values())
        problems += _check_claims(sentence, f"sentence {k}", inputs, pool, None)
    return problems
