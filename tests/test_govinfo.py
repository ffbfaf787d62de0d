"""govinfo: bill text XML and Congressional Record mentions, through the government sandbox."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.errors import NotFound
from scrapers.govinfo import GovinfoClient, bill_pattern, page_range, record_passages
from scrapers.http import PoliteSession
from scrapers.ids import parse_bill_id
from scrapers.records import BILL, BILL_TEXT, CONGRESSIONAL_RECORD, Watch, billtext_from_dict

KEY = "govinfo-key-81d"
DAY = date(2026, 1, 12)
PKG = "/govinfo-api/packages/CREC-2026-01-12"


@pytest.fixture
def client(gov_sandbox):
    urls = gov_sandbox.base_urls()
    session = PoliteSession(source="congress", retries=0, secrets=[KEY])
    return GovinfoClient(session, urls["govinfo_url"], urls["govinfo_api_url"], KEY)


def test_bill_text_document(client, gov_sandbox):
    doc = client.bill_text_document("hr2683-119", "rfs", when=date(2026, 1, 13), name="Referred in Senate")
    assert (doc.kind, doc.external_id, doc.parent) == (BILL_TEXT, "hr2683-119-rfs", (BILL, "hr2683-119"))
    assert doc.title == "H.R. 2683 (119th) — Referred in Senate (RFS)" and doc.date == date(2026, 1, 13)
    bt = billtext_from_dict(doc.content)
    assert bt.version_id == "hr2683-119-rfs" and bt.short_title == "Remote Access Security Act"
    assert [p.anchor for p in doc.passages][:2] == ["sec. 1", "sec. 2"]
    assert isinstance(doc.raw, bytes) and doc.raw.startswith(b"<?xml")
    assert doc.meta["short_title"] == "Remote Access Security Act" and doc.meta["version_code"] == "rfs"
    req = gov_sandbox.requests[-1]
    assert req.path == "/govinfo/content/pkg/BILLS-119hr2683rfs/xml/BILLS-119hr2683rfs.xml"
    assert "api_key" not in req.query                                  # no key for the content host
    public = "https://www.govinfo.gov/content/pkg/BILLS-119hr2683rfs/xml/BILLS-119hr2683rfs.xml"
    assert doc.url == doc.meta["xml_url"] == public and doc.fetched_url.startswith("http://127.0.0.1:")
    again = client.bill_text_document("hr2683-119", "rfs", url=public)   # a stored URL is fetched here
    assert again.url == public and gov_sandbox.requests[-1].path == req.path
    assert again.content == doc.content                                # the address is not content


def test_missing_text_version_is_not_found(client):
    with pytest.raises(NotFound):
        client.bill_text("hr2683-119", "enr")


def test_record_article_found_by_short_title(client, gov_sandbox):
    watch = Watch(bills=["hr2683-119", "hr8152-118"], short_titles={"hr2683-119": "Remote Access Security Act"})
    docs = list(client.crec_mentions(DAY, watch))
    assert len(docs) == 1
    d = docs[0]
    assert (d.kind, d.external_id, d.date) == (CONGRESSIONAL_RECORD, "CREC-2026-01-12-pt1-PgH621-5", DAY)
    assert d.meta["pages"] == "H621-H623" and d.meta["bills"] == ["hr2683-119"]
    assert (d.meta["volume"], d.meta["issue"]) == (172, 8)
    assert d.parent == (BILL, "hr2683-119") and d.title.startswith("Remote Access Security Act (Congressional Record")
    assert d.url == "https://www.govinfo.gov/content/pkg/CREC-2026-01-12/html/CREC-2026-01-12-pt1-PgH621-5.htm"   # public
    assert "purposeful, knowing, reckless, or negligent basis" in d.text and "<pre>" not in d.text
    assert d.passages[0].anchor == "p. H621"
    # only the matching granule was opened: list, its summary, its text — all with the key
    assert [r.path for r in gov_sandbox.requests] == [
        f"{PKG}/granules", f"{PKG}/granules/CREC-2026-01-12-pt1-PgH621-5/summary",
        f"{PKG}/granules/CREC-2026-01-12-pt1-PgH621-5/htm"]
    assert all(r.query["api_key"] == [KEY] for r in gov_sandbox.requests)


def test_number_of_a_bill_from_another_congress_is_not_a_match(client, gov_sandbox):
    gov_sandbox.route(f"{PKG}/granules", {"count": 1, "nextPage": None, "granules": [
        {"title": "H.R. 8152 AND OTHER MATTERS", "granuleId": "CREC-2026-01-12-pt1-PgH700", "granuleClass": "HOUSE"}]})
    assert list(client.crec_mentions(DAY, Watch(bills=["hr8152-118"]))) == []
    assert gov_sandbox.count(f"{PKG}/granules/") == 0


def test_granule_pages_are_followed_on_our_host(client, gov_sandbox):
    first = {"count": 2, "nextPage": "https://api.govinfo.gov/packages/CREC-2026-01-12/granules?offsetMark=AoJw&pageSize=100",
             "granules": [{"title": "PRAYER", "granuleId": "CREC-2026-01-12-pt1-PgH617", "granuleClass": "HOUSE"}]}
    second = {"count": 2, "nextPage": None, "granules": [
        {"title": "REMOTE ACCESS SECURITY ACT", "granuleId": "CREC-2026-01-12-pt1-PgH621-5", "granuleClass": "HOUSE"}]}
    gov_sandbox.route(f"{PKG}/granules", first, query={"offsetMark": "*"})
    gov_sandbox.route(f"{PKG}/granules", second, query={"offsetMark": "AoJw"})
    docs = list(client.crec_mentions(DAY, Watch(bills=["hr2683-119"],
                                                short_titles={"hr2683-119": "remote access security act"})))
    assert [d.external_id for d in docs] == ["CREC-2026-01-12-pt1-PgH621-5"]
    listed = [r for r in gov_sandbox.requests if r.path == f"{PKG}/granules"]
    assert [r.query["offsetMark"] for r in listed] == [["*"], ["AoJw"]]


def test_day_without_a_record_is_not_found(client):
    with pytest.raises(NotFound):
        list(client.crec_mentions(date(2026, 1, 11), Watch(bills=["hr2683-119"])))


def test_nothing_to_look_for_costs_nothing(client, gov_sandbox):
    assert list(client.crec_mentions(DAY, Watch(bills=["hr8152-118"]))) == []
    assert gov_sandbox.count() == 0


@pytest.mark.parametrize("bill, text, hit", [
    ("hr2683-119", "the bill (H.R. 2683) to provide", True),
    ("hr2683-119", "H.R.2683", True),
    ("hr2683-119", "H. R. 2683, as amended", True),
    ("hr2683-119", "H.R. 26830", False),
    ("hr2683-119", "S. 2683", False),
    ("s3519-119", "S. 3519", True),
    ("s3519-119", "H.R. 3519", False),
    ("s3519-119", "as 3519 items", False),
    ("hjres37-116", "H.J.Res. 37", True),
])
def test_bill_pattern(bill, text, hit):
    assert bool(bill_pattern(parse_bill_id(bill)).search(text)) is hit


def test_page_range_and_passages():
    assert page_range("[Pages H621-H623]\nx", "CREC-2026-01-12-pt1-PgH621-5") == "H621-H623"
    assert page_range("[Page S12]", "x") == "S12"
    assert page_range("no header", "CREC-2024-09-09-pt1-PgH5077") == "H5077"
    parts = record_passages("one\n[[Page H622]]\ntwo", "H621")
    assert [(p.anchor, p.text) for p in parts] == [("p. H621", "one"), ("p. H622", "two")]
