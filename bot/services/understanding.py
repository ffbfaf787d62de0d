"""Reading a question (pure: text in, plain values out; no database, no LLM).

Bill references in every accepted spelling, plus the lower-case forms people type ("s3519",
"s. 3519"); the Congress written out ("in the 118th Congress", "last Congress", "the 2024 bill");
short-title keys and their usual abbreviation ("Remote Access Security Act" → "RAS Act",
"RASA"); RINs, CFR parts and sections ("15 CFR 744", "§ 744.23(a)(3)"), date ranges ("this week", "since June"); and which fact of the
structured record the question asks for (sponsor, cosponsors, committees, votes, text versions,
what a bill does, how it ended, a comparison, a Federal Register document's facts, open comment
periods, deadlines, lists, what happened in a period).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from scrapers.ids import BillId, current_congress, find_bill_ids

_SENTINEL = 1          # "no Congress written": find_bill_ids is asked with the 1st Congress as default
_LOWER_S = re.compile(r"(?<![A-Za-z.])s\.?\s?(\d{2,5})\b(?!\s*(?:cfr|fr|u\.s\.c)\b)", re.I)
_ORDINAL_CONGRESS = re.compile(r"(?i)\b(\d{2,3})(?:st|nd|rd|th)\s+congress\b")
_LAST_CONGRESS = re.compile(r"(?i)\b(last|previous|prior)\s+congress\b")
_THIS_CONGRESS = re.compile(r"(?i)\b(this|current)\s+congress\b")
_YEAR_BILL = re.compile(r"(?i)\b(?:the\s+)?((?:19|20)\d{2})\b(?=[^.?!]{0,40}\b(?:bill|version|act)\b)")
RIN = re.compile(r"(?i)\b(\d{4}-[A-Z]{2}\d{2})\b")
CFR = re.compile(r"(?i)\b(\d{1,2})\s*c\.?f\.?r\.?\s*(?:part\s*)?(\d{1,4})(?:\.\d+)?\b")
# a CFR section: "15 CFR 744.23", "§ 744.23(a)(3)", "section 744.23", bare "744.23" (never "$1.50", "2.0")
CFR_SECTION = re.compile(r"(?i)(?:\b(\d{1,2})\s*c\.?f\.?r\.?\s*(?:§+\s*)?|§+\s*|\bsection\s+)?(?<![\d.,$§])"
                         r"\b(\d{2,4})\.(\d{1,4}[a-z]?)\b(?![.,]\d|%)((?:\([0-9A-Za-z]{1,5}\))*)")
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"], 1)}
_SINCE = re.compile(r"(?i)\bsince\s+(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+(\d{1,2}))?"
                    r"(?:,?\s+(\d{4}))?|(\d{4}-\d{2}-\d{2}))\b")

# what fact a question asks for, first match wins (order matters: "cosponsor" before "sponsor")
SPONSOR, COSPONSORS, COMMITTEES, VOTES, VERSIONS, DOES, ENDED, COMPARE, INTRODUCED = (
    "sponsor", "cosponsors", "committees", "votes", "versions", "does", "ended", "compare", "introduced")
OPEN_COMMENTS, DEADLINES, LIST_BILLS, HAPPENED, DOC_FACTS, PUBLIC_INSPECTION = (
    "open_comments", "deadlines", "list_bills", "happened", "doc_facts", "public_inspection")
_BILL_ASKS = [
    (COMPARE, re.compile(r"(?i)\b(differ(?:s|ence|ences)?\s+(?:from|between)|differences?\s+between|compare[sd]?\b"
                         r"|versus|\bvs\.?)")),
    (ENDED, re.compile(r"(?i)\b(how\s+did\b.*\bend|\bdie[ds]?\b|\bdead\b|what\s+happened\s+to|what\s+became\s+of)")),
    (COSPONSORS, re.compile(r"(?i)\bco-?\s?spons[eo]r")),
    (SPONSOR, re.compile(r"(?i)\b(spons[eo]r(?:s|ed)?|who\s+introduced|introduced\s+by)\b")),
    (INTRODUCED, re.compile(r"(?i)\b(when\s+was\b.*\bintroduced|introduced\s+when|date\s+introduced)\b")),
    (COMMITTEES, re.compile(r"(?i)\b(committees?|referred\s+to|referral)\b")),
    (VOTES, re.compile(r"(?i)\b(votes?|voted|roll[\s-]?call|tally)\b")),
    (VERSIONS, re.compile(r"(?i)\b(text\s+versions?|versions?\s+of|how\s+many\s+versions|latest\s+text)\b")),
    (DOES, re.compile(r"(?i)\b(what\s+(?:does|would|will)\b.*\b(?:do|does)\b|summari[sz]e|summary\s+of|explain\s+what"
                      r"|what\s+is\b.*\babout|purpose\s+of)\b")),
]
_DOC_ASKS = [
    (DOC_FACTS, re.compile(r"(?i)\b(what\s+is|what's|whats|rin|citation|docket|cfr|parts?|agenc(?:y|ies)|who\s+issued"
                           r"|published|type|what\s+(?:does|did)\b.*\bdo|comments?|open)\b")),
]
_GLOBAL_ASKS = [
    (OPEN_COMMENTS, re.compile(r"(?i)\b(open\s+for\s+comments?|accepting\s+comments|comment\s+periods?\s+(?:are\s+)?open"
                               r"|open\s+comment\s+periods?)\b")),
    (DEADLINES, re.compile(r"(?i)\b(deadlines?|comment\s+deadlines?|due\s+dates?)\b.*\b(coming|upcoming|next|soon|ahead)"
                           r"|\b(upcoming|coming\s+up|next)\b.*\bdeadlines?\b")),
    (PUBLIC_INSPECTION, re.compile(r"(?i)\bpublic\s+inspection\b")),
    (LIST_BILLS, re.compile(r"(?i)\bwhich\s+bills\b|\bwhat\s+bills\b|\blist\s+(?:the\s+)?bills\b")),
    (HAPPENED, re.compile(r"(?i)\bwhat\s+(?:happened|is\s+new|'s\s+new|s\s+new)\b|\bwhat's\s+new\b|\banything\s+new\b")),
]


@dataclass(frozen=True)
class BillRef:
    bill: BillId
    explicit: bool          # the Congress was written with the id ("H.R. 2683 (118th)")


def congress_asked(text: str, today: date) -> int | None:
    """The Congress the question names in words, else None."""
    if m := _ORDINAL_CONGRESS.search(text):
        return int(m.group(1))
    if _LAST_CONGRESS.search(text):
        return current_congress(today) - 1
    if _THIS_CONGRESS.search(text):
        return current_congress(today)
    if m := _YEAR_BILL.search(text):
        year = int(m.group(1))
        if 1789 < year <= today.year:
            return (year - 1789) // 2 + 1
    return None


def bill_refs(text: str, today: date) -> list[BillRef]:
    """Bill ids in ``text``, each with whether its Congress was written; a Congress named in
    words ("in the 118th Congress") applies to the ids written without one."""
    named = congress_asked(text, today)
    out: list[BillRef] = []
    bare = {(b.type, b.number) for b in find_bill_ids(text, congress=_SENTINEL, today=today) if b.congress == _SENTINEL}
    for b in find_bill_ids(text, congress=_SENTINEL, today=today):
        explicit = (b.type, b.number) not in bare or b.congress != _SENTINEL
        congress = b.congress if explicit else (named or current_congress(today))
        out.append(BillRef(BillId(b.type, b.number, congress), explicit or named is not None))
    for m in _LOWER_S.finditer(text):
        if m.group(0)[0] == "S" and m.group(0)[1:2] in (".", " "):
            continue                     # "S. 3519" / "S 3519": already found above
        b = BillId("s", int(m.group(1)), named or current_congress(today))
        if not any(r.bill.type == "s" and r.bill.number == b.number for r in out):
            out.append(BillRef(b, named is not None))
    return out


def normalized(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def bill_asks(text: str) -> str | None:
    """Which fact of a bill's record the question asks for (None: its status, or a search)."""
    return next((name for name, rx in _BILL_ASKS if rx.search(text)), None)


def doc_asks(text: str) -> str | None:
    return next((name for name, rx in _DOC_ASKS if rx.search(text)), None)


def global_asks(text: str) -> str | None:
    """A question about everything watched (no bill or document named)."""
    return next((name for name, rx in _GLOBAL_ASKS if rx.search(text)), None)


def cfr_parts(text: str) -> list[str]:
    return list(dict.fromkeys(f"{t} CFR {p}" for t, p in CFR.findall(text)))


def cfr_sections(text: str) -> list[tuple[int | None, str, str]]:
    """CFR sections named: ``(title or None, "744.23", "a/3")`` for "15 CFR 744.23(a)(3)"; the title
    is None when not written (the stored record decides which title has that part)."""
    out: list[tuple[int | None, str, str]] = []
    for m in CFR_SECTION.finditer(text):
        title = int(m.group(1)) if m.group(1) and 1 <= int(m.group(1)) <= 50 else None
        ref = (title, f"{m.group(2)}.{m.group(3)}", "/".join(re.findall(r"\(([0-9A-Za-z]+)\)", m.group(4))))
        if ref not in out:
            out.append(ref)
    return out


def rins(text: str) -> list[str]:
    return list(dict.fromkeys(r.upper() for r in RIN.findall(text)))


def period(text: str, today: date) -> tuple[date, date] | None:
    """The date range a question names ("this week", "last week", "this month", "since June")."""
    low = text.lower()
    if "this week" in low:
        start = today - timedelta(days=today.weekday())
        return start, today
    if "last week" in low or "past week" in low:
        return today - timedelta(days=7), today
    if "this month" in low:
        return today.replace(day=1), today
    if m := _SINCE.search(text):
        if m.group(4):
            return date.fromisoformat(m.group(4)), today
        month = next(v for k, v in MONTHS.items() if k.startswith(m.group(1).lower()[:3]))
        year = int(m.group(3)) if m.group(3) else (today.year if month <= today.month else today.year - 1)
        return date(year, month, int(m.group(2) or 1)), today
    return None


def congress_end(congress: int) -> date:
    """The day a Congress ends: January 3 of the odd year after its second session."""
    return date(1789 + 2 * congress, 1, 3)
