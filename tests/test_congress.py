"""Congress.gov: parsers on real API responses, and ``CongressSource.poll`` end to end through the
government sandbox (real HTTP on 127.0.0.1) — first poll, quiet poll, a changed bill, faults."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scrapers import congress_parse as cp
from scrapers.congress import CongressClient, CongressSource, known_entry, parts_to_refetch
from scrapers.errors import HostileContent, NotFound, SourceChanged, SourceRateLimited, SourceUnavailable
from scrapers.govinfo import GovinfoClient
from scrapers.http import PoliteSession
from scrapers.records import (
    BILL,
    BILL_TEXT,
    CONGRESSIONAL_RECORD,
    BillRecord,
    CursorUpdate,
    DocumentRecord,
    SourceNote,
    Watch,
)

DATA = Path(__file__).parent / "data" / "congress"
SANDBOX_DATA = Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "data"
KEY = "test-key-5f2a9c"
NOW = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)
WATCHED = ["hr2683-119", "s3519-119", "hr8152-118"]


def fixture(name: str) -> dict:
    return json.loads((DATA / name).read_text())


# ---- parsers on the real 117th H.R. 21 responses ------------------------------------------

class TestParsers:
    def test_detail(self):
        rec = cp.parse_detail(fixture("congressgov-bill-detail-117-hr-21.json"))
        assert (rec.bill_id, rec.congress, rec.type, rec.number) == ("hr21-117", 117, "hr", 21)
        assert rec.title == "FedRAMP Authorization Act" and rec.introduced == date(2021, 1, 4)
        assert rec.sponsor == {"bioguide_id": "C001078", "name": "Rep. Connolly, Gerald E. [D-VA-11]", "party": "D",
                               "state": "VA", "district": "11"}
        assert rec.latest_action.date == date(2021, 1, 6)
        assert rec.update_date == rec.update_date_including_text == "2022-03-25T01:16:59Z"   # old payload: no …IncludingText
        assert rec.url == "https://www.congress.gov/bill/117th-congress/house-bill/21"
        assert rec.actions is None and rec.text_versions is None                             # not fetched
        assert cp.detail_counts(rec.raw)["cosponsors"] == 2

    def test_actions_are_chronological_and_loc_duplicates_merged(self):
        actions = cp.parse_actions(fixture("congressgov-bill-actions-117-hr-21.json")["actions"])
        assert len(actions) == 8                      # 10 entries: "Introduced" twice, passage twice
        assert [a.text for a in actions[:2]] == ["Introduced in House", "Referred to the House Committee on Oversight and Reform."]
        passage = [a for a in actions if "suspend the rules and pass" in a.text and "moved" not in a.text]
        assert len(passage) == 1
        assert passage[0].text.startswith("On motion to suspend")       # the chamber's wording…
        assert passage[0].code == "8000" and passage[0].chamber == "House"   # …with the LOC code
        assert actions[-1].chamber == "Senate" and actions[-1].date == date(2021, 1, 6)

    def test_text_versions_point_at_govinfo(self):
        items = fixture("congressgov-bill-text-versions-117-hr-21.json")["textVersions"]
        items.append({"date": None, "formats": [], "type": None})          # empty item (real quirk)
        versions = cp.parse_text_versions(items, "https://www.govinfo.gov")
        assert [v.code for v in versions] == ["ih", "eh", "rfs"]
        assert versions[2].xml_url == "https://www.govinfo.gov/content/pkg/BILLS-117hr21rfs/xml/BILLS-117hr21rfs.xml"
        assert versions[2].name == "Referred in Senate" and versions[2].date == date(2021, 1, 6)
        assert not any("congress.gov" in v.xml_url for v in versions)

    def test_summaries_html_becomes_plain_text(self):
        s = cp.parse_summaries(fixture("congressgov-bill-summaries-117-hr-21.json")["summaries"])
        assert [x.version_code for x in s] == ["00", "53"]
        assert "<" not in s[0].text and s[0].text.startswith("Federal Risk and Authorization Management Program")
        assert len(s[0].text.splitlines()) == 5
        assert cp.html_to_text("<p>A &amp; B<p>broken <b>html") == "A & B\nbroken html"

    def test_cosponsors_committees_related_titles(self):
        cos = cp.parse_cosponsors(fixture("congressgov-bill-cosponsors-117-hr-21.json")["cosponsors"])
        assert [(c.bioguide_id, c.original, c.district) for c in cos] == [("C001108", True, "1"), ("H001071", True, "10")]
        com = cp.parse_committees(fixture("congressgov-bill-committees-117-hr-21.json")["committees"])
        assert {c.system_code for c in com} == {"ssga00", "hsgo00"}
        assert com[1].activities == [("Referred to", date(2021, 1, 4))]
        rel = cp.parse_related(fixture("congressgov-bill-relatedbills-117-hr-21.json")["relatedBills"])
        assert (rel[0].bill_id, rel[0].relationship, rel[0].identified_by) == ("s3099-117", "Related bill", "CRS")
        titles = cp.parse_titles(fixture("congressgov-bill-titles-117-hr-21.json")["titles"])
        assert cp.short_title_from_titles(titles) == "FedRAMP Authorization Act"

    def test_list_rows(self):
        rows = [cp.parse_list_row(r, i) for i, r in enumerate(fixture("congressgov-bill-list-117-hr.json")["bills"])]
        assert rows[0].bill_id == "hr3617-117" and rows[0].title == "MORE Act"
        assert rows[0].update_date == "2022-04-03T00:00:00Z"

    def test_missing_keys_raise_source_changed(self):
        with pytest.raises(SourceChanged, match="missing 'bill'"):
            cp.parse_detail({"request": {}})
        broken = fixture("congressgov-bill-actions-117-hr-21.json")["actions"]
        del broken[3]["actionDate"]
        with pytest.raises(SourceChanged, match=r"actions\[3\].*actionDate"):
            cp.parse_actions(broken)
        with pytest.raises(SourceChanged):
            cp.parse_list_row({"congress": 119, "type": "HR"})


# ---- the source, through the sandbox ------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled sandbox data that a test may edit."""
    target = tmp_path / "gov"
    shutil.copytree(SANDBOX_DATA, target)
    return target


@pytest.fixture
def sb(gov_sandbox_factory, data_dir):
    return gov_sandbox_factory(data_dir)


def make_source(sb, *, now=NOW, demo=False, retries=0, timeout=5.0) -> CongressSource:
    urls = sb.base_urls()
    key = "DEMO_KEY" if demo else KEY
    session = PoliteSession(source="congress", timeout=timeout, retries=retries, backoff=0.01, secrets=[key])
    client = CongressClient(session, urls["congress_api_url"], key)
    govinfo = GovinfoClient(session, urls["govinfo_url"], urls["govinfo_api_url"], key)
    return CongressSource(client, govinfo, demo_key=demo, now=lambda: now)


def split(items):
    bills = [i for i in items if isinstance(i, BillRecord)]
    docs = [i for i in items if isinstance(i, DocumentRecord)]
    notes = [i for i in items if isinstance(i, SourceNote)]
    cursors = [i for i in items if isinstance(i, CursorUpdate)]
    return bills, docs, notes, cursors


def known_after(items) -> dict:
    bills, docs, _, _ = split(items)
    codes: dict[str, list[str]] = {}
    for d in docs:
        if d.kind == BILL_TEXT:
            codes.setdefault(d.parent[1], []).append(d.external_id.rsplit("-", 1)[1])
    return {b.bill_id: known_entry(b, codes.get(b.bill_id, [])) for b in bills}


def edit_json(path: Path, fn) -> None:
    data = json.loads(path.read_text())
    fn(data)
    path.write_text(json.dumps(data))


def test_first_poll_yields_every_watched_bill_with_all_parts(sb):
    items = list(make_source(sb).poll(Watch(bills=WATCHED, terms=["remote access"]), {}))
    bills, docs, notes, cursors = split(items)
    assert [b.bill_id for b in bills] == WATCHED and notes == []
    hr = bills[0]
    assert hr.short_title == "Remote Access Security Act" and hr.sponsor["bioguide_id"] == "L000599"
    assert [v.code for v in hr.text_versions] == ["ih", "eh", "rfs"]
    assert all(getattr(hr, part) is not None for part in ("actions", "cosponsors", "committees", "related",
                                                         "summaries", "titles"))
    assert {c.system_code for c in hr.committees} == {"hsfa00", "ssbk00"}
    assert any("369 - 22" in a.text for a in hr.actions)
    texts = [d for d in docs if d.kind == BILL_TEXT]
    assert [d.external_id for d in texts] == ["hr2683-119-ih", "hr2683-119-eh", "hr2683-119-rfs", "s3519-119-is",
                                             "hr8152-118-ih", "hr8152-118-rfs"]
    eh = texts[1]
    assert eh.parent == (BILL, "hr2683-119") and eh.date == date(2026, 1, 12)
    assert eh.url == "https://www.govinfo.gov/content/pkg/BILLS-119hr2683eh/xml/BILLS-119hr2683eh.xml"   # shown
    assert eh.fetched_url.endswith("/govinfo/content/pkg/BILLS-119hr2683eh/xml/BILLS-119hr2683eh.xml")  # sandbox
    assert eh.content["version_code"] == "eh" and eh.passages[0].anchor == "sec. 1"
    assert "purposeful, knowing, reckless, or negligent" in eh.text
    # each BillRecord comes before its own text versions
    assert items.index(hr) < items.index(texts[0]) < items.index(bills[1])
    discovered = [d for d in docs if d.kind == BILL]
    assert [(d.external_id, d.meta["discovery"]) for d in discovered] == [("hr7010-119", {"term": "remote access"})]
    crec = [d for d in docs if d.kind == CONGRESSIONAL_RECORD]
    assert [(d.external_id, d.meta["pages"], d.parent) for d in crec] == [
        ("CREC-2026-01-12-pt1-PgH621-5", "H621-H623", (BILL, "hr2683-119"))]
    assert cursors == [items[-1]]
    assert cursors[0].cursor == {"since": "2026-01-14T09:05:12Z", "crec_since": "2026-01-13"}
    # the key went to the APIs as api_key, never to the govinfo content host
    api = [r for r in sb.requests if r.path.startswith("/congress/")]
    assert all(r.query.get("api_key") == [KEY] and r.query.get("format") == ["json"] for r in api)
    assert all("api_key" not in r.query for r in sb.requests if r.path.startswith("/govinfo/"))
    listing = next(r for r in sb.requests if r.path == "/congress/v3/bill/119")
    assert listing.query["fromDateTime"] == ["2026-01-13T12:00:00Z"] and listing.query["sort"] == ["updateDate+asc"]


def test_quiet_second_poll_yields_no_bill_and_makes_few_requests(sb):
    source = make_source(sb)
    watch = Watch(bills=WATCHED, terms=["remote access"])
    first = list(source.poll(watch, {}))
    cursor = first[-1].cursor
    watch.known = known_after(first)
    sb.reset_log()
    later = datetime(2026, 1, 14, 12, 30, tzinfo=UTC)
    items = list(make_source(sb, now=later).poll(watch, cursor))
    bills, docs, notes, cursors = split(items)
    assert bills == [] and [d.kind for d in docs] == [BILL]          # only the discovery row again
    # one list request, one detail for the 118th bill (not in the list), the two Record days not yet seen
    assert sb.count("/congress/") == 2 and sb.count("/govinfo/") == 0
    assert sb.count() == 4
    listing = next(r for r in sb.requests if r.path == "/congress/v3/bill/119")
    assert listing.query["fromDateTime"] == ["2026-01-14T08:05:12Z"]      # since minus one hour
    assert cursors[0].cursor["since"] == "2026-01-14T09:05:12Z"


def test_changed_bill_refetches_only_what_moved(sb, data_dir):
    source = make_source(sb)
    watch = Watch(bills=WATCHED, terms=["remote access"])
    first = list(source.poll(watch, {}))
    watch.known = known_after(first)
    cursor = first[-1].cursor
    # Congress.gov reports one new action and one new text version for H.R. 2683.
    bill_dir = data_dir / "congress/v3/bill/119/hr/2683"
    new_action = {"actionDate": "2026-02-04", "text": "Placed on Senate Legislative Calendar under General Orders. "
                  "Calendar No. 301.", "type": "Calendars", "sourceSystem": {"code": 0, "name": "Senate"}}
    edit_json(bill_dir / "actions.json", lambda d: d["actions"].insert(0, new_action))
    pcs = {"date": "2026-02-04T05:00:00Z", "type": "Placed on Calendar Senate", "formats": [
        {"type": "Formatted XML", "url": "https://www.congress.gov/119/bills/hr2683/BILLS-119hr2683pcs.xml"}]}
    edit_json(bill_dir / "text.json", lambda d: d["textVersions"].insert(0, pcs))

    def bump(d):
        b = d["bill"]
        b["updateDate"] = b["updateDateIncludingText"] = "2026-02-04T15:00:00Z"
        b["actions"]["count"] += 1
        b["textVersions"]["count"] += 1
        b["latestAction"] = {"actionDate": "2026-02-04", "text": new_action["text"]}
    edit_json(data_dir / "congress/v3/bill/119/hr/2683.json", bump)

    def bump_row(d):
        row = next(r for r in d["bills"] if r["number"] == "2683")
        row["updateDate"] = row["updateDateIncludingText"] = "2026-02-04T15:00:00Z"
    edit_json(data_dir / "congress/v3/bill/119.json", bump_row)
    src_xml = data_dir / "govinfo/content/pkg/BILLS-119hr2683rfs/xml/BILLS-119hr2683rfs.xml"
    dst = data_dir / "govinfo/content/pkg/BILLS-119hr2683pcs/xml/BILLS-119hr2683pcs.xml"
    dst.parent.mkdir(parents=True)
    dst.write_text(src_xml.read_text().replace('bill-stage="Referred-in-Senate"', 'bill-stage="Placed-on-Calendar-Senate"'))

    sb.reset_log()
    items = list(make_source(sb, now=datetime(2026, 2, 5, 9, 0, tzinfo=UTC)).poll(watch, cursor))
    bills, docs, _, _ = split(items)
    assert [b.bill_id for b in bills] == ["hr2683-119"]
    hr = bills[0]
    assert hr.actions[-1].text.startswith("Placed on Senate Legislative Calendar")
    assert [v.code for v in hr.text_versions] == ["ih", "eh", "rfs", "pcs"]
    assert hr.cosponsors is None and hr.summaries is None and hr.committees is None   # unchanged, not refetched
    texts = [d for d in docs if d.kind == BILL_TEXT]
    assert [d.external_id for d in texts] == ["hr2683-119-pcs"]
    assert texts[0].meta["stage"] == "Placed on Calendar Senate" and texts[0].date == date(2026, 2, 4)
    paths = [r.path for r in sb.requests if "2683" in r.path]
    assert paths == ["/congress/v3/bill/119/hr/2683", "/congress/v3/bill/119/hr/2683/actions",
                     "/congress/v3/bill/119/hr/2683/text",
                     "/govinfo/content/pkg/BILLS-119hr2683pcs/xml/BILLS-119hr2683pcs.xml"]


def test_parts_to_refetch_without_counts_refetches_everything_that_moved():
    rec = cp.parse_detail(fixture("congressgov-bill-detail-117-hr-21.json"))
    assert parts_to_refetch(rec, None) == ["actions", "text", "summaries", "cosponsors", "committees", "related", "titles"]
    same = {"update_date": rec.update_date, "update_date_including_text": rec.update_date_including_text}
    assert parts_to_refetch(rec, same) == ["actions", "text"]      # the store's known entry has no counts
    full = known_entry(rec)
    assert parts_to_refetch(rec, full) == []


def test_unknown_bill_is_a_note_and_the_others_still_come(sb):
    items = list(make_source(sb).poll(Watch(bills=["hr9999-119", "s3519-119"]), {}))
    bills, _, notes, cursors = split(items)
    assert [b.bill_id for b in bills] == ["s3519-119"]
    assert [n.key for n in notes] == ["notfound:hr9999-119"] and notes[0].level == "warning"
    assert "H.R. 9999 (119th)" in notes[0].message and cursors


def test_client_bill_404_names_the_bill(sb):
    with pytest.raises(NotFound, match=r"S\. 7 \(119th\).*not found at Congress.gov"):
        make_source(sb).client.bill("s7-119")


def test_demo_key_warns_once_and_checks_one_record_day(sb):
    items = list(make_source(sb, demo=True).poll(Watch(bills=["s3519-119"]), {}))
    notes = [i for i in items if isinstance(i, SourceNote)]
    assert len(notes) == 1 and "30 requests/hour and 50/day" in notes[0].message
    assert "https://api.data.gov/signup/" in notes[0].message
    assert sb.count("/govinfo-api/") == 1


def test_pagination_follows_next_on_our_host_with_the_key(sb):
    page1 = json.loads((SANDBOX_DATA / "congress/v3/bill/119.json").read_text())
    page2 = {"bills": page1["bills"][2:], "pagination": {"count": 3}, "request": {}}
    page1 = {"bills": page1["bills"][:2], "request": {},
             "pagination": {"count": 3, "next": "https://api.congress.gov/v3/bill/119?offset=250&limit=250&format=json"}}
    sb.route("/congress/v3/bill/119", page1)
    sb.route("/congress/v3/bill/119", page2, query={"offset": "250"})
    client = make_source(sb).client
    rows = list(client.updated_bills(119, datetime(2026, 1, 1, tzinfo=UTC), NOW))
    assert [r.bill_id for r in rows] == ["s3519-119", "hr7010-119", "hr2683-119"]
    second = [r for r in sb.requests if r.path == "/congress/v3/bill/119"][1]
    assert second.query["offset"] == ["250"] and second.query["api_key"] == [KEY]


# ---- faults: the typed error comes out of poll ----------------------------------------------

def poll_all(source):
    return list(source.poll(Watch(bills=["hr2683-119"], terms=["remote access"]), {}))


def test_rate_limited_with_retry_after(sb):
    sb.fault("/congress/v3/bill/119", "status", status=429, retry_after=30, times=-1)
    with pytest.raises(SourceRateLimited) as err:
        poll_all(make_source(sb))
    assert err.value.retry_after == 30 and KEY not in str(err.value)


def test_server_error_after_retries(sb):
    sb.fault("/congress/v3/bill/119/hr/2683", "status", status=500, times=-1)
    with pytest.raises(SourceUnavailable):
        poll_all(make_source(sb, retries=1))
    assert sb.count("/congress/v3/bill/119/hr/2683") == 2


def test_timeout(sb):
    sb.fault("/congress/v3/bill/119/hr/2683/actions", "timeout", delay=1.0)
    with pytest.raises(SourceUnavailable, match="timed out"):
        poll_all(make_source(sb, timeout=0.3))


def test_truncated_json(sb):
    sb.fault("/congress/v3/bill/119/hr/2683/text", "truncate", times=-1)
    with pytest.raises(SourceUnavailable, match="incomplete|truncated"):
        poll_all(make_source(sb))


def test_bad_json_and_html_200(sb):
    sb.fault("/congress/v3/bill/119", "badjson")
    with pytest.raises(SourceChanged, match="invalid JSON"):
        poll_all(make_source(sb))
    sb.fault("/congress/v3/bill/119/hr/2683", "html200")
    with pytest.raises(SourceChanged, match="HTML"):
        poll_all(make_source(sb))


def test_payload_missing_expected_keys(sb):
    sb.fault("/congress/v3/bill/119/hr/2683/cosponsors", "schema")
    with pytest.raises(SourceChanged, match="cosponsors"):
        poll_all(make_source(sb))


def test_bill_xml_with_external_entity(sb):
    sb.route("/govinfo/content/pkg/BILLS-119hr2683eh/xml/BILLS-119hr2683eh.xml",
             '<?xml version="1.0"?><!DOCTYPE bill [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
             '<bill><legis-body><section><enum>1.</enum><text>&x;</text></section></legis-body></bill>')
    with pytest.raises(HostileContent):
        poll_all(make_source(sb))


def test_backfill_reads_the_record_from_since(sb):
    later = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    watch = Watch(bills=["hr2683-119"], short_titles={"hr2683-119": "Remote Access Security Act"},
                  known={"hr2683-119": {"update_date": "2026-01-14T09:05:12Z",
                                        "update_date_including_text": "2026-01-14T09:05:12Z",
                                        "text_versions": ["ih", "eh", "rfs"]}})
    quiet = list(make_source(sb, now=later).poll(watch, {"since": "2026-03-01T00:00:00Z"}))
    assert not [i for i in quiet if isinstance(i, DocumentRecord) and i.kind == CONGRESSIONAL_RECORD]
    items = list(make_source(sb, now=later).poll(watch, {"since": "2026-01-11T00:00:00Z", "backfill": True}))
    crec = [i for i in items if isinstance(i, DocumentRecord) and i.kind == CONGRESSIONAL_RECORD]
    assert [d.external_id for d in crec] == ["CREC-2026-01-12-pt1-PgH621-5"]
    assert items[-1].cursor["crec_since"] == "2026-01-13"
