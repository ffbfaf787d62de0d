"""Pure parsing of Congress.gov API v3 JSON into the records of ``scrapers.records``.

Strict where it matters: a payload missing a key the bot relies on raises ``SourceChanged``
naming the key and the resource (never a bare ``KeyError``). Tolerant of the real quirks:
empty text-version items, duplicate LOC/chamber actions for one event, HTML in summaries,
date-only or timestamped dates.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

from scrapers.errors import BadBillId, SourceChanged
from scrapers.ids import BillId, parse_bill_id
from scrapers.records import (
    ActionRecord,
    BillRecord,
    CommitteeRecord,
    CosponsorRecord,
    RelatedBillRecord,
    SummaryRecord,
    TextVersionRecord,
    UpdatedBill,
)

log = logging.getLogger(__name__)
SOURCE = "congress"
_FILE_RE = re.compile(r"BILLS-(\d{2,3})([a-z]+?)(\d+)([a-z]{2,4}\d?)\.(?:xml|htm|html|pdf|txt)$", re.I)
# LOC "summary" prefixes that restate a chamber's own action text
_LOC_PREFIX = re.compile(r"^(passed/agreed to in (house|senate)|failed of passage/not agreed to in "
                         r"(house|senate)|resolving differences -+ (house|senate) actions"
                         r"|conference report agreed to in (house|senate)"
                         r"|passed (house|senate) over veto|failed (house|senate) over veto"
                         r"|vetoed by president|cleared for white house):\s*", re.I)
_SHORT_TITLE_ORDER = ("as enacted", "as passed senate", "as passed house", "as reported to senate",
                      "as reported to house", "as introduced")


def need(obj: Any, key: str, where: str) -> Any:
    """``obj[key]`` or ``SourceChanged`` saying which key of which resource is missing."""
    if not isinstance(obj, dict):
        raise SourceChanged(f"Congress.gov {where}: expected an object, got {type(obj).__name__}", source=SOURCE)
    if key not in obj or obj[key] is None:
        raise SourceChanged(f"Congress.gov {where}: missing {key!r} (the API response changed shape)",
                            source=SOURCE)
    return obj[key]


def need_list(obj: Any, key: str, where: str) -> list:
    value = need(obj, key, where)
    if not isinstance(value, list):
        raise SourceChanged(f"Congress.gov {where}: {key!r} is not a list", source=SOURCE)
    return value


def to_date(value: Any) -> date | None:
    """``2021-01-06`` / ``2021-01-06T05:00:00Z`` → ``date(2021, 1, 6)``; None/blank → None."""
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def iso_z(value: str) -> str:
    """Normalise an API timestamp to ``YYYY-MM-DDTHH:MM:SSZ`` (a bare date means midnight)."""
    value = (value or "").strip()
    if len(value) == 10:
        return value + "T00:00:00Z"
    return value.replace("+00:00", "Z")


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "li", "br", "h1", "h2", "h3", "h4", "tr", "ul", "ol", "pre", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """CRS summary HTML (possibly invalid) → plain text, one paragraph per line."""
    parser = _TextExtractor()
    parser.feed(markup or "")
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def bill_id_of(obj: dict, where: str) -> BillId:
    """Canonical id from an object with ``congress``, ``type``, ``number``."""
    congress, btype, number = need(obj, "congress", where), need(obj, "type", where), need(obj, "number", where)
    try:
        return parse_bill_id(f"{str(btype).lower()}{number}-{congress}")
    except BadBillId:
        raise SourceChanged(f"Congress.gov {where}: unreadable bill id {btype} {number} ({congress})",
                            source=SOURCE) from None


def _action_from(obj: dict, where: str) -> ActionRecord:
    when = to_date(need(obj, "actionDate", where))
    if when is None:
        raise SourceChanged(f"Congress.gov {where}: unreadable actionDate {obj.get('actionDate')!r}", source=SOURCE)
    return ActionRecord(date=when, text=" ".join(str(need(obj, "text", where)).split()), time=obj.get("actionTime"))


def parse_latest_action(obj: dict | None) -> ActionRecord | None:
    if not obj or not obj.get("actionDate"):
        return None
    return _action_from(obj, "latestAction")


def parse_detail(data: dict, api_url: str = "") -> BillRecord:
    """``GET /bill/{c}/{t}/{n}`` → a ``BillRecord`` without sub-resources (they stay None)."""
    bill = need(data, "bill", "bill detail")
    bid = bill_id_of(bill, "bill detail")
    need(bill, "title", "bill detail")
    sponsors = bill.get("sponsors") or []
    sponsor = {}
    if sponsors:
        s = sponsors[0]
        sponsor = {"bioguide_id": s.get("bioguideId", ""), "name": s.get("fullName", ""),
                   "party": s.get("party"), "state": s.get("state"),
                   "district": None if s.get("district") is None else str(s.get("district"))}
    return BillRecord(
        bill_id=str(bid), congress=bid.congress, type=bid.type, number=bid.number,
        title=str(bill["title"]), introduced=to_date(bill.get("introducedDate")),
        origin_chamber=bill.get("originChamber"), sponsor=sponsor,
        policy_area=(bill.get("policyArea") or {}).get("name", "") or "",
        latest_action=parse_latest_action(bill.get("latestAction")),
        update_date=iso_z(str(need(bill, "updateDate", "bill detail"))),
        update_date_including_text=iso_z(str(bill.get("updateDateIncludingText") or bill["updateDate"])),
        url=bid.congress_gov_url(), api_url=api_url, raw=bill)


def detail_counts(raw: dict) -> dict[str, int]:
    """Sub-resource counts from the detail's ``{count, url}`` stubs (missing stub → absent)."""
    counts = {}
    for key in ("actions", "textVersions", "summaries", "cosponsors", "committees", "relatedBills", "titles"):
        stub = raw.get(key)
        if isinstance(stub, dict) and isinstance(stub.get("count"), int):
            counts[key] = stub["count"]
    return counts


def _source_chamber(obj: dict) -> str | None:
    code = (obj.get("sourceSystem") or {}).get("code")
    return {0: "Senate", 1: "House", 2: "House"}.get(code)


def _dedupe_key(a: ActionRecord) -> tuple[date, str]:
    text = _LOC_PREFIX.sub("", a.text).lower()
    text = re.sub(r"\s*\(\s*", " (", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    return a.date, text


def parse_actions(items: list, *, source: str = SOURCE) -> list[ActionRecord]:
    """``actions[]`` → chronological ``ActionRecord``s, LOC/chamber duplicates of one event merged.

    The merged record keeps the chamber's wording and time as ``text`` (its key is what it was
    before the merge kept both) and carries every record's code in ``codes`` and every wording in
    ``texts``, so a classifier can read the LOC code (8000, 17000) and the LOC summary wording as
    well as the chamber's. An action with an empty text is logged and left out (it carries nothing
    to classify and has nothing to show); it never fails the list.
    """
    parsed: list[ActionRecord] = []
    for i, obj in enumerate(items):
        where = f"actions[{i}]"
        if isinstance(obj, dict) and obj.get("actionDate") and not " ".join(str(obj.get("text") or "").split()):
            log.warning("%s %s: action of %s with an empty text (code %s) left out", source, where,
                        obj.get("actionDate"), obj.get("actionCode") or "none")
            continue
        a = _action_from(obj, where)
        a.code = obj.get("actionCode") or None
        a.codes = [a.code] if a.code else []
        a.texts = [a.text]
        a.type = obj.get("type")
        a.chamber = _source_chamber(obj)
        a.votes = [v for v in (obj.get("recordedVotes") or []) if isinstance(v, dict)]
        a.source = source
        parsed.append(a)
    if not (len(parsed) > 1 and parsed[0].date < parsed[-1].date):
        parsed.reverse()                  # the API and BILLSTATUS list newest first
    merged: dict[tuple, ActionRecord] = {}
    order: list[tuple] = []
    for a in parsed:
        key = _dedupe_key(a)
        if key not in merged:
            merged[key] = a
            order.append(key)
            continue
        kept = merged[key]
        loc_code = next((c for c in (kept.code, a.code) if c and c.isdigit()), None)
        codes = list(dict.fromkeys(kept.codes + a.codes))
        texts = list(dict.fromkeys(kept.texts + a.texts))
        if kept.chamber is None and a.chamber is not None:   # prefer the chamber's own entry
            a.votes = a.votes or kept.votes
            merged[key] = kept = a
        kept.code = loc_code or kept.code or a.code
        kept.codes, kept.texts = codes, texts
        kept.time = kept.time or a.time
        kept.votes = kept.votes or a.votes
    out = [merged[k] for k in order]
    out.sort(key=lambda x: x.date)        # stable: same-day order as the source gave it
    return out


def version_code_from_url(url: str) -> tuple[str, str] | None:
    """``…/BILLS-117hr21rfs.xml`` → ``("117hr21rfs", "rfs")``; None when the name has no version."""
    m = _FILE_RE.search(url or "")
    if not m:
        return None
    return f"{m.group(1)}{m.group(2).lower()}{m.group(3)}{m.group(4).lower()}", m.group(4).lower()


GOVINFO_PUBLIC = "https://www.govinfo.gov"   # the address people open: stored and shown, whatever base is fetched


def govinfo_xml_url(govinfo_url: str, stem: str) -> str:
    """``https://www.govinfo.gov/content/pkg/BILLS-{stem}/xml/BILLS-{stem}.xml``."""
    return f"{govinfo_url.rstrip('/')}/content/pkg/BILLS-{stem}/xml/BILLS-{stem}.xml"


def parse_text_versions(items: list, govinfo_url: str) -> list[TextVersionRecord]:
    """``textVersions[]`` → records; items without formats (real quirk) are skipped."""
    out: list[TextVersionRecord] = []
    seen: set[str] = set()
    for i, obj in enumerate(items):
        if not isinstance(obj, dict):
            raise SourceChanged(f"Congress.gov textVersions[{i}]: not an object", source=SOURCE)
        formats = {f.get("type", ""): f.get("url", "") for f in (obj.get("formats") or []) if isinstance(f, dict)}
        found = next((version_code_from_url(u) for u in formats.values() if version_code_from_url(u)), None)
        if not found:
            continue
        stem, code = found
        if code in seen:
            continue
        seen.add(code)
        out.append(TextVersionRecord(code=code, name=str(obj.get("type") or ""), date=to_date(obj.get("date")),
                                     xml_url=govinfo_xml_url(govinfo_url, stem), formats=formats))
    out.sort(key=lambda v: (v.date or date.min))
    return out


def parse_summaries(items: list) -> list[SummaryRecord]:
    out = []
    for i, obj in enumerate(items):
        where = f"summaries[{i}]"
        out.append(SummaryRecord(version_code=str(need(obj, "versionCode", where)),
                                 action_date=to_date(obj.get("actionDate")), action_desc=obj.get("actionDesc") or "",
                                 text=html_to_text(str(need(obj, "text", where))),
                                 update_date=obj.get("updateDate") or ""))
    out.sort(key=lambda s: (s.action_date or date.min, s.version_code))
    return out


def parse_cosponsors(items: list) -> list[CosponsorRecord]:
    out = []
    for i, obj in enumerate(items):
        where = f"cosponsors[{i}]"
        out.append(CosponsorRecord(
            bioguide_id=str(need(obj, "bioguideId", where)), name=str(need(obj, "fullName", where)),
            party=obj.get("party"), state=obj.get("state"),
            district=None if obj.get("district") is None else str(obj["district"]),
            sponsorship_date=to_date(obj.get("sponsorshipDate")), original=bool(obj.get("isOriginalCosponsor")),
            withdrawn_date=to_date(obj.get("sponsorshipWithdrawnDate"))))
    return out


def parse_committees(items: list) -> list[CommitteeRecord]:
    out = []
    for i, obj in enumerate(items):
        where = f"committees[{i}]"
        acts = [(a.get("name", ""), to_date(a.get("date"))) for a in (obj.get("activities") or [])
                if isinstance(a, dict)]
        out.append(CommitteeRecord(system_code=str(need(obj, "systemCode", where)), name=str(need(obj, "name", where)),
                                   chamber=obj.get("chamber"), activities=acts))
    return out


def parse_related(items: list) -> list[RelatedBillRecord]:
    out = []
    for i, obj in enumerate(items):
        where = f"relatedBills[{i}]"
        bid = bill_id_of(obj, where)
        details = [d for d in (obj.get("relationshipDetails") or []) if isinstance(d, dict)]
        out.append(RelatedBillRecord(
            bill_id=str(bid), title=obj.get("title") or "",
            relationship="; ".join(dict.fromkeys(d.get("type", "") for d in details if d.get("type"))) or "Related bill",
            identified_by=", ".join(dict.fromkeys(d.get("identifiedBy", "") for d in details if d.get("identifiedBy")))))
    return out


def parse_titles(items: list) -> list[dict]:
    out = []
    for i, obj in enumerate(items):
        where = f"titles[{i}]"
        out.append({"title": " ".join(str(need(obj, "title", where)).split()),
                    "type": str(need(obj, "titleType", where)),
                    "chamber": obj.get("chamberName"), "version_code": obj.get("billTextVersionCode")})
    return out


def short_title_from_titles(titles: list[dict]) -> str:
    """The most advanced short title: enacted > passed > reported > introduced ("" when none)."""
    shorts = [t for t in titles if t["type"].lower().startswith("short title")]
    for stage in _SHORT_TITLE_ORDER:
        for t in shorts:
            if stage in t["type"].lower() and t["title"]:
                return t["title"]
    return shorts[0]["title"] if shorts else ""


def parse_list_row(obj: dict, i: int = 0) -> UpdatedBill:
    """One row of ``GET /bill/{congress}`` → ``UpdatedBill``."""
    where = f"bills[{i}]"
    bid = bill_id_of(obj, where)
    update = iso_z(str(need(obj, "updateDate", where)))
    return UpdatedBill(bill_id=str(bid), title=" ".join(str(obj.get("title") or "").split()), update_date=update,
                       update_date_including_text=iso_z(str(obj.get("updateDateIncludingText") or "")) or "",
                       latest_action=parse_latest_action(obj.get("latestAction")))
