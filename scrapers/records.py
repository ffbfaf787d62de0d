"""Plain records that scrapers yield and storage records.

They cross from ``scrapers/`` to ``storage/`` and ``bot/``; they hold no behaviour beyond
small helpers. ``content`` is what gets hashed: two fetches with equal ``content`` are the
same version, whatever else differs (fetch time, volatile fields the scraper dropped).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Document kinds (documents.kind)
BILL = "bill"
BILL_TEXT = "bill_text"
ACTION = "action"
SUMMARY = "summary"
FR_DOCUMENT = "fr_document"
PUBLIC_INSPECTION = "public_inspection"
PRESS_RELEASE = "press_release"
NEWS = "news"
CONGRESSIONAL_RECORD = "congressional_record"
KINDS = (BILL, BILL_TEXT, ACTION, SUMMARY, FR_DOCUMENT, PUBLIC_INSPECTION, PRESS_RELEASE, NEWS,
         CONGRESSIONAL_RECORD)


@dataclass
class Passage:
    """A searchable piece of a document: a bill section, an FR paragraph, a news item."""

    anchor: str            # where in the document: "sec. 2(a)(1)", "SUMMARY", "" for whole item
    heading: str
    text: str


@dataclass
class DocumentRecord:
    """One fetched document (FR document, public-inspection entry, press release, news item,
    Congressional Record article, bill text version...)."""

    kind: str
    external_id: str                 # canonical: hr2683-119-eh, 2026-00789, CREC granule id, news url hash
    title: str
    url: str | None
    source: str                      # the source name that produced it (congress, federal_register, ...)
    content: Any                     # what is hashed (JSON-able); equal content = same version
    text: str = ""                   # plain text for search and display
    raw: bytes | str | None = None   # the payload as received
    meta: dict = field(default_factory=dict)
    date: date | None = None         # the document's own date (publication, action, article)
    parent: tuple[str, str] | None = None   # (kind, external_id) of the document it belongs to
    passages: list[Passage] = field(default_factory=list)
    fetched_url: str | None = None   # provenance: the URL it was fetched from (key masked)


# ---- bills -------------------------------------------------------------------------------

@dataclass
class ActionRecord:
    date: date
    text: str
    code: str | None = None          # LOC action code (H37300, 8000...) when present
    type: str | None = None          # Congress.gov type: Floor, Committee, IntroReferral...
    chamber: str | None = None       # House | Senate | None
    time: str | None = None
    votes: list[dict] = field(default_factory=list)   # recordedVotes[]
    # every record of this one event (Library of Congress + the chamber), merged at parse time:
    # all their action codes and all their wordings, so neither record's signal is lost
    codes: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    source: str | None = None        # where it was read: congress (the API), billstatus, a file

    @property
    def key(self) -> str:
        """Dedupe key: the same event reported by LOC and the chamber has the same date and text."""
        norm = " ".join(self.text.lower().split())
        return hashlib.sha256(f"{self.date.isoformat()}|{norm}".encode()).hexdigest()[:16]


@dataclass
class CosponsorRecord:
    bioguide_id: str
    name: str
    party: str | None = None
    state: str | None = None
    district: str | None = None
    sponsorship_date: date | None = None
    original: bool = False
    withdrawn_date: date | None = None


@dataclass
class CommitteeRecord:
    system_code: str
    name: str
    chamber: str | None = None
    activities: list[tuple[str, date | None]] = field(default_factory=list)


@dataclass
class TextVersionRecord:
    code: str                        # ih, rh, eh, rfs, enr...
    name: str                        # "Introduced in House"
    date: date | None
    xml_url: str | None              # govinfo XML url (never www.congress.gov)
    formats: dict[str, str] = field(default_factory=dict)   # format type -> url


@dataclass
class RelatedBillRecord:
    bill_id: str                     # canonical id of the related bill
    title: str
    relationship: str                # "Identical bill", "Related bill", "Same short title (earlier Congress)"...
    identified_by: str = ""


@dataclass
class SummaryRecord:
    version_code: str
    action_date: date | None
    action_desc: str
    text: str                        # plain text (HTML stripped)
    update_date: str = ""


@dataclass
class BillRecord:
    """Everything Congress.gov says about one bill. A sub-resource list that is ``None`` was
    not fetched this time (unchanged); an empty list means the source says there are none."""

    bill_id: str                     # hr2683-119
    congress: int
    type: str
    number: int
    title: str
    short_title: str = ""
    introduced: date | None = None
    origin_chamber: str | None = None
    sponsor: dict = field(default_factory=dict)   # {bioguide_id, name, party, state, district}
    policy_area: str = ""
    latest_action: ActionRecord | None = None
    update_date: str = ""            # Congress.gov updateDate
    update_date_including_text: str = ""
    url: str = ""                    # congress.gov page for people
    api_url: str = ""                # where it was fetched (key masked)
    actions: list[ActionRecord] | None = None
    cosponsors: list[CosponsorRecord] | None = None
    committees: list[CommitteeRecord] | None = None
    text_versions: list[TextVersionRecord] | None = None
    related: list[RelatedBillRecord] | None = None
    summaries: list[SummaryRecord] | None = None
    titles: list[dict] | None = None
    raw: dict = field(default_factory=dict)        # the bill detail JSON


@dataclass
class UpdatedBill:
    """One row of the Congress.gov "bills updated since" list (for incremental polling and discovery)."""

    bill_id: str
    title: str
    update_date: str
    update_date_including_text: str = ""
    latest_action: ActionRecord | None = None


# ---- bill text ----------------------------------------------------------------------------

@dataclass
class Section:
    """A structural unit of bill text: section, subsection, paragraph...

    ``key`` is the structural path built from enumerators ("2", "2/a", "2/a/1") — never the
    XML element id, which is regenerated between versions.
    """

    key: str
    num: str                          # "2", "(a)", "(1)" as printed (normalised: "2", "a", "1")
    heading: str
    text: str                         # the unit's own text (chapeau/content), children excluded
    level: str = "section"            # section, subsection, paragraph, subparagraph, clause...
    children: list[Section] = field(default_factory=list)

    def full_text(self) -> str:
        parts = [self.text] + [c.full_text() for c in self.children]
        return " ".join(p for p in parts if p)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class BillText:
    bill_id: str                      # hr2683-119
    version_code: str                 # eh
    stage: str = ""                   # "Engrossed in House"
    date: date | None = None
    title: str = ""                   # official title
    short_title: str = ""
    schema: str = "billdtd"           # billdtd | uslm
    sections: list[Section] = field(default_factory=list)

    @property
    def version_id(self) -> str:
        return f"{self.bill_id}-{self.version_code}"


# ---- poll protocol -----------------------------------------------------------------------

@dataclass
class Watch:
    """What to look for, as the scrapers see it (built from the watchlist by the pipeline)."""

    bills: list[str] = field(default_factory=list)        # canonical ids: hr2683-119
    terms: list[str] = field(default_factory=list)        # "remote access"
    agencies: list[str] = field(default_factory=list)     # FR agency slugs
    feeds: list[str] = field(default_factory=list)        # extra RSS/Atom URLs
    short_titles: dict[str, str] = field(default_factory=dict)   # bill id -> short title (news, CREC)
    known: dict[str, dict] = field(default_factory=dict)  # bill id -> {"update_date", "update_date_including_text", "text_versions": [...codes]}
    cfr_parts: list[str] = field(default_factory=list)    # CFR parts to read from eCFR: "15/744"
    cfr_rules: list[dict] = field(default_factory=list)   # FR rules amending them: {"number", "effective_on", "parts"}


@dataclass
class CursorUpdate:
    """Yielded by a scraper after the records it covers: the pipeline commits those records,
    then stores this cursor (watermarks only move forward)."""

    cursor: dict


@dataclass
class SourceNote:
    """Something a person should hear about that is not a record: an unknown watched bill
    (404), DEMO_KEY limits, a discovery hint. ``key`` dedupes repeated notes."""

    level: str            # info | warning
    message: str
    key: str = ""


# ---- (de)serialisation of bill text (stored as a version's content) -----------------------

def section_to_dict(s: Section) -> dict:
    return {"key": s.key, "num": s.num, "heading": s.heading, "text": s.text, "level": s.level,
            "children": [section_to_dict(c) for c in s.children]}


def section_from_dict(d: dict) -> Section:
    return Section(key=d["key"], num=d.get("num", ""), heading=d.get("heading", ""), text=d.get("text", ""),
                   level=d.get("level", "section"), children=[section_from_dict(c) for c in d.get("children", [])])


def billtext_to_dict(t: BillText) -> dict:
    return {"bill_id": t.bill_id, "version_code": t.version_code, "stage": t.stage,
            "date": t.date.isoformat() if t.date else None, "title": t.title, "short_title": t.short_title,
            "schema": t.schema, "sections": [section_to_dict(s) for s in t.sections]}


def billtext_from_dict(d: dict) -> BillText:
    return BillText(bill_id=d["bill_id"], version_code=d["version_code"], stage=d.get("stage", ""),
                    date=date.fromisoformat(d["date"]) if d.get("date") else None, title=d.get("title", ""),
                    short_title=d.get("short_title", ""), schema=d.get("schema", "billdtd"),
                    sections=[section_from_dict(s) for s in d.get("sections", [])])
