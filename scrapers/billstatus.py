"""govinfo BILLSTATUS XML → the same ``BillRecord`` a Congress.gov poll produces.

BILLSTATUS files (https://www.govinfo.gov/bulkdata/BILLSTATUS) carry the Congress.gov bill record
as XML, in three shapes seen in the wild: *legacy* (``billNumber``/``billType``, ``billSummaries``,
``billCommittees``), *current* (the same names, newer fields) and *future* (``number``/``type``,
``summaries/summary``, ``committees/item``). This module reads the XML with the hardened parser
(``scrapers.xmlsafe``), rebuilds the Congress.gov JSON shape of each part and hands it to the
Congress.gov parsers (``scrapers.congress_parse``), so the two sources can never disagree on
what an action, a cosponsor or a text version is.
"""

from __future__ import annotations

from lxml import etree

from scrapers import congress_parse as cp
from scrapers.errors import SourceChanged
from scrapers.records import BillRecord
from scrapers.xmlsafe import parse_xml, strip_ns

SOURCE = "billstatus"
# wrappers some shapes put between a list and its items
_WRAPPERS = {"billCommittees", "billSummaries"}
# list containers whose children repeat under another name than <item>
_LIST_CHILD = {"recordedVotes": "recordedVote", "summaries": "summary"}


def _to_py(el: etree._Element):
    """An element as JSON-like data: leaves → stripped text ("" when empty); ``<item>`` lists and
    the known repeated children → lists; other elements → dicts (a repeated tag keeps the first)."""
    children = [c for c in el if strip_ns(c.tag)]
    if not children:
        return (el.text or "").strip()
    tags = [strip_ns(c.tag) for c in children]
    name = strip_ns(el.tag)
    if all(t == "item" for t in tags) or (name in _LIST_CHILD and all(t == _LIST_CHILD[name] for t in tags)):
        return [_to_py(c) for c in children]
    if len(children) == 1 and tags[0] in _WRAPPERS:
        return _to_py(children[0])
    out: dict = {}
    for tag, child in zip(tags, children, strict=True):
        if tag in _WRAPPERS:
            value = _to_py(child)
            return value if isinstance(value, list) else [value]
        out.setdefault(tag, _to_py(child))
    return out


def _list(bill: dict, key: str) -> list | None:
    """A list part of the bill: None when the element is absent (the file says nothing), [] when empty."""
    if key not in bill:
        return None
    value = bill[key]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict):
        # e.g. <actions> with <actionTypeCounts> beside its <item>s, or a single non-item child
        items = value.get("item")
        if isinstance(items, list):
            return [v for v in items if isinstance(v, dict)]
        return [value] if value else []
    return []


def _int_or(value, default=None):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _source_code(src: dict) -> int | None:
    """The record's source system code; some files give the Senate's (0) by name only."""
    code = _int_or(src.get("code"))
    if code is not None:
        return code
    name = str(src.get("name", "")).lower()
    return 0 if name == "senate" else 9 if "library" in name else 2 if "house floor" in name \
        else 1 if name.startswith("house") else None


def _action_items(bill_el: etree._Element) -> list[dict]:
    """The bill's own ``<actions><item>``s (not those of its amendments), in Congress.gov JSON shape."""
    actions = bill_el.find("actions")
    if actions is None:
        return []
    out = []
    for item in actions.findall("item"):
        d = _to_py(item)
        if not isinstance(d, dict):
            continue
        src = d.get("sourceSystem") if isinstance(d.get("sourceSystem"), dict) else {}
        obj = {"actionDate": d.get("actionDate") or None, "text": d.get("text", ""),
               "actionCode": d.get("actionCode") or None, "type": d.get("type") or None,
               "actionTime": d.get("actionTime") or None,
               "sourceSystem": {"code": _source_code(src), "name": src.get("name", "")} if src else None,
               "recordedVotes": [v for v in (d.get("recordedVotes") or []) if isinstance(v, dict)]
               if isinstance(d.get("recordedVotes"), list) else []}
        out.append(obj)
    return out


def _sponsor(s: dict) -> dict:
    return {"bioguideId": s.get("bioguideId", ""), "fullName": s.get("fullName", "") or s.get("name", ""),
            "party": s.get("party") or None, "state": s.get("state") or None,
            "district": s.get("district") or None}


def _bill_type(value: str) -> str:
    return value.replace(".", "").replace(" ", "").lower()


def parse_billstatus(data: bytes, *, govinfo_url: str = "https://www.govinfo.gov", url: str = "") -> BillRecord:
    """One BILLSTATUS file → a ``BillRecord`` with every part the file has (absent parts stay None)."""
    root = parse_xml(data, source=SOURCE)
    if strip_ns(root.tag) != "billStatus" or root.find("bill") is None:
        raise SourceChanged(f"not a BILLSTATUS file (root <{strip_ns(root.tag)}>, expected <billStatus><bill>)",
                            source=SOURCE)
    bill_el = root.find("bill")
    bill = _to_py(bill_el)
    if not isinstance(bill, dict):
        raise SourceChanged("BILLSTATUS <bill> is empty", source=SOURCE)
    number = bill.get("number") or bill.get("billNumber")
    btype = bill.get("type") or bill.get("billType")
    congress = bill.get("congress")
    if not (number and btype and congress):
        raise SourceChanged("BILLSTATUS <bill>: missing congress, type or number", source=SOURCE)
    titles = cp.parse_titles([{"title": t.get("title", ""), "titleType": t.get("titleType", ""),
                               "chamberName": t.get("chamberName") or None,
                               "billTextVersionCode": t.get("billTextVersionCode") or None}
                              for t in _list(bill, "titles") or [] if t.get("title")])
    latest = bill.get("latestAction") if isinstance(bill.get("latestAction"), dict) else None
    policy = bill.get("policyArea") if isinstance(bill.get("policyArea"), dict) else {}
    detail = {
        "congress": _int_or(congress, congress), "type": _bill_type(str(btype)).upper(), "number": str(number),
        "title": bill.get("title") or "", "introducedDate": bill.get("introducedDate") or None,
        "originChamber": bill.get("originChamber") or None,
        "sponsors": [_sponsor(s) for s in _list(bill, "sponsors") or []],
        "policyArea": {"name": policy.get("name", "")},
        "latestAction": {"actionDate": latest.get("actionDate"), "text": latest.get("text", ""),
                         "actionTime": latest.get("actionTime") or None} if latest and latest.get("text") else None,
        "updateDate": bill.get("updateDate") or bill.get("createDate") or "",
        "updateDateIncludingText": bill.get("updateDateIncludingText") or bill.get("updateDate") or "",
    }
    detail["type"] = detail["type"].lower()
    record = cp.parse_detail({"bill": detail}, api_url=url)
    record.raw = {**detail, "source": SOURCE}
    record.actions = cp.parse_actions(_action_items(bill_el), source=SOURCE)
    cosponsors = _list(bill, "cosponsors")
    if cosponsors is not None:
        record.cosponsors = cp.parse_cosponsors([
            {**_sponsor(c), "sponsorshipDate": c.get("sponsorshipDate") or None,
             "isOriginalCosponsor": str(c.get("isOriginalCosponsor", "")).lower() == "true",
             "sponsorshipWithdrawnDate": c.get("sponsorshipWithdrawnDate") or None}
            for c in cosponsors if c.get("bioguideId")])
    committees = _list(bill, "committees")
    if committees is not None:
        record.committees = cp.parse_committees([
            {"systemCode": c.get("systemCode", ""), "name": c.get("name", ""), "chamber": c.get("chamber") or None,
             "activities": [a for a in (c.get("activities") or []) if isinstance(a, dict)]
             if isinstance(c.get("activities"), list) else []}
            for c in committees if c.get("systemCode")])
    versions = _list(bill, "textVersions")
    if versions is not None:
        record.text_versions = cp.parse_text_versions([
            {"type": v.get("type", ""), "date": v.get("date") or None,
             "formats": [f for f in (v.get("formats") or []) if isinstance(f, dict)]
             if isinstance(v.get("formats"), list) else []}
            for v in versions], govinfo_url)
    related = _list(bill, "relatedBills")
    if related is not None:
        record.related = cp.parse_related([
            {"congress": r.get("congress"), "type": _bill_type(str(r.get("type", ""))), "number": r.get("number"),
             "title": r.get("title") or r.get("latestTitle") or "",
             "relationshipDetails": r.get("relationshipDetails") if isinstance(r.get("relationshipDetails"), list)
             else []}
            for r in related if r.get("number") and r.get("type")])
    summaries = _list(bill, "summaries")
    if summaries is not None:
        record.summaries = cp.parse_summaries([
            {"versionCode": s.get("versionCode", ""), "actionDate": s.get("actionDate") or None,
             "actionDesc": s.get("actionDesc", ""), "text": s.get("text", ""),
             "updateDate": s.get("updateDate", "")}
            for s in summaries if s.get("versionCode") is not None])
    record.titles = titles
    record.short_title = cp.short_title_from_titles(titles)
    return record
