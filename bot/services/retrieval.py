"""Question understanding and retrieval for answers (plain data; no Slack, no LLM).

``understand`` finds what a question is about: bill ids in any accepted spelling ("H.R. 2683",
"S. 3519"), stored bills named by their short title ("the Remote Access Security Act"),
Federal Register document numbers, a chamber, text-version words; and what kind of question
it is (status, deadline, change, or anything else → search). A follow-up that names no bill
keeps the subject of its thread. ``retrieve`` searches the stored passages for it, exact ids
first.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from bot.services import understanding as words
from bot.services.context import Context
from scrapers.ids import parse_bill_id
from scrapers.stage_names import ORDER as STAGE_ORDER
from storage.search import Hit, plan, search

log = logging.getLogger(__name__)

STATUS, DEADLINE, CHANGE, SEARCH = "status", "deadline", "change", "search"
FR_KINDS = ["fr_document", "public_inspection"]
NEWS_KINDS = ["news", "press_release"]
MAX_QUESTION = 1000

_DOC_NUMBER = re.compile(r"\b((?:19|20)\d{2}-\d{4,6})\b")
_DEADLINE = re.compile(r"""(?ix)\b(deadline|comments?\s+(?:close|closes|closing|due|period|window|end|ends)
    |comment\s+period|when\s+(?:do|does|are|is|will)\b.*\b(?:comments?|close|due|effective)
    |effective\s+date|take\s+effect|takes\s+effect|go\s+into\s+effect|due\s+date|submit\s+comments?)\b""")
_CHANGE = re.compile(r"""(?ix)\b(what\s+changed|what(?:'s|\s+is|\s+has)\s+(?:new|changed|different)
    |chang(?:e|es|ed)\s+(?:in|to|between|from)|differ(?:s|ence|ences)?\b|compared?\s+(?:to|with)
    |how\s+(?:did|does|has)\b.*\b(?:change|differ)|new\s+(?:text|version)|amended\s+version|redline)""")
_STATUS = re.compile(r"""(?ix)\b(status|staus|latest|stand|where\s+(?:is|does|do|are)|stage|progress|latest\s+action
    |pass(?:ed|es)?|vot(?:e|es|ed|ing)|become\s+law|became\s+law|law\s+yet|sign(?:ed)?|enact(?:ed)?|veto(?:ed)?
    |in\s+committee|referred|introduced\s+when|when\s+was\b.*\bintroduced|cosponsors?|sponsor(?:ed)?)\b""")
_QUESTION_WORD = re.compile(r"(?i)\b(what|how|why|does|do|did|which|who|when|where|is|are|was|has|have|can|will"
                            r"|should|explain|summari[sz]e|list|show|tell|say|says)\b|\?")
_FOLLOW_UP = re.compile(r"(?i)^\s*(and|what\s+about|how\s+about|also|then)\b")
_NEWS = re.compile(r"(?i)\b(news|articles?|press|reports?|reporting|coverage|headlines?)\b")
_SENATE = re.compile(r"(?i)\bsenate\b")
_HOUSE = re.compile(r"(?i)\bhouse\b")
_VERSION_WORDS = {
    "introduced": ("ih", "is"), "reported": ("rh", "rs"), "engrossed": ("eh", "es"),
    "house-passed": ("eh",), "senate-passed": ("es",), "referred": ("rfs", "rfh"), "enrolled": ("enr",),
}


@dataclass
class Question:
    text: str
    intent: str = SEARCH
    bills: list[str] = field(default_factory=list)       # canonical ids; bills[0] is the subject when named
    subject: str | None = None                           # the bill this question is about
    from_thread: bool = False                            # the subject came from the thread
    chamber: str | None = None                           # "House" | "Senate"
    documents: list[str] = field(default_factory=list)   # Federal Register document numbers
    versions: list[str] = field(default_factory=list)    # text version codes named ("ih", "eh")
    asks: str | None = None                              # the fact asked for (bot.services.understanding)
    note: str = ""                                       # how a bare number or a title was resolved
    cfr: list[str] = field(default_factory=list)         # CFR parts named ("15 CFR 744")
    rins: list[str] = field(default_factory=list)        # RINs named ("0694-AK43")
    cfr_sections: list[tuple] = field(default_factory=list)  # (title|None, "744.23", "a/3") named
    period: tuple[date, date] | None = None              # "this week", "since June"


def clean_question(text: str) -> str:
    """One line of at most MAX_QUESTION characters; Slack mention markup removed."""
    text = re.sub(r"<@[A-Z0-9]+(?:\|[^>]*)?>", " ", str(text or ""))
    return " ".join(text.split())[:MAX_QUESTION]


def bills_named(ctx: Context, text: str, *, congress: int | None = None, chamber: str | None = None) -> list[str]:
    """Stored bills the text names by short title or its abbreviation ("RAS Act"): in the Congress
    named, if any; the chamber's bill first when one is named; then newest Congress, furthest stage.
    Found through the ``bill_names`` index (``Repo.bills_by_name``), never a scan of every bill."""
    found = ctx.repo.bills_by_name(text)
    if congress is not None and any(b.get("congress") == congress for b in found):
        found = [b for b in found if b.get("congress") == congress]
    rank = {s: i for i, s in enumerate(STAGE_ORDER)}
    def other_chamber(b: dict) -> bool:
        return chamber is not None and ("Senate" if b["id"].startswith("s") else "House") != chamber

    found.sort(key=lambda b: (other_chamber(b), -(b.get("congress") or 0), -rank.get(b.get("stage") or "", -1),
                              b["id"]))
    return [b["id"] for b in found]


def resolve_bills(ctx: Context, text: str) -> tuple[list[str], str]:
    """The bill ids ``text`` names; a number written without a Congress that is stored only in
    another Congress is that stored bill, and the note says so. The Congresses each number is stored
    in come from one indexed query (``Repo.bill_congresses``), never a scan of every bill."""
    refs = words.bill_refs(text, ctx.today())
    have = ctx.repo.bill_congresses([(r.bill.type, r.bill.number) for r in refs if not r.explicit])
    ids, notes = [], []
    for ref in refs:
        bill = ref.bill
        congresses = sorted(have.get((bill.type, bill.number), []), reverse=True)
        if not ref.explicit and congresses and bill.congress not in congresses:
            chosen = type(bill)(bill.type, bill.number, congresses[0])
            only = "only " if len(congresses) == 1 else ""
            notes.append(f"The stored record has {display_bill(str(chosen)).split(' (')[0]} {only}in the "
                         f"{display_bill(str(chosen)).split('(')[1].rstrip(')')} Congress, so this is about "
                         f"{display_bill(str(chosen))}.")
            bill = chosen
        if str(bill) not in ids:
            ids.append(str(bill))
    return ids, " ".join(notes)


def _intent(text: str, has_subject: bool, follow_up: bool, chamber: str | None) -> str:
    if _DEADLINE.search(text) or (_DOC_NUMBER.search(text) and re.search(r"(?i)\b(close|due|effective)\b", text)):
        return DEADLINE
    if _CHANGE.search(text):
        return CHANGE
    if has_subject and _STATUS.search(text):
        return STATUS
    words = len(text.split())
    if has_subject and follow_up and (chamber or words <= 6):
        return STATUS
    if has_subject and words <= 4 and plan(text).words == []:
        return STATUS          # "H.R. 2683?" alone asks for the card
    if has_subject and not _QUESTION_WORD.search(text) and re.search(r"[;=*\"(){}]|--|\b(?:OR|AND|NOT|NEAR)\b", text):
        return STATUS          # a bill id with no question around it ("hr2683-119 OR 1=1; --") asks for the card
    return SEARCH


def understand(ctx: Context, question: str, *, thread: str | None = None) -> Question:
    """What ``question`` asks and about what (bills by id or short title, documents, chamber)."""
    text = clean_question(question)
    q = Question(text=text)
    today = ctx.today()
    senate, house = bool(_SENATE.search(text)), bool(_HOUSE.search(text))
    q.chamber = "Senate" if senate and not house else "House" if house and not senate else None
    ids, q.note = resolve_bills(ctx, text)
    for name_id in bills_named(ctx, text, congress=words.congress_asked(text, today),
                               chamber=q.chamber):
        if name_id not in ids:
            ids.append(name_id)
    q.bills = ids
    q.documents = list(dict.fromkeys(_DOC_NUMBER.findall(text)))
    q.cfr, q.rins, q.period = words.cfr_parts(text), words.rins(text), words.period(text, today)
    q.cfr_sections = words.cfr_sections(text)
    low = text.lower()
    q.versions = [c for w, codes in _VERSION_WORDS.items() if w in low for c in codes]
    if ids:
        q.subject = ids[0]
    elif thread and not q.documents:
        q.subject = ctx.repo.thread_subject(thread)
        q.from_thread = q.subject is not None
        if q.subject:
            q.bills = [q.subject]
    q.intent = _intent(text, q.subject is not None, q.from_thread or bool(_FOLLOW_UP.match(text)), q.chamber)
    if q.subject and not q.documents:
        q.asks = words.bill_asks(text)
    elif q.documents:
        q.asks = words.doc_asks(text) if q.intent != DEADLINE else None
    else:
        q.asks = words.global_asks(text) or ("list_docs" if q.cfr or q.rins else None)
    log.info("question understood: intent=%s subject=%s documents=%s chamber=%s", q.intent, q.subject,
             q.documents, q.chamber)
    return q


def search_ids(q: Question) -> list[str]:
    """Exact ids to search first: the bills (canonical, congress included) and documents named."""
    named = [f"{q.subject}-{code}" for code in q.versions] if q.subject else []
    return [*named, *q.bills, *q.documents]


def retrieve(ctx: Context, q: Question, *, limit: int = 6, kinds: list[str] | None = None) -> list[Hit]:
    """The best stored passages for ``q`` (exact ids first, then words); never raises on odd input."""
    if kinds is None and q.intent == DEADLINE:
        kinds = FR_KINDS
    elif kinds is None and _NEWS.search(q.text):
        kinds = NEWS_KINDS
    text = q.text
    if q.versions and q.subject:       # the version is searched by its id; its word would only dilute the rank
        text = re.sub(r"(?i)\b(" + "|".join(map(re.escape, _VERSION_WORDS)) + r")\b", " ", text)
    hits = search(ctx.repo.engine, text, limit=limit, kinds=kinds, ids=search_ids(q))
    if not hits and kinds:
        hits = search(ctx.repo.engine, text, limit=limit, ids=search_ids(q))
    return hits


def display_bill(bill_id: str) -> str:
    """``hr2683-119`` → ``H.R. 2683 (119th)`` (the id itself when it does not parse)."""
    try:
        return parse_bill_id(bill_id).display
    except Exception:   # noqa: BLE001 — display only
        return bill_id


# ---- citations ----------------------------------------------------------------------------

@dataclass
class Citation:
    """One numbered source of an answer: the exact stored item and when it was fetched."""

    n: int
    title: str
    url: str | None
    fetched_at: datetime | None
    kind: str
    ref: str             # bill version + section, FR document number, Record page, news URL
    quote: str = ""      # the words of the source the answer rests on

    def to_dict(self) -> dict:
        d = asdict(self)
        d["fetched_at"] = self.fetched_at.isoformat() if self.fetched_at else None
        return d


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) address, else None (never a link to anything else)."""
    if not url or not isinstance(url, str) or any(c in url for c in "<>| \n\t\"'"):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def hit_ref(h: Hit) -> str:
    """Where in the stored item a passage is: ``hr2683-119-eh sec. 2(1)``, ``FR Doc. 2026-00789, Dates``."""
    anchor = h.anchor.strip()
    label = anchor.title() if anchor.isupper() else anchor
    if h.kind == "bill_text":
        return f"{h.external_id} {anchor}".strip()
    if h.kind == "fr_document":
        return f"FR Doc. {h.external_id}" + (f", {label}" if label else "")
    if h.kind == "public_inspection":
        return f"FR Doc. {h.external_id} (public inspection)"
    if h.kind == "congressional_record":
        return f"Congressional Record {h.external_id}" + (f", {label}" if label else "")
    if h.kind in ("news", "press_release"):
        return safe_url(h.url) or h.external_id
    return h.external_id


def cite_hit(n: int, h: Hit, quote: str = "") -> Citation:
    title = f"{display_bill(h.external_id)}: {h.title}" if h.kind == "bill" else h.title
    return Citation(n=n, title=title, url=safe_url(h.url), fetched_at=h.fetched_at, kind=h.kind,
                    ref=hit_ref(h), quote=quote)


def day(value) -> str:
    """A date (or datetime, or ISO text) as ``YYYY-MM-DD``; "" for nothing."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10] if value else ""
