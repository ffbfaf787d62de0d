"""The stage classifier, on real action texts (117th H.R. 21 fixture, the flagship's history) and on
the other paths a bill can take (law, veto, amendment exchange, failure, resolutions)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.analysis.stages import (
    AGREED_TO,
    BECAME_LAW,
    FAILED,
    IN_COMMITTEE,
    INTRODUCED,
    PASSED_CONGRESS,
    PASSED_HOUSE,
    PASSED_SENATE,
    REPORTED,
    RESOLVING,
    TO_PRESIDENT,
    VETOED,
    bill_stages,
    classify_action,
    current_stage,
    extract_vote,
)
from scrapers.congress_parse import parse_actions
from scrapers.records import ActionRecord

ROOT = Path(__file__).resolve().parent.parent
SUSPENSION_369 = ("On motion to suspend the rules and pass the bill, as amended Agreed to by the Yeas and Nays: "
                  "(2/3 required): 369 - 22 (Roll no. 12).")


def act(day: str, text: str, code: str | None = None, chamber: str | None = None) -> ActionRecord:
    return ActionRecord(date=date.fromisoformat(day), text=text, code=code, chamber=chamber)


@pytest.mark.parametrize("text, code, stage, procedural, chamber", [
    ("Introduced in House", "1000", INTRODUCED, False, "House"),
    ("Introduced in Senate", "10000", INTRODUCED, False, "Senate"),
    ("Referred to the House Committee on Foreign Affairs.", "H11100", IN_COMMITTEE, False, "House"),
    ("Read twice and referred to the Committee on Banking, Housing, and Urban Affairs.", None, IN_COMMITTEE, False, None),
    ("Received in the Senate and Read twice and referred to the Committee on Banking, Housing, and Urban Affairs.",
     None, IN_COMMITTEE, False, "Senate"),
    ("Ordered to be Reported by Unanimous Consent.", None, REPORTED, False, None),
    ("Ordered to be Reported in the Nature of a Substitute (Amended) by the Yeas and Nays: 57 - 0.", None, REPORTED,
     False, None),
    ("Reported (Amended) by the Committee on Foreign Affairs. H. Rept. 119-12.", "5000", REPORTED, False, "House"),
    ("Committee Consideration and Mark-up Session Held", None, None, True, None),
    ("Subcommittee Hearings Held", None, None, True, None),
    ("Committee on Banking, Housing, and Urban Affairs. Hearings held.", None, None, True, None),
    ("Placed on the Union Calendar, Calendar No. 12.", None, None, True, "House"),
    ("Placed on Senate Legislative Calendar under General Orders. Calendar No. 301.", None, None, True, "Senate"),
    ("Mr. Lawler moved to suspend the rules and pass the bill, as amended.", "H30300", None, True, "House"),
    ("Considered under suspension of the rules. (consideration: CR H621-623)", "H30000", None, True, "House"),
    ("DEBATE - The House proceeded with forty minutes of debate on H.R. 2683.", "H8D000", None, True, "House"),
    ("Motion to reconsider laid on the table Agreed to without objection.", "H38310", None, True, "House"),
    ("Cloture motion on the motion to proceed to the measure presented in Senate.", None, None, True, "Senate"),
    ("Cloture on the motion to proceed to the measure invoked in Senate by Yea-Nay Vote. 60 - 38. Record Vote Number: 77.",
     None, None, True, "Senate"),
    ("On motion to suspend the rules and pass the bill, as amended Agreed to by voice vote.", "H37300", PASSED_HOUSE,
     False, "House"),
    (SUSPENSION_369, "H37300", PASSED_HOUSE, False, "House"),
    ("Passed/agreed to in House: On motion to suspend the rules and pass the bill Agreed to by voice vote.(text: CR H58-60)",
     "8000", PASSED_HOUSE, False, "House"),
    ("On passage Passed by recorded vote: 220 - 207 (Roll no. 301).", "H37100", PASSED_HOUSE, False, "House"),
    ("Passed Senate without amendment by Unanimous Consent.", "17000", PASSED_SENATE, False, "Senate"),
    ("Passed Senate with an amendment by Yea-Nay Vote. 68 - 30. Record Vote Number: 45.", None, PASSED_SENATE, False,
     "Senate"),
    ("On motion to suspend the rules and pass the bill Failed by the Yeas and Nays: (2/3 required): 250 - 170 (Roll no. 40).",
     "H37300", FAILED, False, "House"),
    ("Presented to President.", "28000", TO_PRESIDENT, False, None),
    ("Signed by President.", "29000", BECAME_LAW, False, None),
    ("Became Public Law No: 117-12.", "36000", BECAME_LAW, False, None),
    ("Vetoed by President.", "31000", VETOED, False, None),
])
def test_classify_action(text, code, stage, procedural, chamber):
    c = classify_action(act("2026-01-12", text, code))
    assert (c.stage, c.procedural, c.chamber) == (stage, procedural, chamber)


def test_passed_with_an_amendment_is_flagged():
    assert classify_action(act("2026-01-01", "Passed Senate with an amendment by Voice Vote.")).amended
    assert not classify_action(act("2026-01-01", "Passed Senate without amendment by Voice Vote.")).amended


def test_real_117_hr21_actions():
    data = json.loads((ROOT / "tests/data/congress/congressgov-bill-actions-117-hr-21.json").read_text())
    actions = parse_actions(data["actions"])
    assert bill_stages(actions, "hr") == [(INTRODUCED, date(2021, 1, 4)), (IN_COMMITTEE, date(2021, 1, 4)),
                                          (PASSED_HOUSE, date(2021, 1, 5))]
    # The Senate referral after House passage does not move the stage back.
    assert current_stage(actions, "hr") == PASSED_HOUSE


def test_api_order_newest_first_gives_the_same_stages():
    data = json.loads((ROOT / "tests/data/congress/congressgov-bill-actions-117-hr-21.json").read_text())
    raw = [act(a["actionDate"], a["text"], a.get("actionCode")) for a in data["actions"]]
    assert [s for s, _ in bill_stages(raw, "hr")] == [INTRODUCED, IN_COMMITTEE, PASSED_HOUSE]


def test_flagship_hr2683_history_from_the_sandbox():
    data = json.loads((ROOT / "bot/sandbox/data/congress/v3/bill/119/hr/2683/actions.json").read_text())
    stages = bill_stages(parse_actions(data["actions"]), "hr")
    assert stages == [(INTRODUCED, date(2025, 4, 7)), (IN_COMMITTEE, date(2025, 4, 7)), (REPORTED, date(2025, 4, 9)),
                      (PASSED_HOUSE, date(2026, 1, 12))]
    votes = [extract_vote(a.text, a.votes) for a in parse_actions(data["actions"])]
    assert "369 - 22" in votes


def test_path_to_law_with_procedural_noise():
    actions = [
        act("2025-01-03", "Introduced in Senate", "10000"),
        act("2025-01-03", "Read twice and referred to the Committee on Banking, Housing, and Urban Affairs.", chamber="Senate"),
        act("2025-02-01", "Committee on Banking, Housing, and Urban Affairs. Hearings held.", chamber="Senate"),
        act("2025-03-01", "Cloture motion on the measure presented in Senate.", chamber="Senate"),
        act("2025-03-02", "Passed Senate without amendment by Yea-Nay Vote. 70 - 28. Record Vote Number: 50.", "17000"),
        act("2025-03-03", "Received in the House.", chamber="House"),
        act("2025-03-03", "Referred to the House Committee on Foreign Affairs.", "H11100"),
        act("2025-04-01", "On passage Passed without objection.", "H35000", chamber="House"),
        act("2025-04-01", "Motion to reconsider laid on the table Agreed to without objection.", "H38310"),
        act("2025-04-03", "Presented to President.", "28000"),
        act("2025-04-10", "Signed by President.", "29000"),
        act("2025-04-10", "Became Public Law No: 119-7.", "36000"),
    ]
    assert [s for s, _ in bill_stages(actions, "s")] == [INTRODUCED, IN_COMMITTEE, PASSED_SENATE, PASSED_HOUSE,
                                                         PASSED_CONGRESS, TO_PRESIDENT, BECAME_LAW]
    assert dict(bill_stages(actions, "s"))[PASSED_CONGRESS] == date(2025, 4, 1)


def test_amendment_exchange_then_veto():
    actions = [
        act("2025-01-03", "Introduced in House", "1000"),
        act("2025-02-01", SUSPENSION_369, "H37300"),
        act("2025-03-01", "Passed Senate with an amendment by Voice Vote.", chamber="Senate"),
        act("2025-03-10", "Resolving differences -- House actions: On motion that the House agree to the Senate "
                          "amendment Agreed to by the Yeas and Nays: 300 - 100 (Roll no. 90).", chamber="House"),
        act("2025-03-12", "Presented to President.", "28000"),
        act("2025-03-20", "Vetoed by President.", "31000"),
    ]
    assert bill_stages(actions, "hr") == [
        (INTRODUCED, date(2025, 1, 3)), (PASSED_HOUSE, date(2025, 2, 1)), (PASSED_SENATE, date(2025, 3, 1)),
        (RESOLVING, date(2025, 3, 1)), (PASSED_CONGRESS, date(2025, 3, 10)), (TO_PRESIDENT, date(2025, 3, 12)),
        (VETOED, date(2025, 3, 20))]


def test_failed_then_passed_later():
    actions = [act("2025-01-03", "Introduced in House", "1000"),
               act("2025-02-01", "On motion to suspend the rules and pass the bill Failed by the Yeas and Nays: "
                                 "(2/3 required): 250 - 170 (Roll no. 40).", "H37300"),
               act("2025-03-01", "On passage Passed by recorded vote: 230 - 190 (Roll no. 70).", "H37100")]
    assert [s for s, _ in bill_stages(actions, "hr")] == [INTRODUCED, FAILED, PASSED_HOUSE]
    assert current_stage(actions[:2], "hr") == FAILED


def test_resolutions_end_at_agreed_to():
    simple = [act("2025-01-03", "Submitted in the House", "1000"),
              act("2025-01-09", "On agreeing to the resolution Agreed to by voice vote.", "H37220")]
    assert [s for s, _ in bill_stages(simple, "hres")] == [INTRODUCED, AGREED_TO]
    concurrent = [act("2025-01-03", "Introduced in House", "1000"),
                  act("2025-01-09", "On agreeing to the resolution Agreed to by voice vote.", "H37220"),
                  act("2025-02-01", "Resolution agreed to in Senate without amendment by Unanimous Consent.",
                      chamber="Senate")]
    assert [s for s, _ in bill_stages(concurrent, "hconres")] == [INTRODUCED, PASSED_HOUSE, AGREED_TO]


def test_no_actions_no_stage():
    assert bill_stages([], "hr") == [] and current_stage([], "hr") is None


@pytest.mark.parametrize("text, votes, expected", [
    (SUSPENSION_369, None, "369 - 22"),
    ("Passed Senate with an amendment by Yea-Nay Vote. 68 - 30. Record Vote Number: 45.", None, "68 - 30"),
    ("On motion to suspend the rules and pass the bill Agreed to by voice vote. (text: CR H58-60)", None, None),
    ("Passed/agreed to in House: On passage Passed by recorded vote: 220 - 207 (Roll no. 301).", None, "220 - 207"),
    ("On passage Passed.", [{"rollNumber": 55, "chamber": "House"}], "Roll no. 55"),
    ("Ordered to be Reported in the Nature of a Substitute (Amended) by the Yeas and Nays: 57 - 0.", None, "57 - 0"),
])
def test_extract_vote(text, votes, expected):
    assert extract_vote(text, votes) == expected
