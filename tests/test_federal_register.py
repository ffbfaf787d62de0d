"""Federal Register: FR XML parsing (real fixtures), the documents search against the sandbox,
windows and pagination, versions, corrections, deadlines and faults."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.sandbox import DATA_DIR
from scrapers.errors import HostileContent, SourceChanged, SourceRateLimited, SourceUnavailable
from scrapers.federal_register import (
    FIELDS,
    FederalRegisterSource,
    deadlines_of,
    document_number_of,
    windows,
)
from scrapers.frtext import parse_fr_xml
from scrapers.http import PoliteSession
from scrapers.records import CursorUpdate, DocumentRecord, SourceNote, Watch

DATA = Path(__file__).parent / "data" / "fr"
TODAY = date(2026, 2, 12)
AGENCY_PAGE1 = "documents.json@conditions[agencies][]=industry-and-security-bureau"
TERM_FILE = "documents.json@conditions[term]=%22remote%20access%22"
BIS_WATCH = Watch(agencies=["industry-and-security-bureau"], terms=["remote access"])


def session(**kw) -> PoliteSession:
    opts = {"source": "federal_register", "timeout": 2.0, "retries": 0, "backoff": 0.0}
    opts.update(kw)
    return PoliteSession(**opts)


def run(source, watch=BIS_WATCH, cursor=None, **kw):
    return list(source.poll(watch, cursor or {}, today=kw.pop("today", TODAY), **kw))


def records(items) -> dict[str, DocumentRecord]:
    return {r.external_id: r for r in items if isinstance(r, DocumentRecord)}


def search_requests(sb):
    return [r for r in sb.requests if r.path == "/fr/api/v1/documents.json"]


@pytest.fixture
def fr(gov_sandbox):
    return gov_sandbox, FederalRegisterSource(session(), gov_sandbox.base_urls()["federal_register_url"])


# ---- FR XML ---------------------------------------------------------------------------------

class TestFrXml:
    def test_real_rule_element(self):
        doc = parse_fr_xml((DATA / "fr-govinfo-xml-2024-02795-RULE-element.xml").read_bytes())
        assert doc.doc_type == "RULE"
        assert doc.subject == ("Fisheries of the Northeastern United States; Summer Flounder Fishery; "
                               "Quota Transfer From North Carolina to Virginia")
        assert (doc.agency, doc.subagency, doc.cfr) == ("DEPARTMENT OF COMMERCE",
                                                        "National Oceanic and Atmospheric Administration",
                                                        "50 CFR Part 648")
        assert doc.depdoc == "[Docket No. 231215-0305; RTID 0648-XD718]"
        assert doc.action == "Temporary rule; quota transfer."
        assert doc.summary.startswith("NMFS announces that the State of North Carolina")
        assert doc.dates == "Effective February 9, 2024, through December 31, 2024."   # EFFDATE
        assert doc.contact == "Laura Deighan, Fishery Management Specialist, (978) 281-9184."
        assert doc.document_number == "2024-02795"
        assert doc.frdoc == "[FR Doc. 2024-02795 Filed 2-9-24; 8:45 am]"
        assert doc.billing_code == "BILLING CODE 3510-22-P"
        assert doc.pages == [9794]
        assert [p.anchor for p in doc.passages] == [
            "AGENCY", "ACTION", "SUMMARY", "DATES", "FOR FURTHER INFORMATION CONTACT",
            "SUPPLEMENTARY INFORMATION", "Classification", "Authority", "Signature"]
        supl = doc.passages[5]
        # inline <E> joined into the sentence, the page break left no trace
        assert "as published in the Federal Register on December 17, 1993 (58 FR 65936)" in supl.text
        assert "quota from one state to another. Two or more states" in supl.text
        assert len(supl.text.split("\n")) == 3
        assert doc.passages[7].text == "16 U.S.C. 1801 et seq."
        assert doc.passages[8].text.split("\n") == [
            "Dated: February 6, 2024.", "Everett Wayne Baxter,",
            "Acting Director, Office of Sustainable Fisheries, National Marine Fisheries Service."]
        assert doc.text.startswith("Fisheries of the Northeastern United States")
        assert "North Carolina is transferring 14,280 pounds" in doc.text

    def test_real_notice_element(self):
        doc = parse_fr_xml((DATA / "fr-govinfo-xml-2024-02823-NOTICE-element.xml").read_bytes())
        assert doc.doc_type == "NOTICE"
        assert doc.subject == "Pacific Fishery Management Council; Public Meeting"
        assert doc.cfr == "" and doc.rin == ""
        assert doc.dates.startswith("The online meeting will be held Wednesday, February 28, 2024")
        assert doc.addresses.split("\n") == [
            "This meeting will be held online. Specific meeting information, including directions on how to join "
            "the meeting and system requirements will be provided in the meeting announcement on the Pacific "
            "Council's website (see www.pcouncil.org). You may send an email to Mr. Kris Kleinschmidt "
            "(kris.kleinschmidt@noaa.gov) or contact him at (503) 820-2412 for technical assistance.",
            "Council address: Pacific Fishery Management Council, 7700 NE Ambassador Place, Suite 101, "
            "Portland, OR 97220-1384."]
        anchors = [p.anchor for p in doc.passages]
        assert anchors == ["AGENCY", "ACTION", "SUMMARY", "DATES", "ADDRESSES", "FOR FURTHER INFORMATION CONTACT",
                           "SUPPLEMENTARY INFORMATION", "Special Accommodations", "Signature"]
        assert doc.passages[7].text.endswith("Authority: 16 U.S.C. 1801 et seq.")
        assert doc.document_number == "2024-02823"
        assert doc.pages == []

    def test_regtext_sections_tables_and_rin(self):
        doc = parse_fr_xml((DATA / "regtext-constructed.xml").read_bytes())
        assert doc.doc_type == "PRORULE" and doc.rin == "RIN 0694-ZZ99"
        by_anchor = {p.anchor: p for p in doc.passages}
        assert by_anchor["§ 744.99"].heading == "Constructed example section."
        assert by_anchor["§ 744.99"].text == "(c) Example. A constructed paragraph."
        assert by_anchor["15 CFR 744"].text.startswith("1. Section 744.99 is amended")
        table = by_anchor["Background"].text.split("\n")
        assert table[1:5] == ["Table 1—Example Items", "Item | Control", "Widget | License required",
                              "Gadget | No license required"]
        assert doc.pages == [4242]

    def test_document_found_inside_a_whole_issue(self):
        rule = (DATA / "fr-govinfo-xml-2024-02795-RULE-element.xml").read_text()
        notice = (DATA / "fr-govinfo-xml-2024-02823-NOTICE-element.xml").read_text()
        issue = f"<FEDREG><RULES>{rule}</RULES><NOTICES>{notice}</NOTICES></FEDREG>".encode()
        assert parse_fr_xml(issue, "2024-02823").doc_type == "NOTICE"
        assert parse_fr_xml(issue, "2024-02795").doc_type == "RULE"
        with pytest.raises(SourceChanged):
            parse_fr_xml(issue, "2024-99999")

    def test_malformed_and_hostile_xml(self):
        with pytest.raises(SourceChanged):
            parse_fr_xml(b"<RULE><PREAMB><SUBJECT>cut off")
        with pytest.raises(SourceChanged):
            parse_fr_xml(b"<html><body>not FR XML</body></html>")
        with pytest.raises(HostileContent):
            parse_fr_xml(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                         b"<RULE><PREAMB><SUBJECT>&x;</SUBJECT></PREAMB></RULE>")


# ---- pure helpers ---------------------------------------------------------------------------

def test_windows_cover_the_range_in_chunks_of_at_most_31_days():
    ws = windows(date(2025, 1, 1), date(2025, 4, 15))
    assert ws[0][0] == date(2025, 1, 1) and ws[-1][1] == date(2025, 4, 15)
    for (_, hi), (nlo, _) in zip(ws, ws[1:], strict=False):
        assert (nlo - hi).days == 1
    assert all((hi - lo).days <= 30 for lo, hi in ws)
    assert windows(date(2025, 1, 1), date(2025, 1, 1)) == [(date(2025, 1, 1), date(2025, 1, 1))]


def test_document_number_of_url_or_number():
    assert document_number_of("https://www.federalregister.gov/api/v1/documents/2026-00789") == "2026-00789"
    assert document_number_of("2026-00789") == "2026-00789"
    assert document_number_of(None) is None


def test_local_url_reroots_only_federal_register_hosts():
    src = FederalRegisterSource(None, "http://127.0.0.1:9/fr/api/v1")
    assert src.local_url("https://www.federalregister.gov/documents/full_text/xml/2026/01/15/2026-00789.xml") == \
        "http://127.0.0.1:9/fr/documents/full_text/xml/2026/01/15/2026-00789.xml"
    with pytest.raises(SourceChanged):
        src.local_url("https://evil.example/documents/x.xml")
    prod = FederalRegisterSource(None, "https://www.federalregister.gov/api/v1")
    url = "https://www.federalregister.gov/documents/full_text/text/2026/01/15/2026-00789.txt"
    assert prod.local_url(url) == url


# ---- polling the sandbox ----------------------------------------------------------------------

class TestPoll:
    def test_first_poll_records_dedupe_pagination_and_cursor(self, fr):
        sb, src = fr
        items = run(src)
        recs = records(items)
        assert sorted(recs) == ["2026-00789", "2026-01234", "2026-01502"]
        assert isinstance(items[-1], CursorUpdate) and items[-1].cursor["since"] == "2026-02-12"
        assert all(isinstance(i, DocumentRecord | SourceNote) for i in items[:-1])

        reqs = search_requests(sb)
        first = reqs[0].query
        assert first["conditions[agencies][]"] == ["industry-and-security-bureau"]
        assert first["conditions[publication_date][gte]"] == ["2026-01-13"]   # last 30 days
        assert first["order"] == ["newest"] and first["per_page"] == ["100"]
        assert first["fields[]"] == list(FIELDS)
        pages = [r.query.get("page", ["1"])[0] for r in reqs if "conditions[agencies][]" in r.query]
        assert pages == ["1", "2"]                                            # next_page_url followed
        assert reqs[-1].query["conditions[term]"] == ['"remote access"']      # phrase quoted

        rule = recs["2026-00789"]
        assert rule.kind == "fr_document" and rule.source == "federal_register"
        assert rule.title == "Revision to License Review Policy for Advanced Computing Commodities"
        assert rule.date == date(2026, 1, 15)
        assert rule.url.startswith("https://www.federalregister.gov/documents/2026/01/15/2026-00789/")
        m = rule.meta
        assert (m["citation"], m["rin"], m["type"]) == ("91 FR 1684", "0694-AK43", "Rule")
        assert m["cfr"] == ["15 CFR 742", "15 CFR 744", "15 CFR 748"]
        assert m["agencies"] == ["commerce-department", "industry-and-security-bureau"]
        assert m["matched"] == [{"watch": "agency:industry-and-security-bureau", "phrase": "industry-and-security-bureau"},
                                {"watch": "term:remote access", "phrase": "remote access"}]
        assert m["has_text"] is True
        assert [p.anchor for p in rule.passages][:4] == ["AGENCY", "ACTION", "SUMMARY", "DATES"]
        assert "I. Background" in [p.anchor for p in rule.passages]
        assert "unauthorized remote access" in rule.text
        assert set(rule.content) == set(FIELDS)
        assert deadlines_of(rule) == [("effective", date(2026, 1, 15))]

        prorule = recs["2026-01234"]
        assert deadlines_of(prorule) == [("comments_close", date(2026, 4, 13))]
        assert prorule.meta["has_text"] is True and "SUMMARY" in [p.anchor for p in prorule.passages]
        assert sb.count("/fr/documents/full_text/text/2026/02/10/2026-01234.txt") == 1   # raw text fallback

    def test_correction_is_its_own_document_linked_to_the_original(self, fr):
        _, src = fr
        corr = records(run(src))["2026-01502"]
        assert corr.meta["correction_of"] == "2026-00789"
        assert corr.parent == ("fr_document", "2026-00789")
        assert corr.content["correction_of"].endswith("/documents/2026-00789")

    def test_repoll_is_idempotent_and_known_documents_skip_the_full_text(self, fr):
        sb, src = fr
        first = records(run(src))
        sb.reset_log()
        second = records(run(src, known=set(first)))
        assert {k: r.content for k, r in first.items()} == {k: r.content for k, r in second.items()}
        assert sb.count("/fr/documents/full_text") == 0
        assert second["2026-00789"].meta["has_text"] is False

    def test_changed_comment_date_changes_content(self, gov_sandbox_factory, tmp_path):
        data = tmp_path / "data"
        shutil.copytree(DATA_DIR / "fr", data / "fr")
        before = records(run(FederalRegisterSource(session(), gov_sandbox_factory(data).base_urls()
                                                   ["federal_register_url"])))
        api = data / "fr" / "api" / "v1"
        for name in (AGENCY_PAGE1, TERM_FILE):
            doc = json.loads((api / name).read_text())
            for r in doc["results"]:
                if r["document_number"] == "2026-01234":
                    r["comments_close_on"] = "2026-05-13"
            (api / name).write_text(json.dumps(doc))
        after = records(run(FederalRegisterSource(session(), gov_sandbox_factory(data).base_urls()
                                                  ["federal_register_url"])))
        assert after["2026-01234"].content != before["2026-01234"].content
        changed = {k for k in before["2026-01234"].content
                   if before["2026-01234"].content[k] != after["2026-01234"].content[k]}
        assert changed == {"comments_close_on"}
        assert after["2026-00789"].content == before["2026-00789"].content
        assert deadlines_of(after["2026-01234"]) == [("comments_close", date(2026, 5, 13))]

    def test_open_comment_periods_are_rechecked_after_leaving_the_window(self, fr):
        sb, src = fr
        cursor = run(src)[-1].cursor
        assert list(cursor["tracking"]) == ["2026-01234"]
        sb.route("/fr/api/v1/documents.json", {"count": 0, "description": "nothing new"})
        extended = json.loads((DATA_DIR / "fr/api/v1/documents/2026-01234.json").read_text())
        extended["comments_close_on"] = "2026-05-13"
        sb.route("/fr/api/v1/documents/2026-01234.json", extended)
        items = run(src, cursor=cursor, today=date(2026, 3, 20), known={"2026-01234"})
        recs = records(items)
        assert list(recs) == ["2026-01234"]
        assert recs["2026-01234"].content["comments_close_on"] == "2026-05-13"
        assert recs["2026-01234"].meta["matched"][0]["watch"] == "agency:industry-and-security-bureau"
        assert items[-1].cursor["tracking"]["2026-01234"]["comments_close_on"] == "2026-05-13"
        # once the period has closed it is no longer tracked or fetched
        sb.reset_log()
        items = run(src, cursor=items[-1].cursor, today=date(2026, 6, 1), known={"2026-01234"})
        assert sb.count("/fr/api/v1/documents/") == 0
        assert items[-1].cursor["tracking"] == {}

    def test_backfill_is_split_into_windows_and_the_watermark_moves_forward(self, fr):
        sb, src = fr
        items = run(src, watch=Watch(), cursor={"since": "2025-10-01T00:00:00Z"}, known={"2026-00789",
                                                                                        "2026-01234", "2026-01502"})
        windows_asked = [(r.query["conditions[publication_date][gte]"][0], r.query["conditions[publication_date][lte]"][0])
                         for r in search_requests(sb) if "page" not in r.query]
        assert windows_asked[0][0] == "2025-10-01" and windows_asked[-1][1] == "2026-02-12"
        for lo, hi in windows_asked:
            assert (date.fromisoformat(hi) - date.fromisoformat(lo)).days <= 30
        sinces = [i.cursor["since"] for i in items if isinstance(i, CursorUpdate)]
        assert sinces == sorted(sinces) and len(sinces) == len(windows_asked)

    def test_too_many_results_split_the_window(self, fr):
        sb, src = fr
        sb.route("/fr/api/v1/documents.json", {"count": 6000, "total_pages": 50, "results": []},
                 query={"conditions[publication_date][gte]": "2026-01-13",
                        "conditions[publication_date][lte]": "2026-02-12"})
        run(src, watch=Watch(), known={"2026-00789", "2026-01234", "2026-01502"})
        asked = [(r.query["conditions[publication_date][gte]"][0], r.query["conditions[publication_date][lte]"][0])
                 for r in search_requests(sb) if "page" not in r.query]
        assert asked[:3] == [("2026-01-13", "2026-02-12"), ("2026-01-13", "2026-01-28"), ("2026-01-29", "2026-02-12")]

    def test_never_asks_beyond_page_50(self, fr):
        sb, src = fr
        doc = json.loads((DATA_DIR / "fr/api/v1/documents/2026-00789.json").read_text())
        sb.route("/fr/api/v1/documents.json", {"count": 5000, "total_pages": 50, "results": [doc],
                                               "next_page_url": "https://www.federalregister.gov/api/v1/x?page=2"})
        recs = records(run(src, watch=Watch(), known={"2026-00789"}))
        pages = [int(r.query.get("page", ["1"])[0]) for r in search_requests(sb)]
        assert max(pages) == 50 and len(pages) == 50
        assert list(recs) == ["2026-00789"]

    def test_unusable_full_text_is_a_note_not_a_failure(self, fr):
        sb, src = fr
        sb.route("/fr/documents/full_text/xml/2026/01/15/2026-00789.xml", b"<RULE><PREAMB>broken",
                 content_type="application/xml")
        items = run(src)
        notes = [i for i in items if isinstance(i, SourceNote)]
        assert [n.key for n in notes] == ["fr-fulltext:2026-00789"]
        rule = records(items)["2026-00789"]
        assert rule.meta["has_text"] is False and rule.passages[0].anchor == "ABSTRACT"
        assert sb.count("/fr/documents/full_text/text/2026/01/15/2026-00789.txt") == 1   # tried the raw text


class TestFaults:
    @pytest.mark.parametrize("kind, status, error", [
        ("status", 429, SourceRateLimited), ("status", 500, SourceUnavailable), ("status", 503, SourceUnavailable),
        ("html200", None, SourceChanged), ("badjson", None, SourceChanged), ("schema", None, SourceChanged),
    ])
    def test_search_faults_raise_typed_errors(self, fr, kind, status, error):
        sb, src = fr
        sb.fault("/fr/api/v1/documents.json", kind, status=status, times=-1)
        with pytest.raises(error):
            run(src)

    def test_timeout_is_source_unavailable(self, gov_sandbox):
        gov_sandbox.fault("/fr/api/v1/documents.json", "timeout", delay=1.0, times=-1)
        src = FederalRegisterSource(session(timeout=0.3), gov_sandbox.base_urls()["federal_register_url"])
        with pytest.raises(SourceUnavailable):
            run(src)

    def test_transient_error_is_retried(self, gov_sandbox):
        gov_sandbox.fault("/fr/api/v1/documents.json", "status", status=500, times=1)
        src = FederalRegisterSource(session(retries=2), gov_sandbox.base_urls()["federal_register_url"])
        assert sorted(records(run(src))) == ["2026-00789", "2026-01234", "2026-01502"]

    def test_results_that_are_not_documents_are_a_source_change(self, fr):
        sb, src = fr
        sb.route("/fr/api/v1/documents.json", {"count": 1, "results": [{"title": "no number"}]})
        with pytest.raises(SourceChanged):
            run(src, watch=Watch())
