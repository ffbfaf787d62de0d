"""The bill status card: typed data (no Slack, no terminal) built from the stored record in one read,
fetching a bill that is not stored yet on demand. ``BillCard.to_dict()`` is ``bill --json``; the
Slack and terminal renderings read the same fields."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from bot.services.context import Context
from bot.services.ended import ended_info
from bot.services.pipeline import build_source, make_session
from scrapers import stage_names
from scrapers.errors import NotFound
from scrapers.ids import BillId, parse_bill_id
from storage.repo import Repo

log = logging.getLogger(__name__)


def fetch_bill(ctx: Context, bill: BillId) -> None:
    """Fetch one bill (detail, parts, text versions) from Congress.gov/govinfo and record it."""
    session = make_session(ctx, "congress")
    try:
        source = build_source(ctx, "congress", session)
        record = source.client.bill(bill)          # NotFound when Congress.gov does not know it
        docs = []
        for v in record.text_versions or []:
            if not v.xml_url:
                continue
            try:
                docs.append(source.govinfo.bill_text_document(str(bill), v.code, url=v.xml_url, when=v.date,
                                                              name=v.name))
            except NotFound:
                log.info("%s: text %s not on govinfo yet", bill, v.code)
        if not record.short_title:
            record.short_title = next((d.meta.get("short_title") for d in docs if d.meta.get("short_title")), "")
    finally:
        session.close()
    ctx.repo.record([record, *docs], ctx.analyzer)     # graded and alerted by the next poll's routing


@dataclass
class StagePoint:
    stage: str
    date: date | None


@dataclass
class TrackPoint:
    stage: str
    reached: bool
    date: date | None


@dataclass
class LatestAction:
    date: date | None
    text: str


@dataclass
class Cosponsors:
    count: int
    by_party: dict[str, int]
    withdrawn: int
    names: list[str]


@dataclass
class Committee:
    name: str
    code: str
    chamber: str | None
    activities: list


@dataclass
class TextVersionRef:
    id: str
    code: str
    name: str | None
    date: date | None
    url: str | None


@dataclass
class RelatedRef:
    id: str
    title: str | None
    relationship: str | None


@dataclass
class LastChange:
    headline: str
    date: date | None
    summary: str | None


@dataclass
class Vote:
    date: date | None
    text: str
    votes: list


@dataclass
class Links:
    congress_gov: str
    govinfo: str


@dataclass
class BillCard:
    """Where a bill stands, as the stored record says; ``to_dict`` gives the contract's keys."""

    id: str
    display: str
    title: str
    short_title: str
    stage: str | None
    stages: list[StagePoint]
    track: list[TrackPoint]
    latest_action: LatestAction | None
    sponsor: dict[str, Any]
    introduced: date | None
    cosponsors: Cosponsors
    committees: list[Committee]
    text_versions: list[TextVersionRef]
    related: list[RelatedRef]
    crs_summary: str | None
    last_change: LastChange | None
    votes: list[Vote]
    links: Links
    as_of: Any
    fetched_at: datetime | None
    # the bill's Congress ended without enacting it: {"congress": 118, "date": …, "last_stage": …}
    ended: dict[str, Any] | None = None
    # which text the CRS summary describes: {"version": "Introduced in House", "date": …,
    # "older_than": "Engrossed in House" (the latest text, when the summary predates it) or None}
    crs_summary_of: dict[str, Any] | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> BillCard:
        """The card back from its ``to_dict`` form (``bill --json``)."""
        la, lc = d.get("latest_action"), d.get("last_change")
        return cls(
            id=d["id"], display=d["display"], title=d.get("title") or "", short_title=d.get("short_title") or "",
            stage=d.get("stage"), stages=[StagePoint(**s) for s in d.get("stages") or []],
            track=[TrackPoint(**t) for t in d.get("track") or []],
            latest_action=LatestAction(**la) if la else None, sponsor=d.get("sponsor") or {},
            introduced=d.get("introduced"), cosponsors=Cosponsors(**d["cosponsors"]),
            committees=[Committee(**c) for c in d.get("committees") or []],
            text_versions=[TextVersionRef(**t) for t in d.get("text_versions") or []],
            related=[RelatedRef(**r) for r in d.get("related") or []], crs_summary=d.get("crs_summary"),
            last_change=LastChange(**lc) if lc else None, votes=[Vote(**v) for v in d.get("votes") or []],
            links=Links(**d["links"]), as_of=d.get("as_of"), fetched_at=d.get("fetched_at"), ended=d.get("ended"),
            crs_summary_of=d.get("crs_summary_of"))

    def crs_label(self) -> str:
        """``CRS summary of Introduced in House (2025-04-07) — older than the latest text, …``."""
        of = self.crs_summary_of or {}
        if not of.get("version"):
            return "CRS summary"
        label = f"CRS summary of {of['version']}" + (f" ({of['date']})" if of.get("date") else "")
        if of.get("older_than"):
            label += f" — older than the latest text, {of['older_than']}"
        return label

    def stage_date(self) -> date | None:
        return next((s.date for s in reversed(self.stages) if s.stage == self.stage), None)


def bill_card(ctx: Context, text: str, *, fetch: bool = True) -> BillCard:
    """The status card of the bill named by ``text`` (any accepted id form), read in one transaction.
    A bill not stored yet is fetched and recorded; its changes are routed by the next poll."""
    bill = parse_bill_id(text, today=ctx.today())
    card = read_card(ctx.repo, bill, today=ctx.today())
    if card is None and fetch:
        fetch_bill(ctx, bill)
        card = read_card(ctx.repo, bill, today=ctx.today())
    if card is None:
        raise NotFound(f"{bill.display} is not stored and could not be fetched")
    return card


def read_card(repo: Repo, bill: BillId, *, today: date) -> BillCard | None:
    """The card from one consistent read of the stored record, or None when the bill is not stored.
    ``today`` (the context's clock) says whether the bill's Congress has ended."""
    with repo.snapshot():
        data = repo.bill(str(bill))
        return card_from(repo, bill, data, today=today) if data is not None else None


def card_from(repo: Repo, bill: BillId, data: dict, *, today: date) -> BillCard:
    """The card from ``Repo.bill`` data (plus the bill's latest change and same-title bills)."""
    with repo.snapshot():
        return _card(repo, bill, data, today)


def _card(repo: Repo, bill: BillId, data: dict, today: date) -> BillCard:
    active = [c for c in data["cosponsors"] if not c["withdrawn"]]
    parties = Counter(c["party"] or "?" for c in active)
    reached = {s["stage"]: s["date"] for s in data["stages"]}
    track = stage_names.RESOLUTION_TRACK if bill.is_resolution else stage_names.bill_track(bill.chamber)
    last = repo.changes(bill_id=str(bill), limit=1, newest_first=True, kinds=["text_version", "stage", "action",
                                                                             "summary", "cosponsors"])
    last_change = None
    if last:
        summary = repo.summary(last[0].summary_id) if last[0].summary_id else None
        last_change = LastChange(last[0].headline, last[0].change_date, summary["text"] if summary else None)
    related = [RelatedRef(r["id"], r["title"], r["relationship"]) for r in data["related"]]
    for other in repo.bills_by_short_title(data["short_title"]):
        if other != str(bill) and other not in {r.id for r in related}:
            related.append(RelatedRef(other, data["short_title"], "Same short title"))
    la = data["latest_action"]
    stage = data["stage"] or ("Introduced" if data["introduced"] else None)
    return BillCard(
        id=str(bill), display=bill.display, title=data["title"], short_title=data["short_title"],
        stage=stage, ended=ended_info(bill.congress, stage, today),
        stages=[StagePoint(s["stage"], s["date"]) for s in data["stages"]],
        track=[TrackPoint(s, s in reached, reached.get(s)) for s in track]
        + [TrackPoint(s, True, d) for s, d in reached.items() if s not in track],
        latest_action=LatestAction(la["date"], la["text"]) if la else None,
        sponsor=data["sponsor"] or {}, introduced=data["introduced"],
        cosponsors=Cosponsors(len(active), dict(sorted(parties.items())), len(data["cosponsors"]) - len(active),
                              [c["name"] for c in active][:20]),
        committees=[Committee(c["name"], c["code"], c["chamber"], c["activities"]) for c in data["committees"]],
        text_versions=[TextVersionRef(t["id"], t["code"], t["name"], t["date"], t["url"])
                       for t in data["text_versions"]],
        related=related, crs_summary=data["crs_summary"], last_change=last_change,
        votes=[Vote(a["date"], a["text"], a["votes"]) for a in data["actions"] if a["votes"]],
        links=Links(data["url"] or bill.congress_gov_url(),
                    f"https://www.govinfo.gov/app/collection/bills/{bill.congress}"),
        as_of=data["update_date"] or data["as_of"], fetched_at=data["as_of"],
        crs_summary_of=_crs_version(repo, bill, data) if data["crs_summary"] else None)


def _crs_version(repo: Repo, bill: BillId, data: dict) -> dict[str, Any] | None:
    """Which version the stored CRS summary describes, and the latest text when it is newer."""
    summaries = [d for d in repo.documents("summary", children_of=("bill", str(bill))) if d.get("meta")]
    if not summaries:
        return None
    latest = summaries[-1]
    of = {"version": latest["meta"].get("action_desc") or latest["meta"].get("version_code"),
          "date": latest["date"], "older_than": None}
    texts = [t for t in data["text_versions"] if t.get("date")]
    if texts and latest["date"]:
        newest = max(texts, key=lambda t: t["date"])
        if newest["date"] > latest["date"]:
            of["older_than"] = f"{newest['name']} ({newest['date']})"
    return of
