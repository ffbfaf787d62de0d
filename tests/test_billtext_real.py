"""Real bill text versions no one here wrote, committed under tests/data/corpus (a subset of
../shared/corpus, so a fresh clone runs these): the corpus README's rules (tests/billtext_rules.py)
and the structures the lossy parser got wrong — appropriations paragraphs, engrossed amendments,
collection/component nesting, preambles, page markers and side notes, metadata of every kind."""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import pytest

from scrapers.billtext import _DtdBuilder, _first, _UslmBuilder, parse_bill_text
from scrapers.xmlsafe import parse_xml
from tests.billtext_rules import coverage

SUBSET = Path(__file__).parent / "data" / "corpus"
FILES = sorted(SUBSET.glob("*"))
SAMPLE = "bill-version-samples-september-2024_"


def load(name: str):
    path = SUBSET / name
    return parse_bill_text(path.read_bytes(), name=path.name)


def units(bt):
    return [u for s in bt.sections for u in s.walk()]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name.removeprefix(SAMPLE))
def test_coverage_amounts_and_metadata(path):
    data = path.read_bytes()
    bt = parse_bill_text(data, name=path.name)
    cov = coverage(data, bt)
    assert cov.share >= 0.99, cov.missing.most_common(10)
    assert not cov.amounts_missing
    assert bt.bill_id and bt.version_code and bt.date


def test_appropriations_paragraphs_are_units_with_headings_and_amounts():
    bt = load("118-s-4802_1_reported-in-senate.xml")
    approp = [u for u in units(bt) if u.level == "appropriations"]
    assert len(approp) > 100
    with_amounts = [u for u in approp if "$" in u.text]
    assert len(with_amounts) > 50
    # each account is keyed by its heading path (title, agency, account), not by position
    blm = [u for u in approp if u.heading == "MANAGEMENT OF LANDS AND RESOURCES"]
    assert blm and blm[0].key.startswith("Title I, Bureau of land management, ")
    assert re.search(r"\$\d[\d,]+", blm[0].text)
    assert len({u.key for u in units(bt)}) == len(units(bt))


def test_uslm_appropriations_and_the_parenthetical_heading():
    bt = load(f"{SAMPLE}H2740_RH.XML")
    job_corps = [u for u in units(bt) if u.key.endswith("job corps (including transfer of funds)")]
    assert job_corps and "$" in job_corps[0].text


def test_engrossed_amendment_root_parses():
    bt = load(f"{SAMPLE}BILLS-116hr1865eas.xml")
    assert (bt.bill_id, bt.version_code, bt.date) == ("hr1865-116", "eas", date(2019, 11, 12))
    assert any(u.heading == "FINANCIAL ASSURANCES" for u in units(bt))
    assert any("At the end, add the following" in u.text for u in units(bt))


def test_collection_component_is_split_into_sections():
    bt = load(f"{SAMPLE}BILLS-118s1325rs.xml")
    assert [s.key for s in bt.sections][:3] == ["1", "2", "3"]
    assert "body" not in [s.key for s in bt.sections]


def test_resolution_preamble_is_kept_recital_by_recital():
    bt = load(f"{SAMPLE}SR100_IS.XML")
    pre = bt.sections[0]
    assert pre.key == "preamble" and len(pre.children) >= 10
    assert all(c.text.startswith("Whereas") for c in pre.children)


def test_page_markers_and_side_notes_are_not_text():
    bt = load("previous_sample-files_112pvtl001-uslm.xml")
    text = " ".join(u.text for u in units(bt))
    assert "?2" not in text and "S. 285" not in text
    assert "brothers, and sisters of Sopuruchi" in text
    assert (bt.bill_id, bt.version_code, bt.date) == ("s285-112", "pvtl", date(2012, 12, 28))


def test_metadata_of_versions_the_old_parser_left_blank():
    s2245 = load(f"{SAMPLE}S2245_IS.XML")
    assert (s2245.bill_id, s2245.version_code) == ("s2245-116", "is")
    enr = load(f"{SAMPLE}h1058_enr.XML")
    assert (enr.bill_id, enr.version_code, enr.date) == ("hr1058-116", "enr", date(2019, 1, 3))
    old = load("previous_sample-files_113hr1068enr_good.xml")
    assert (old.bill_id, old.version_code, old.date) == ("hr1068-113", "enr", date(2014, 1, 3))


def test_file_name_is_the_fallback_for_a_missing_id_and_says_so(caplog):
    data = (SUBSET / f"{SAMPLE}HC100_IH.XML").read_bytes()
    data = re.sub(rb"<meta>.*?</meta>", b"", data, flags=re.S)
    assert parse_bill_text(data).bill_id == ""
    with caplog.at_level(logging.INFO, logger="scrapers.billtext"):
        bt = parse_bill_text(data, name="BILLS-116hconres100ih.xml")
    assert (bt.bill_id, bt.version_code) == ("hconres100-116", "ih")
    assert any("taken from the file name" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name.removeprefix(SAMPLE))
def test_the_stream_reads_what_the_tree_walk_reads(path):
    """The parser streams the body (bounded memory); walking the whole tree gives the same units."""
    data = path.read_bytes()
    root = parse_xml(data)
    if root.tag.startswith("{http://schemas.gpo.gov/xml/uslm}"):
        builder, body = _UslmBuilder(), _first(root, "main")
        body = body if body is not None else _first(root, "amendMain")
        preamble = None
    else:
        builder = _DtdBuilder()
        body = next(el for el in root.iter() if isinstance(el.tag, str) and el.tag in (
            "legis-body", "resolution-body", "engrossed-amendment-body", "amendment-body"))
        preamble = _first(root, "preamble")
    assert parse_bill_text(data).sections == builder.sections(body, preamble)
