"""The Federal Register document card: typed data (no Slack, no terminal) read from the stored
record in one transaction. ``DocCard.to_dict()`` is ``doc --json`` (the contract's keys); the
Slack and terminal renderings read the same fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.services.cfr_changes import rule_changes
from bot.services.context import Context
from scrapers.errors import BadInput, NotFound
from scrapers.federal_register import parse_day
from scrapers.records import FR_DOCUMENT
from storage.repo import Repo

# 2026-00789, 06-1234, E6-12345 (the older forms the FR still serves)
_NUMBER = re.compile(r"^(?:\d{2,4}|[A-Z]\d)-\d{3,6}$")
ACCEPTED = "a Federal Register document number, e.g. 2026-00789"
# the content fields a version diff names, in the order people read them
_FIELDS = (("title", "title"), ("type", "type"), ("abstract", "abstract"), ("action", "action"),
           ("dates", "dates"), ("effective_on", "effective date"), ("comments_close_on", "comment deadline"),
           ("agencies", "agencies"), ("regulation_id_numbers", "RIN"), ("docket_ids", "docket"),
           ("cfr_references", "CFR parts"), ("citation", "citation"), ("correction_of", "correction of"))


def parse_number(text: str) -> str:
    """``" 2026-00789 "`` → ``"2026-00789"``; raises ``BadInput`` with the accepted form."""
    raw = (text or "").strip().strip("\"'").upper()
    raw = re.sub(r"^FR(?:\s+DOC\.?)?\s+", "", raw).strip()
    if not _NUMBER.match(raw):
        raise BadInput(f"not a Federal Register document number: {text!r} ({ACCEPTED})")
    return raw


@dataclass
class Agency:
    slug: str
    name: str


@dataclass
class Docket:
    id: str
    url: str | None        # regulations.gov search for the docket (None when it is not an id it knows)


@dataclass
class DocVersion:
    seq: int
    fetched_at: Any
    changed: list[str]     # what differs from the version before it (empty for the first)


@dataclass
class DocCard:
    """Where a Federal Register document stands, as the stored record says."""

    number: str
    title: str
    type: str | None
    agencies: list[Agency]
    citation: str | None
    rins: list[str]
    dockets: list[Docket]
    cfr_parts: list[str]
    publication_date: date | None
    effective_on: date | None
    comments_close_on: date | None
    comments_open: bool | None        # None when no comment period is stated
    abstract: str | None
    versions: list[DocVersion]
    matched: list[str]                # watch items it matched: "agency:industry-and-security-bureau"
    url: str | None
    action: str | None = None
    correction_of: str | None = None
    today: date | None = field(default=None, repr=False)
    cfr_changes: list[dict] = field(default_factory=list)   # what it changed in the CFR (eCFR, day before/day of)

    def to_dict(self) -> dict:
        return {
            "number": self.number, "title": self.title, "type": self.type,
            "agencies": [{"slug": a.slug, "name": a.name} for a in self.agencies],
            "citation": self.citation, "rins": list(self.rins),
            "dockets": [{"id": d.id, "url": d.url} for d in self.dockets],
            "cfr_parts": list(self.cfr_parts), "publication_date": self.publication_date,
            "effective_on": self.effective_on, "comments_close_on": self.comments_close_on,
            "comments_open": self.comments_open, "abstract": self.abstract,
            "versions": [{"seq": v.seq, "fetched_at": v.fetched_at, "changed": list(v.changed)}
                         for v in self.versions],
            "matched": list(self.matched), "url": self.url,
        }        # cfr_changes stays out until the contract's doc --json keys name it

    def comments_line(self) -> str | None:
        """``"open, 12 days left (closes 2026-04-13)"`` / ``"closed 3 days ago (2026-04-13)"``."""
        close, today = self.comments_close_on, self.today
        if close is None:
            return None
        if today is None:
            return f"closes {close.isoformat()}"
        days = (close - today).days
        if days > 0:
            return f"open, {days} day{'s' if days != 1 else ''} left (closes {close.isoformat()})"
        if days == 0:
            return f"open, closes today ({close.isoformat()})"
        return f"closed {-days} day{'s' if days != -1 else ''} ago ({close.isoformat()})"


def doc_card(ctx: Context, text: str) -> DocCard:
    number = parse_number(text)
    card = read_doc_card(ctx.repo, number, today=ctx.today())
    if card is None:
        raise NotFound(f"Federal Register document {number} is not stored (it is kept once a watched agency or "
                       "term matches it, or after `legiswatch import`)")
    return card


def read_doc_card(repo: Repo, number: str, *, today: date) -> DocCard | None:
    """The card from one consistent read, or None when the document is not stored."""
    with repo.snapshot():
        versions = repo.versions(FR_DOCUMENT, number)
        if not versions:
            return None
        card = _card(number, versions, today)
        card.cfr_changes = rule_changes(repo, number)
        return card


def _docket_url(docket: str) -> str | None:
    """A regulations.gov link for a docket id (``BIS-2025-0001``); FR docket numbers without an
    agency prefix (``Docket No. 260112-0028``) are searched as text."""
    ident = re.sub(r"^docket\s+(no\.?|number)\s*", "", docket.strip(), flags=re.I).strip()
    if not ident or not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", ident):
        return None
    if re.match(r"^[A-Z]{2,}[A-Z0-9]*-\d{4}-\d+", ident):
        return f"https://www.regulations.gov/docket/{ident}"
    return f"https://www.regulations.gov/search?filter={ident}"


def _changed(before: dict, after: dict) -> list[str]:
    return [label for key, label in _FIELDS if (before or {}).get(key) != (after or {}).get(key)]


def _card(number: str, versions: list[dict], today: date) -> DocCard:
    latest = versions[-1]
    content = latest.get("content") if isinstance(latest.get("content"), dict) else {}
    meta = latest.get("meta") or {}
    names = {a.get("slug"): a.get("name") or a.get("raw_name") or a.get("slug")
             for a in content.get("agencies") or [] if isinstance(a, dict) and a.get("slug")}
    slugs = meta.get("agencies") or list(names)
    cfr = meta.get("cfr") or [f"{c.get('title')} CFR {c.get('part')}" for c in content.get("cfr_references") or []
                              if isinstance(c, dict) and c.get("title") and c.get("part")]
    close = parse_day(meta.get("comments_close_on") or content.get("comments_close_on"))
    matched: list[str] = []
    for v in versions:
        for m in (v.get("meta") or {}).get("matched") or []:
            w = m.get("watch") if isinstance(m, dict) else str(m)
            if w and w not in matched:
                matched.append(w)
    kept = []
    for i, v in enumerate(versions):
        prev = versions[i - 1].get("content") if i else None
        kept.append(DocVersion(v.get("seq") or i + 1, v.get("fetched_at"),
                               _changed(prev, v.get("content") or {}) if i else []))
    return DocCard(
        number=number, title=latest.get("title") or content.get("title") or "",
        type=meta.get("type") or content.get("type"),
        agencies=[Agency(s, names.get(s) or s) for s in slugs],
        citation=meta.get("citation") or content.get("citation"),
        rins=list(meta.get("rins") or content.get("regulation_id_numbers") or []),
        dockets=[Docket(d, _docket_url(d)) for d in meta.get("docket_ids") or content.get("docket_ids") or []],
        cfr_parts=list(cfr),
        publication_date=parse_day(meta.get("publication_date") or content.get("publication_date")) or latest.get("date"),
        effective_on=parse_day(meta.get("effective_on") or content.get("effective_on")),
        comments_close_on=close, comments_open=None if close is None else close >= today,
        abstract=content.get("abstract"), versions=kept, matched=matched, url=latest.get("url"),
        action=content.get("action"), correction_of=meta.get("correction_of"), today=today)
