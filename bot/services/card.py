"""The bill status card: plain data (no Slack, no terminal) built from the stored record, fetching a
bill that is not stored yet on demand."""

from __future__ import annotations

import logging
from collections import Counter

from bot.services.context import Context
from bot.services.pipeline import build_source, make_session, post_process
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
    changes = ctx.repo.record([record, *docs], ctx.analyzer)
    post_process(ctx, changes)


def bill_card(ctx: Context, text: str, *, fetch: bool = True) -> dict:
    """The status card of the bill named by ``text`` (any accepted id form)."""
    bill = parse_bill_id(text, today=ctx.today())
    data = ctx.repo.bill(str(bill))
    if data is None and fetch:
        fetch_bill(ctx, bill)
        data = ctx.repo.bill(str(bill))
    if data is None:
        raise NotFound(f"{bill.display} is not stored and could not be fetched")
    return card_from(ctx.repo, bill, data)


def card_from(repo: Repo, bill: BillId, data: dict) -> dict:
    active = [c for c in data["cosponsors"] if not c["withdrawn"]]
    parties = Counter(c["party"] or "?" for c in active)
    reached = {s["stage"]: s["date"] for s in data["stages"]}
    track = stage_names.RESOLUTION_TRACK if bill.is_resolution else stage_names.BILL_TRACK
    last = repo.changes(bill_id=str(bill), limit=1, newest_first=True, kinds=["text_version", "stage", "action",
                                                                             "summary", "cosponsors"])
    last_change = None
    if last:
        summary = repo.summary(last[0].summary_id) if last[0].summary_id else None
        last_change = {"headline": last[0].headline, "date": last[0].change_date,
                       "summary": summary["text"] if summary else None}
    related = []
    for r in data["related"]:
        related.append({"id": r["id"], "title": r["title"], "relationship": r["relationship"]})
    for other in repo.bills_by_short_title(data["short_title"]):
        if other != str(bill) and other not in {r["id"] for r in related}:
            related.append({"id": other, "title": data["short_title"], "relationship": "Same short title"})
    sponsor = data["sponsor"] or {}
    return {
        "id": str(bill),
        "display": bill.display,
        "title": data["title"],
        "short_title": data["short_title"],
        "stage": data["stage"] or ("Introduced" if data["introduced"] else None),
        "stages": [{"stage": s["stage"], "date": s["date"]} for s in data["stages"]],
        "track": [{"stage": s, "reached": s in reached, "date": reached.get(s)} for s in track]
        + [{"stage": s, "reached": True, "date": d} for s, d in reached.items() if s not in track],
        "latest_action": data["latest_action"],
        "sponsor": sponsor,
        "introduced": data["introduced"],
        "cosponsors": {"count": len(active), "by_party": dict(sorted(parties.items())),
                       "withdrawn": len(data["cosponsors"]) - len(active),
                       "names": [c["name"] for c in active][:20]},
        "committees": [{"name": c["name"], "code": c["code"], "chamber": c["chamber"],
                        "activities": c["activities"]} for c in data["committees"]],
        "text_versions": [{"id": t["id"], "code": t["code"], "name": t["name"], "date": t["date"], "url": t["url"]}
                          for t in data["text_versions"]],
        "related": related,
        "crs_summary": data["crs_summary"],
        "last_change": last_change,
        "votes": [{"date": a["date"], "text": a["text"], "votes": a["votes"]} for a in data["actions"] if a["votes"]],
        "links": {"congress_gov": data["url"] or bill.congress_gov_url(),
                  "govinfo": f"https://www.govinfo.gov/app/collection/bills/{bill.congress}"},
        "as_of": data["update_date"] or data["as_of"],
        "fetched_at": data["as_of"],
    }
