"""The classifier on the action forms the chambers really use (wordings from govinfo BILLSTATUS
files and the Congress.gov API): a rule, a motion or a cloture vote never moves a stage, a failed
motion is not a failed bill, the LOC codes 8000/17000 count, veto overrides and conference
reports take both chambers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.analysis.stages import (
    AGREED_TO,
    BECAME_LAW,
    FAILED,
    PASSED_CONGRESS,
    PASSED_HOUSE,
    PASSED_SENATE,
    RESOLVING,
    VETOED,
    bill_stages,
    classify_action,
)
from scrapers.congress_parse import parse_actions
from scrapers.records import ActionRecord


def act(day: str, text: str, code: str | None = None, chamber: str | None = None, **kw) -> ActionRecord:
    return ActionRecord(date=date.fromisoformat(day), text=text, code=code, chamber=chamber, **kw)


@pytest.mark.parametrize("text, code", [
    ("Rule H. Res. 774 passed House.", "H1L220"),
    ("On motion to recommit Failed by the Yeas and Nays: 208 - 220 (Roll no. 384).", "H36210"),
    ("On motion to recommit with instructions Failed by recorded vote: 178 - 239 (Roll no. 19).", "H36110"),
    ("On motion to instruct conferees Failed by the Yeas and Nays: 180 - 230 (Roll no. 600).", None),
    ("Motion by Senator Cruz to commit to Senate Committee on the Judiciary with instructions rejected in Senate by "
     "Yea-Nay Vote. 50 - 50. Record Vote Number: 316.", None),
    ("Motion by Senator Wicker to instruct Senate conferees (combination length limitations) agreed to in Senate by "
     "Yea-Nay Vote. 56 - 31. Record Vote Number: 304.", None),
    ("Cloture on the motion to proceed to the measure invoked in Senate by Yea-Nay Vote. 60 - 38. Record Vote Number: 77.",
     None),
    ("Motion to proceed to consideration of measure agreed to in Senate by Voice Vote.", None),
    ("On motion to table the motion to reconsider Agreed to by the Yeas and Nays: 217 - 105 (Roll no. 386).", "H36610"),
    ("Motion to waive Rule XXVIII relative to section 32205 with respect to the conference report agreed to by "
     "Yea-Nay Vote. 77 - 22. Record Vote Number: 330.", None),
    ("Motion to table the veto message to accompany S. J. Res. 8 agreed to in Senate by Yea-Nay Vote. 96 - 3.", None),
    ("On motion to agree to the House amendments en gros Agreed to by recorded vote: 363 - 64 (Roll no. 623).",
     "H36610"),
    ("On motion that the Committee rise Agreed to by voice vote.", "H32341"),
])
def test_rules_motions_and_cloture_never_move_a_stage(text, code):
    cls = classify_action(act("2021-11-06", text, code))
    assert cls.stage is None
    walk = [act("2021-09-27", "Introduced in House", "1000"), act("2021-11-06", text, code)]
    assert [s for s, _ in bill_stages(walk, "hr")] == ["Introduced"]


def test_rule_passing_is_not_the_bill_passing():
    actions = [act("2021-09-27", "Introduced in House", "1000"),
               act("2021-11-06", "Rule H. Res. 774 passed House.", "H1L220", "House"),
               act("2021-11-19", "On motion to recommit Failed by the Yeas and Nays: 208 - 220 (Roll no. 384).",
                   "H36210", "House"),
               act("2021-11-19", "On passage Passed by the Yeas and Nays: 220 - 213 (Roll no. 385).", "H37100",
                   "House", codes=["8000", "H37100"],
                   texts=["Passed/agreed to in House: On passage Passed by the Yeas and Nays: 220 - 213 (Roll no. 385).",
                          "On passage Passed by the Yeas and Nays: 220 - 213 (Roll no. 385)."])]
    assert bill_stages(actions, "hr")[1:] == [(PASSED_HOUSE, date(2021, 11, 19))]


def test_loc_and_chamber_records_merge_keeping_both_codes_and_wordings():
    items = [  # newest first, as the API and BILLSTATUS list them
        {"actionDate": "2021-06-29", "text": "Pursuant to section 8 of H. Res. 504, and the motion offered by Mr. "
         "McGovern, the following bills passed under suspension of the rules: H.R. 1500, as amended; H.R. 2471, as "
         "amended.", "actionCode": "H37300", "sourceSystem": {"code": 2, "name": "House floor actions"}},
        {"actionDate": "2021-06-29", "text": "Passed/agreed to in House: Pursuant to section 8 of H. Res. 504, and the "
         "motion offered by Mr. McGovern, the following bills passed under suspension of the rules: H.R. 1500, as "
         "amended; H.R. 2471, as amended.", "actionCode": "8000", "sourceSystem": {"code": 9}},
        {"actionDate": "2021-04-13", "text": "Introduced in House", "actionCode": "1000", "sourceSystem": {"code": 9}},
    ]
    actions = parse_actions(items)
    assert len(actions) == 2
    merged = actions[1]
    assert set(merged.codes) == {"8000", "H37300"} and len(merged.texts) == 2
    assert merged.text.startswith("Pursuant")          # the chamber's wording (and key) is kept
    assert bill_stages(actions, "hr") == [("Introduced", date(2021, 4, 13)), (PASSED_HOUSE, date(2021, 6, 29))]


def test_an_empty_action_text_is_left_out_not_a_failure(caplog):
    items = [{"actionDate": "2015-05-12", "text": "", "actionCode": None},
             {"actionDate": "2015-05-12", "text": "Introduced in Senate", "actionCode": "10000"}]
    actions = parse_actions(items, source="billstatus")
    assert [a.text for a in actions] == ["Introduced in Senate"]
    assert "empty text" in caplog.text


@pytest.mark.parametrize("text, bill_type, stage", [
    ("Received in the Senate, considered, and agreed to without amendment by Unanimous Consent.", "hconres",
     AGREED_TO),
    ("Introduced in the Senate, read twice, considered, read the third time, and passed without amendment by "
     "Unanimous Consent.", "s", PASSED_SENATE),
    ("Pursuant to the provisions of H. Res. 101, S. Con. Res. 5 is considered passed House.", "sconres", AGREED_TO),
])
def test_passage_forms(text, bill_type, stage):
    first = "Introduced in House" if bill_type.startswith("h") else "Introduced in Senate"
    other = ([act("2021-02-01", "Passed House by voice vote.", chamber="House")] if bill_type == "hconres" else
             [act("2021-02-01", "Resolution agreed to in Senate with an amendment by Yea-Nay Vote. 51 - 50.",
                  chamber="Senate")] if bill_type == "sconres" else [])
    actions = [act("2021-01-04", first, "1000" if first.endswith("House") else "10000"), *other,
               act("2021-02-05", text)]
    stages = bill_stages(actions, bill_type)
    assert stages[-1] == (stage, date(2021, 2, 5))
    assert stages[0][0] == "Introduced"


def test_disagreed_to_in_senate_is_a_failure_of_the_resolution():
    actions = [act("2015-03-01", "Submitted in the Senate.", "10000"),
               act("2015-03-05", "Disagreed to in Senate by Voice Vote.", chamber="Senate")]
    assert bill_stages(actions, "sres")[-1] == (FAILED, date(2015, 3, 5))


def test_house_agreeing_with_an_amendment_resolves_differences():
    actions = [act("2022-01-01", "Introduced in House", "1000"),
               act("2022-01-10", "On passage Passed by voice vote.", "H37100", "House"),
               act("2022-02-01", "Passed Senate with an amendment by Voice Vote.", chamber="Senate"),
               act("2022-03-09", "On motion that the House agree with an amendment to the Senate amendment Agreed to "
                                 "by voice vote.", "H41610", "House"),
               act("2022-03-10", "Senate agreed to the House amendment to the Senate Amendment to H.R. 2471 by "
                                 "Yea-Nay Vote. 68 - 31.", chamber="Senate")]
    cls = classify_action(actions[3])
    assert cls.stage == RESOLVING and cls.amended
    assert bill_stages(actions, "hr")[-1] == (PASSED_CONGRESS, date(2022, 3, 10))


def test_conference_report_takes_both_chambers():
    actions = [act("2015-01-06", "Introduced in House", "1000"),
               act("2015-01-06", "On passage Passed by voice vote.", "H37100", "House"),
               act("2015-07-30", "Passed Senate with an amendment by Yea-Nay Vote. 65 - 34.", chamber="Senate"),
               act("2015-12-03", "On agreeing to the conference report Agreed to by the Yeas and Nays: 359 - 65 "
                                 "(Roll no. 673).", "H42510", "House"),
               act("2015-12-04", "Senate agreed to conference report by Yea-Nay Vote. 83 - 16.", chamber="Senate")]
    stages = bill_stages(actions, "hr")
    assert (PASSED_CONGRESS, date(2015, 12, 3)) not in stages
    assert stages[-1] == (PASSED_CONGRESS, date(2015, 12, 4))
    assert bill_stages(actions[:4], "hr")[-1] == (RESOLVING, date(2015, 7, 30))


def _vetoed() -> list[ActionRecord]:
    return [act("2016-01-01", "Introduced in House", "1000"),
            act("2016-01-02", "On passage Passed by voice vote.", "H37100", "House"),
            act("2016-01-03", "Passed Senate without amendment by Voice Vote.", chamber="Senate"),
            act("2016-01-04", "Presented to President.", "28000"),
            act("2016-01-08", "Vetoed by President.", "31000")]


def test_a_two_thirds_veto_override_in_both_chambers_is_a_law():
    actions = [*_vetoed(),
               act("2016-02-02", "On passage, the objections of the President to the contrary notwithstanding Passed "
                                 "by the Yeas and Nays: (2/3 required): 300 - 100 (Roll no. 70).", "H38900", "House"),
               act("2016-02-10", "Passed Senate over veto by Yea-Nay Vote. 80 - 18. Record Vote Number: 20.",
                   chamber="Senate")]
    assert bill_stages(actions[:6], "hr")[-1][0] == VETOED
    assert bill_stages(actions, "hr")[-1] == (BECAME_LAW, date(2016, 2, 10))


def test_a_failed_override_leaves_the_veto_standing():
    actions = [*_vetoed(),
               act("2016-02-02", "On passage, the objections of the President to the contrary notwithstanding Failed "
                                 "by the Yeas and Nays: (2/3 required): 241 - 186 (Roll no. 63).", "H38900", "House")]
    assert bill_stages(actions, "hr")[-1] == (VETOED, date(2016, 1, 8))
    assert FAILED not in [s for s, _ in bill_stages(actions, "hr")]
