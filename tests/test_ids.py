"""Bill ids: every accepted form, malformed ones, the current Congress from a date."""

from datetime import date

import pytest

from scrapers.errors import BadBillId
from scrapers.ids import BillId, current_congress, find_bill_ids, parse_bill_id, parse_version_id

ACCEPTED = [
    ("H.R. 2683", 119, "hr2683-119"),
    ("HR2683", 119, "hr2683-119"),
    ("hr 2683 119", None, "hr2683-119"),
    ("H.R.2683 (119th)", None, "hr2683-119"),
    ("hr2683-119", None, "hr2683-119"),
    ("S. 3519", 119, "s3519-119"),
    ("H.J.Res. 37 116th", None, "hjres37-116"),
    ("H. J. Res. 37 (116th)", None, "hjres37-116"),
    ("S.J.Res. 5", 118, "sjres5-118"),
    ("H.Con.Res. 14 118", None, "hconres14-118"),
    ("S.Con.Res. 3", 119, "sconres3-119"),
    ("H.Res. 100 117th", None, "hres100-117"),
    ("S.Res. 9", 119, "sres9-119"),
    ("  hr8152-118 ", None, "hr8152-118"),
    ("HR 8152 (118th Congress)", None, "hr8152-118"),
]


@pytest.mark.parametrize("text,congress,expected", ACCEPTED)
def test_accepted_forms(text, congress, expected):
    assert str(parse_bill_id(text, congress=congress)) == expected


@pytest.mark.parametrize("text", ["", "   ", "hello", "HX 12", "H.R.", "2683", "hr0-119", "hr2683-999",
                                  "H.R. 2683 119 extra", "hr2683-119-zz", "x" * 200, "S. -3"])
def test_malformed_ids_explain_accepted_forms(text):
    with pytest.raises(BadBillId) as exc:
        parse_bill_id(text, congress=119)
    assert "accepted forms" in str(exc.value) or "version code" in str(exc.value)


def test_no_congress_means_the_current_one_on_the_given_date():
    assert str(parse_bill_id("H.R. 2683", today=date(2026, 1, 12))) == "hr2683-119"
    assert str(parse_bill_id("H.R. 1", today=date(2024, 9, 9))) == "hr1-118"


@pytest.mark.parametrize("day,congress", [(date(2025, 1, 3), 119), (date(2025, 1, 2), 118), (date(2026, 12, 31), 119),
                                          (date(2027, 1, 3), 120), (date(1789, 3, 4), 1)])
def test_current_congress(day, congress):
    assert current_congress(day) == congress


def test_version_ids():
    assert parse_version_id("hr2683-119-eh") == (BillId("hr", 2683, 119), "eh")
    assert parse_version_id("hr2683-119") == (BillId("hr", 2683, 119), None)
    with pytest.raises(BadBillId):
        parse_version_id("hr2683")


def test_display_forms():
    b = parse_bill_id("hjres37-116")
    assert b.display == "H.J.Res. 37 (116th)"
    assert b.short == "H.J.Res. 37"
    assert b.version("RH") == "hjres37-116-rh"
    assert b.congress_gov_url() == "https://www.congress.gov/bill/116th-congress/house-joint-resolution/37"


def test_find_bill_ids_in_free_text():
    found = find_bill_ids("How do H.R. 2683 and S. 3519 differ from HR 8152 (118th)?", congress=119)
    assert [str(b) for b in found] == ["hr2683-119", "s3519-119", "hr8152-118"]
    assert find_bill_ids("it's a big deal for us", congress=119) == []
