"""Public inspection: client-side filtering, records, withdrawn detection and faults."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from bot.sandbox import DATA_DIR
from scrapers.errors import SourceChanged, SourceUnavailable
from scrapers.http import PoliteSession
from scrapers.public_inspection import PublicInspectionSource, match_entry, withdrawn
from scrapers.records import CursorUpdate, DocumentRecord, Watch

CURRENT = "/fr/api/v1/public-inspection-documents/current.json"
WATCH = Watch(agencies=["industry-and-security-bureau"], terms=["remote access"])
TODAY = date(2026, 2, 11)


def recorded() -> dict:
    return json.loads((DATA_DIR / "fr/api/v1/public-inspection-documents/current.json").read_text())


@pytest.fixture
def pi(gov_sandbox):
    session = PoliteSession(source="public_inspection", timeout=2.0, retries=0, backoff=0.0)
    return gov_sandbox, PublicInspectionSource(session, gov_sandbox.base_urls()["federal_register_url"])


def poll(src, watch=WATCH, cursor=None):
    return list(src.poll(watch, cursor or {}, today=TODAY))


def test_watched_filing_becomes_a_record_and_others_are_filtered_out(pi):
    sb, src = pi
    items = poll(src)
    recs = [i for i in items if isinstance(i, DocumentRecord)]
    assert [r.external_id for r in recs] == ["2026-02345"]          # the NOAA filing is not watched
    r = recs[0]
    assert r.kind == "public_inspection" and r.source == "public_inspection"
    assert r.date == date(2026, 2, 11)                              # the filing date
    assert r.meta["publication_date"] == "2026-02-12"               # scheduled publication
    assert r.meta["filing_type"] == "regular" and r.meta["type"] == "Rule"
    assert r.meta["agencies"] == ["commerce-department", "industry-and-security-bureau"]
    assert r.meta["pdf_url"] == "https://public-inspection.federalregister.gov/2026-02345.pdf"
    assert r.meta["fr_document_number"] == "2026-02345"
    assert [m["watch"] for m in r.meta["matched"]] == ["agency:industry-and-security-bureau", "term:remote access"]
    assert "page_views" not in r.content and "last_public_inspection_issue" not in r.content
    assert items[-1] == CursorUpdate({"on_display": ["2026-02345"]})
    assert sb.count(CURRENT) == 1


def test_page_views_do_not_make_a_new_version_but_a_new_pdf_does(pi):
    sb, src = pi
    first = poll(src)[0]
    data = recorded()
    data["results"][0]["page_views"] = {"count": 999, "last_updated": "2026-02-11T12:00:00.000-05:00"}
    sb.route(CURRENT, data)
    assert poll(src)[0].content == first.content
    data["results"][0]["pdf_updated_at"] = "2026-02-11T15:00:00.000-05:00"
    sb.route(CURRENT, data)
    assert poll(src)[0].content != first.content


def test_terms_match_title_or_subject_as_a_phrase_for_any_agency():
    hhs = {"agencies": [{"slug": "health-and-human-services-department"}], "document_number": "2026-03000",
           "title": "Medicare Program; Payment for Remote-Access Monitoring", "subject_1": "", "toc_subject": ""}
    assert match_entry(hhs, WATCH) == [{"watch": "term:remote access", "phrase": "remote access", "where": "title"}]
    accessories = dict(hhs, title="Standards for remote accessories")
    assert match_entry(accessories, WATCH) == []
    by_subject = dict(hhs, title="Notice", subject_2="Controls on remote access to items")
    assert match_entry(by_subject, WATCH)[0]["where"] == "subject"
    assert match_entry(hhs, Watch(terms=[])) == []     # default agency is BIS; HHS is not it


def test_withdrawn_is_gone_before_publication():
    assert withdrawn(["a", "b", "c"], ["a"], published={"b"}) == ["c"]
    assert withdrawn([], ["a"], published=set()) == []
    assert withdrawn(["a"], ["a"], published=set()) == []


def test_an_entry_leaving_the_list_shows_in_the_cursor(pi):
    sb, src = pi
    cursor = poll(src)[-1].cursor
    data = recorded()
    data["results"] = [e for e in data["results"] if e["document_number"] != "2026-02345"]
    data["count"] = len(data["results"])
    sb.route(CURRENT, data)
    items = poll(src, cursor=cursor)
    assert items == [CursorUpdate({"on_display": []})]
    assert withdrawn(cursor["on_display"], items[-1].cursor["on_display"], published=set()) == ["2026-02345"]
    assert withdrawn(cursor["on_display"], items[-1].cursor["on_display"], published={"2026-02345"}) == []


def test_empty_list_is_fine(pi):
    sb, src = pi
    sb.route(CURRENT, {"count": 0})
    assert poll(src) == [CursorUpdate({"on_display": []})]


@pytest.mark.parametrize("kind, status, error", [
    ("html200", None, SourceChanged), ("schema", None, SourceChanged), ("badjson", None, SourceChanged),
    ("status", 502, SourceUnavailable),
])
def test_faults(pi, kind, status, error):
    sb, src = pi
    sb.fault(CURRENT, kind, status=status, times=-1)
    with pytest.raises(error):
        poll(src)


def test_entry_without_number_is_a_source_change(pi):
    sb, src = pi
    data = recorded()
    broken = copy.deepcopy(data["results"][0])
    del broken["document_number"]
    sb.route(CURRENT, {"count": 1, "results": [broken]})
    with pytest.raises(SourceChanged):
        poll(src)
