"""Bill text XML → section tree, on real GPO files (bill DTD and USLM) and the flagship sandbox files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scrapers.billtext import anchor, normalize_enum, parse_bill_text, passages, render_text
from scrapers.errors import HostileContent, SourceChanged
from scrapers.records import billtext_from_dict, billtext_to_dict

DATA = Path(__file__).parent / "data" / "billtext"
SANDBOX = Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "data" / "govinfo" / "content" / "pkg"


def parse(name: str, **kw):
    return parse_bill_text((DATA / name).read_bytes(), **kw)


def flagship(stem: str):
    return parse_bill_text((SANDBOX / stem / "xml" / f"{stem}.xml").read_bytes())


def unit(bt, key):
    for s in bt.sections:
        for u in s.walk():
            if u.key == key:
                return u
    raise AssertionError(f"no unit {key}; have {[u.key for s in bt.sections for u in s.walk()]}")


def keys(bt):
    return [u.key for s in bt.sections for u in s.walk()]


class TestLegacyBillDtd:
    def test_metadata_of_113hr3825(self):
        bt = parse("billdtd-113hr3825-ih.xml")
        assert (bt.bill_id, bt.version_code, bt.stage, bt.schema) == ("hr3825-113", "ih", "Introduced in House", "billdtd")
        assert bt.date == date(2014, 1, 9)
        assert bt.short_title == "Freight Infrastructure Reinvestment Act of 2013"
        assert bt.title.startswith("To establish the National Freight Mobility Infrastructure Improvement Program")

    def test_keys_follow_enumerators_down_to_subclauses(self):
        bt = parse("billdtd-113hr3825-ih.xml")
        assert [s.key for s in bt.sections] == ["1", "2", "3", "4"]
        sub = unit(bt, "2/c/2/E/i/II")
        assert sub.level == "subclause" and sub.text == "State and local tax receipts; and"
        assert unit(bt, "2/c/2").heading == "Requirements"
        assert unit(bt, "2/c/2").text.endswith("the project—")      # numeric entity decoded
        assert not any(k.startswith("H") for k in keys(bt))          # never the XML ids

    def test_quoted_block_stays_in_the_unit_that_quotes_it(self):
        bt = parse("billdtd-112hr65-ih.xml")
        a = unit(bt, "2/a")
        assert a.children == []                                      # the quoted (3) is not a child
        assert '"(3) Discrete single-use unit products.' in a.text
        assert a.text.endswith('(relating to small cigarettes).".')
        b2 = unit(bt, "2/b/2")
        assert "(A) is intended or expected to be consumed without being combusted, and (B) is in the form" in b2.text
        assert "2/b/2/4" not in keys(bt)
        assert '"or chewing tobacco"' in unit(bt, "2/b/1").text          # <quote> → plain double quotes

    def test_whitespace_is_collapsed(self):
        bt = parse("billdtd-112hr65-ih.xml")
        assert unit(bt, "1").text == 'This Act may be cited as the "Candy Tobacco Tax Parity Act of 2011".'
        assert unit(bt, "2").heading == "Taxation of discrete single-use unit smokeless tobacco"

    def test_terms_are_quoted_like_the_printed_bill(self):
        bt = parse("billdtd-113hr3825-ih.xml")
        assert unit(bt, "2/n/3").text.startswith('The term "program" means')

    def test_explicit_ids_win(self):
        bt = parse("billdtd-112hr65-ih.xml", bill_id="hr65-112", version_code="IH")
        assert bt.version_id == "hr65-112-ih"


class TestUslm:
    def test_metadata_from_meta_and_preface(self):
        rh = parse("uslm-116hjres37-rh.xml")
        assert (rh.bill_id, rh.version_code, rh.stage, rh.schema) == ("hjres37-116", "rh", "Reported in House", "uslm")
        assert rh.date == date(2019, 2, 8)                   # the latest action in the preface
        rfs = parse("uslm-116hjres37-rfs.xml")
        assert (rfs.version_code, rfs.date) == ("rfs", date(2019, 2, 14))   # date written only as text
        eh = parse("uslm-116hr1037-eh.xml")
        assert (eh.bill_id, eh.version_code, eh.date) == ("hr1037-116", "eh", date(2019, 5, 14))
        assert eh.short_title == "Banking Transparency for Sanctioned Persons Act of 2019"

    def test_num_values_make_the_keys_and_curly_quotes_are_plain(self):
        bt = parse("uslm-116hr1037-eh.xml")
        assert keys(bt)[:4] == ["1", "2", "2/a", "2/a/1"]
        assert unit(bt, "2/a/2/B/iii").text == "Executive Order No. 13818."
        assert unit(bt, "4/1").text.startswith('The term "financial institution" means')
        assert unit(bt, "4/1").heading == "Financial institution"
        assert unit(bt, "1").heading == "SHORT TITLE"

    def test_paragraphs_nested_in_content_are_children(self):
        # real quirk of the RFS conversion: <content><p>…</p><paragraph>… inside section 1
        bt = parse("uslm-116hjres37-rfs.xml")
        s1 = unit(bt, "1")
        assert s1.text == "Congress finds the following:"
        assert [c.key for c in s1.children][-4:] == ["1/11", "1/12", "1/13", "1/14"]
        assert unit(bt, "1/11/C").level == "subparagraph"

    def test_rh_to_rfs_adds_a_section_and_renumbers(self):
        rh, rfs = parse("uslm-116hjres37-rh.xml"), parse("uslm-116hjres37-rfs.xml")
        assert [s.key for s in rh.sections] == ["1", "2", "3", "4", "5"]
        assert [s.key for s in rfs.sections] == ["1", "2", "3", "4", "5", "6"]
        assert "INTELLIGENCE SHARING" in unit(rfs, "4").heading
        assert unit(rfs, "6").text == unit(rh, "5").text

    def test_eh_and_rfs_with_identical_bodies_parse_identically(self):
        eh, rfs = parse("uslm-116hr1037-eh.xml"), parse("uslm-116hr1037-rfs.xml")
        assert billtext_to_dict(eh)["sections"] == billtext_to_dict(rfs)["sections"]
        assert eh.version_code != rfs.version_code


class TestFlagshipSandboxText:
    def test_definitions_of_remote_access_per_version(self):
        ih, eh = flagship("BILLS-119hr2683ih"), flagship("BILLS-119hr2683eh")
        assert "by a foreign person through a network connection" in unit(ih, "2/1").text
        assert "any other form of access specified in regulations" in unit(ih, "2/1").text
        assert "purposeful, knowing, reckless, or negligent basis" in unit(eh, "2/1").text
        assert "purposeful" not in unit(ih, "2/1").text
        old = flagship("BILLS-118hr8152rfs")
        assert "Commerce Control List" in unit(old, "2/1").text
        s = flagship("BILLS-119s3519is")
        assert "foreign person of concern through a cloud infrastructure service" in unit(s, "2/a").text
        assert (s.bill_id, s.version_code, s.date) == ("s3519-119", "is", date(2025, 12, 17))

    def test_every_version_names_its_short_title(self):
        for stem in ("BILLS-118hr8152ih", "BILLS-118hr8152rfs", "BILLS-119hr2683ih", "BILLS-119hr2683eh",
                     "BILLS-119hr2683rfs", "BILLS-119s3519is"):
            assert flagship(stem).short_title == "Remote Access Security Act", stem


class TestQuirksAndFailures:
    def test_page_breaks_deleted_text_and_double_backquotes(self):
        xml = b"""<?xml version="1.0"?><!DOCTYPE bill PUBLIC "-//US Congress//DTDs/bill.dtd//EN" "bill.dtd">
        <bill bill-stage="Reported-in-House"><legis-body>
        <section><enum>SEC. 2.</enum><header>Definitions</header>
          <text>The term ``item'' means<pagebreak/> a thing<deleted-phrase> or a widget</deleted-phrase>.</text>
          <subsection changed="deleted"><enum>(a)</enum><text>Struck by the committee.</text></subsection>
          <subsection changed="added"><enum>(b)</enum><text>Added  by
             the committee.</text></subsection>
        </section></legis-body></bill>"""
        bt = parse_bill_text(xml, bill_id="hr1-119")
        assert bt.version_code == "rh"
        assert unit(bt, "2").text == 'The term "item" means a thing.'
        assert keys(bt) == ["2", "2/b"]
        assert unit(bt, "2/b").text == "Added by the committee."

    def test_resolution_body_and_duplicate_enumerators(self):
        xml = b"""<resolution resolution-stage="Agreed-to-House"><resolution-body>
        <section><text>That the House supports it.</text>
          <paragraph><enum>(1)</enum><text>one</text></paragraph>
          <paragraph><enum>(1)</enum><text>one again</text></paragraph></section>
        </resolution-body></resolution>"""
        bt = parse_bill_text(xml, bill_id="hres5-119", version_code="ath")
        assert keys(bt) == ["_1", "_1/1", "_1/1~2"]

    def test_no_body_is_a_changed_source(self):
        with pytest.raises(SourceChanged):
            parse_bill_text(b"<bill><form><legis-num>H. R. 1</legis-num></form></bill>")

    def test_external_entity_is_refused(self):
        xml = (b'<?xml version="1.0"?><!DOCTYPE bill [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b"<bill><legis-body><section><enum>1.</enum><text>&x;</text></section></legis-body></bill>")
        with pytest.raises(HostileContent):
            parse_bill_text(xml)

    @pytest.mark.parametrize("raw, expected", [("SEC. 2.", "2"), ("SECTION 1.", "1"), ("(a)", "a"),
                                               ("(iii) ", "iii"), ("101.", "101"), ("(A)", "A")])
    def test_normalize_enum(self, raw, expected):
        assert normalize_enum(raw) == expected


def test_passages_anchor_and_roundtrip():
    bt = parse("billdtd-113hr3825-ih.xml")
    anchors = [p.anchor for p in passages(bt)]
    assert anchors[0] == "sec. 1" and "sec. 2(c)(2)(A)" in anchors
    assert len(anchors) > len(bt.sections)            # long sections were split into their parts
    assert anchor("2/a/1") == "sec. 2(a)(1)"
    assert billtext_to_dict(billtext_from_dict(billtext_to_dict(bt))) == billtext_to_dict(bt)
    text = render_text(bt)
    assert text.startswith('SEC. 1. Short title. This Act may be cited as the "Freight Infrastructure')
