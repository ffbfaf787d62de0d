"""What a search is, on either backend: the query plan (exact ids, then words), the column
weights, and a hit. Shared by ``storage/search.py`` (SQLite FTS5) and ``storage/search_pg.py``
(PostgreSQL)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scrapers.ids import find_bill_ids

STOPWORDS = frozenset("""a an and are as at be by did do does for from has have how i in is it its of on or
that the this to was were what when where which who why will with would about any can me tell there their
they than then so if please say says said know much many should could shall may such other under been being
into also but not no nor our we you your these those them he she his her us out up over only same each
""".split())
WEIGHTS = (10.0, 3.0, 1.0)   # ids, heading, text
OVERFETCH = 4                # rows ranked inside FTS5 per wanted hit, before filters
COMMON = 8_000               # a word in this many passages says little: used only when nothing rarer matched
RANK_BUDGET = 6_000           # bm25 scores at most about this many rows per ranked pass
MAX_TERMS = 8                # words per query at most (the longest kept)
_TOKEN = re.compile(r"[A-Za-z0-9]+")
# a small legal synonym table: a question's word also searches these (both backends stem them:
# "termination" finds "terminates"); the extractive answer counts a word present when one is
SYNONYMS = {
    "sunset": ["termination", "terminates", "expire", "expiration"],
    "expire": ["termination", "terminates", "sunset", "expiration"],
    "expires": ["termination", "terminates", "sunset", "expiration"],
    "expiration": ["termination", "terminates", "sunset", "expire"],
    "terminate": ["termination", "sunset", "expire"],
    "terminates": ["termination", "sunset", "expire"],
    "termination": ["terminates", "sunset", "expire"],
    "cosponsor": ["sponsor"], "cosponsors": ["sponsor"],
    "rule": ["regulation", "regulations"], "rules": ["regulation", "regulations"],
    "regulation": ["rule"], "regulations": ["rule", "rules"],
    "penalty": ["penalties", "fine"], "penalties": ["penalty", "fine"],
    "define": ["definition", "means", "term"], "defines": ["definition", "means", "term"],
    "definition": ["means", "term", "define"], "defined": ["means", "term", "definition"],
    "deadline": ["due", "close", "received"],
}
_DOC_NUMBER = re.compile(r"\b((?:19|20)\d{2})-(\d{4,6})\b")


@dataclass
class Hit:
    passage_id: int
    document_id: int
    version_id: int
    kind: str
    external_id: str
    title: str
    url: str | None
    anchor: str
    heading: str
    text: str
    score: float
    fetched_at: datetime | None
    doc_date: object = None


@dataclass
class QueryPlan:
    """What a question is searched with: exact-id phrases and content words."""

    ids: list[str] = field(default_factory=list)      # phrases matched in the ids column ("hr2683", "2026 00789")
    words: list[str] = field(default_factory=list)    # content words, stopwords dropped
    also: list[str] = field(default_factory=list)     # synonyms of the words, searched with them

    @property
    def terms(self) -> list[str]:
        """The words and their synonyms: what the word passes search for."""
        return [*self.words, *self.also]


def tokens(query: str) -> list[str]:
    """Search tokens: words and numbers, lower case, stopwords dropped, bill ids added canonically."""
    out: list[str] = []
    for bid in find_bill_ids(query, congress=None):
        out += [f"{bid.type}{bid.number}"]
    for t in _TOKEN.findall(query.lower()):
        if t not in STOPWORDS and t not in out and (len(t) > 1 or t.isdigit()):
            out.append(t)
    return out[:32]


def plan(query: str, ids: list[str] | None = None) -> QueryPlan:
    """Split ``query`` into exact ids (bill ids, FR document numbers, plus ``ids`` given) and words."""
    exact: list[str] = []
    for raw in ids or []:
        phrase = " ".join(_TOKEN.findall(raw.lower()))
        if phrase and phrase not in exact:
            exact.append(phrase)
    for bid in find_bill_ids(query, congress=None):
        tok = f"{bid.type}{bid.number}"
        if not any(e.split()[0] == tok for e in exact):
            exact.append(tok)
    for year, num in _DOC_NUMBER.findall(query):
        phrase = f"{year} {num}"
        if phrase not in exact:
            exact.append(phrase)
    id_parts = {p for e in exact for p in e.split()}
    # the pieces of an id ("2683", "h", "r") are not content words
    bill_numbers = {str(b.number) for b in find_bill_ids(query, congress=None)}
    words: list[str] = []
    for t in _TOKEN.findall(_DOC_NUMBER.sub(" ", query.lower())):
        if t in STOPWORDS or t in words or t in id_parts or t in bill_numbers or len(t) < 2:
            continue
        words.append(t)
    if len(words) > MAX_TERMS:
        keep = set(sorted(words, key=lambda w: (-len(w), words.index(w)))[:MAX_TERMS])
        words = [w for w in words if w in keep]
    also = [a for w in words for a in SYNONYMS.get(w, []) if a not in words]
    return QueryPlan(ids=exact, words=words, also=list(dict.fromkeys(also)))


def hit_from_row(r, score: float) -> Hit:
    fetched = r.fetched_at
    if isinstance(fetched, str):
        fetched = datetime.fromisoformat(fetched)
    if fetched is not None and fetched.tzinfo is None:       # SQLite keeps UTC without an offset
        fetched = fetched.replace(tzinfo=UTC)
    return Hit(passage_id=r.id, document_id=r.document_id, version_id=r.version_id, kind=r.kind,
               external_id=r.external_id, title=r.title, url=r.url, anchor=r.anchor, heading=r.heading or "",
               text=r.text or "", score=score, fetched_at=fetched, doc_date=r.doc_date)
