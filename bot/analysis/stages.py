"""Where a bill stands: a table-driven classifier for Congress.gov action texts.

``classify_action`` looks at one action (LOC action code when present, text patterns otherwise)
and says which stage it would put a bill in, whether it is procedural (a cloture vote, a hearing,
a calendar placement, a motion to reconsider…) and in which chamber it happened.
``bill_stages`` walks a bill's actions in date order and returns the stages actually reached:
a stage only moves forward, never on a procedural action, and the second chamber's passage
becomes ``Passed Congress`` (same text) or ``Resolving differences`` (passed with changes).
Simple and concurrent resolutions end at ``Agreed to``.

Pure functions, no I/O: the tests feed real action texts in and check what comes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scrapers.stage_names import (  # the stage vocabulary lives once, in scrapers/stage_names.py
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
)

# How far along each stage is; a bill's stage never moves to a lower or equal rank
# (except the explicit exceptions in ``bill_stages``).
RANK = {INTRODUCED: 0, IN_COMMITTEE: 1, REPORTED: 2, PASSED_HOUSE: 3, PASSED_SENATE: 3, RESOLVING: 4,
        PASSED_CONGRESS: 5, TO_PRESIDENT: 6, BECAME_LAW: 7, VETOED: 7, AGREED_TO: 7, FAILED: 3}

# event kinds (ActionClass.kind)
PASSAGE = "passage"                 # a chamber passed / agreed to the measure
AMENDMENT_AGREED = "amendment"      # a chamber agreed to the other chamber's amendment / conference report


@dataclass(frozen=True)
class ActionClass:
    stage: str | None          # the stage this action points to (None: no stage change)
    procedural: bool           # cloture, hearings, calendars, motions to reconsider…
    chamber: str | None        # House | Senate | None
    kind: str = ""             # "passage", "amendment", "" …
    amended: bool = False      # passed "with an amendment" (the text differs from the other chamber's)


# LOC action codes that are unambiguous (BILLSTATUS user guide §3).
CODE_TABLE: dict[str, tuple[str, str | None, str]] = {
    "1000": (INTRODUCED, "House", ""), "Intro-H": (INTRODUCED, "House", ""),
    "10000": (INTRODUCED, "Senate", ""), "Intro-S": (INTRODUCED, "Senate", ""),
    "H11100": (IN_COMMITTEE, "House", ""), "2000": (IN_COMMITTEE, "House", ""),
    "11000": (IN_COMMITTEE, "Senate", ""),
    "5000": (REPORTED, "House", ""), "14000": (REPORTED, "Senate", ""),
    "28000": (TO_PRESIDENT, None, ""), "36000": (BECAME_LAW, None, ""),
    "31000": (VETOED, None, ""),
}

_PROCEDURAL = [re.compile(p, re.I) for p in (
    r"\bcloture\b",
    r"hearings? held",
    r"placed on (the )?(union|house|senate legislative|private|consent|discharge)? ?calendar",
    r"\bcalendar no\.",
    r"motion to reconsider",
    r"motion to table the motion to reconsider",
    r"^considered (under|as|by)",
    r"^debate\b",
    r"moved to (suspend the rules|recommit|proceed)",
    r"motion to proceed",
    r"measure laid before",
    r"^(mr|mrs|ms)\. .* (moved|asked unanimous consent)",
    r"mark-?up session held",
    r"committee consideration and mark-?up",
    r"subcommittee consideration",
    r"rules committee resolution",
    r"rule (h\. ?res\.|provides)",
    r"^the (house|senate) (proceeded|adjourned|resumed)",
    r"postponed proceedings",
    r"^(pursuant|by unanimous consent), .* (considered|postponed)",
    r"ordered to be printed",
    r"star print",
    r"^sponsor introductory remarks",
    r"^committee on .* discharged",   # discharge goes with a later vote
    r"^(point of order|the chair)",
    r"unfinished business",
    r"^message on senate action sent to the house",
    r"^held at the desk",
)]

_PASSAGE_FAILED = re.compile(
    r"failed of passage|on passage failed|(pass|agreeing to) the (bill|resolution|joint resolution|"
    r"concurrent resolution)[^.]*\bfailed\b|not agreed to|failed by (the )?yea", re.I)
_PASSED = re.compile(
    r"passed/agreed to in (house|senate)|^passed (house|senate)|passed senate|passed house|"
    r"on passage passed|"
    r"on motion to suspend the rules and (pass|agree to) the (bill|resolution|joint resolution|concurrent resolution)"
    r"[^.]*\bagreed to|on agreeing to the (resolution|concurrent resolution)[^.]*\bagreed to|"
    r"resolution agreed to in (house|senate)|^(joint |concurrent )?resolution agreed to|"
    r"submitted in the senate, considered, and agreed to|passed over veto", re.I)
_AMENDMENT_AGREED = re.compile(
    r"(house|senate) agreed to (the )?(house|senate) amendment|resolving differences|"
    r"conference report agreed to|agreed to conference report|on agreeing to the conference report[^.]*agreed to|"
    r"on motion (that the house|to) (agree|concur) (to|in) the senate amendment[^.]*agreed to|"
    r"cleared for white house|concurred in the (house|senate) amendment", re.I)
_WITH_AMENDMENT = re.compile(r"with (an )?amendments?\b|with an amendment in the nature of a substitute", re.I)

_STAGE_PATTERNS: list[tuple[re.Pattern, str | None]] = [
    (re.compile(r"became (public|private) law|signed by president", re.I), BECAME_LAW),
    (re.compile(r"pocket vetoed|vetoed by (the )?president|veto message received", re.I), VETOED),
    (re.compile(r"presented to (the )?president", re.I), TO_PRESIDENT),
    (re.compile(r"^introduced in (the )?(house|senate)|^introduced\b|^submitted in the (house|senate)\.?$|"
                r"^sponsor introductory", re.I), INTRODUCED),
    (re.compile(r"^reported\b|reported (by|to|from|with|without|favorably|in the nature)|"
                r"ordered to be reported|reported \(amended\)", re.I), REPORTED),
    (re.compile(r"referred to (the )?(house |senate )?(committee|subcommittee)|"
                r"read twice and referred|referred to the committee|sequentially referred|"
                r"^referred to", re.I), IN_COMMITTEE),
]


def _chamber(action, text: str) -> str | None:
    chamber = getattr(action, "chamber", None)
    if chamber in ("House", "Senate"):
        return chamber
    code = (getattr(action, "code", None) or "").strip()
    if re.fullmatch(r"H[0-9A-Z]{4,6}|Intro-H", code):
        return "House"
    if code.isdigit():
        return "House" if int(code) < 10000 else "Senate" if int(code) < 28000 else None
    low = text.lower()
    if "suspend the rules" in low or "union calendar" in low or "roll no." in low:
        return "House"
    for word, name in (("in the senate", "Senate"), ("in senate", "Senate"), ("senate", "Senate"),
                       ("in the house", "House"), ("in house", "House"), ("house", "House")):
        if word in low:
            return name
    return None


def classify_action(action) -> ActionClass:
    """Stage, procedural flag and chamber of one ``ActionRecord`` (anything with ``text``/``code``)."""
    text = " ".join((getattr(action, "text", "") or "").split())
    code = (getattr(action, "code", None) or "").strip()
    chamber = _chamber(action, text)
    low = text.lower()
    # "On motion to suspend the rules and pass the bill…" is the result; "…moved to suspend" is not.
    is_result = bool(_PASSED.search(text) or _PASSAGE_FAILED.search(text) or _AMENDMENT_AGREED.search(text))
    if any(p.search(text) for p in _PROCEDURAL) and not (is_result and "reconsider" not in low
                                                         and "cloture" not in low):
        return ActionClass(None, True, chamber)
    for pattern, stage in _STAGE_PATTERNS[:3]:
        if pattern.search(text):
            return ActionClass(stage, False, chamber)
    if _PASSAGE_FAILED.search(text):
        return ActionClass(FAILED, False, chamber, PASSAGE)
    if _AMENDMENT_AGREED.search(text):
        return ActionClass(RESOLVING, False, chamber, AMENDMENT_AGREED, bool(_WITH_AMENDMENT.search(text)))
    if _PASSED.search(text):
        m = re.search(r"(?:passed/agreed to in|passed) (house|senate)", low)
        if m:
            chamber = m.group(1).title()
        stage = PASSED_SENATE if chamber == "Senate" else PASSED_HOUSE
        return ActionClass(stage, False, chamber, PASSAGE, bool(_WITH_AMENDMENT.search(text)))
    if code in CODE_TABLE:
        stage, code_chamber, kind = CODE_TABLE[code]
        return ActionClass(stage, False, chamber or code_chamber, kind)
    for pattern, stage in _STAGE_PATTERNS[3:]:
        if pattern.search(text):
            return ActionClass(stage, False, chamber)
    return ActionClass(None, False, chamber)


def _action_sort_key(action) -> tuple:
    """Date first; on the same day, earlier stages first (LOC entries carry no time)."""
    stage = classify_action(action).stage
    return (action.date, RANK.get(stage, -1) if stage else -1, getattr(action, "time", None) or "")


def bill_stages(actions: Iterable, bill_type: str) -> list[tuple[str, date]]:
    """The stages a measure reached, in order, each with the date it was reached."""
    resolution = bill_type.lower() in ("hres", "sres")
    concurrent = bill_type.lower() in ("hconres", "sconres")
    reached: list[tuple[str, date]] = []
    current: str | None = None
    passed: set[str] = set()
    agreed_amendment: set[str] = set()

    def move(stage: str, when: date, *, force: bool = False) -> None:
        nonlocal current
        if current is not None and not force and RANK[stage] <= RANK[current]:
            return
        if current == stage:
            return
        reached.append((stage, when))
        current = stage

    for action in sorted(actions, key=_action_sort_key):
        cls = classify_action(action)
        if cls.procedural or cls.stage is None:
            continue
        when = action.date
        if cls.kind == PASSAGE and cls.stage == FAILED:
            if current not in (BECAME_LAW, VETOED, AGREED_TO, TO_PRESIDENT, PASSED_CONGRESS):
                if current is None or RANK[current] <= RANK[FAILED]:
                    reached.append((FAILED, when))
                    current = FAILED
            continue
        if cls.kind == PASSAGE:
            chamber = cls.chamber or ("Senate" if cls.stage == PASSED_SENATE else "House")
            if "over veto" in action.text.lower():
                passed.add(chamber)
                continue
            if resolution:
                move(AGREED_TO, when)
                continue
            first_time = chamber not in passed
            passed.add(chamber)
            if len(passed) == 2 and first_time:
                if concurrent:
                    move(AGREED_TO, when)
                    continue
                move(PASSED_SENATE if chamber == "Senate" else PASSED_HOUSE, when, force=True)
                if cls.amended:
                    move(RESOLVING, when, force=True)
                else:
                    move(PASSED_CONGRESS, when)
            else:
                move(PASSED_SENATE if chamber == "Senate" else PASSED_HOUSE, when,
                     force=current == FAILED)
            continue
        if cls.kind == AMENDMENT_AGREED:
            if cls.chamber:
                agreed_amendment.add(cls.chamber)
            if cls.amended:
                move(RESOLVING, when)
            elif "cleared for white house" in action.text.lower() or current == RESOLVING or len(passed) == 2:
                if concurrent:
                    move(AGREED_TO, when)
                else:
                    move(PASSED_CONGRESS, when)
            continue
        if cls.stage == BECAME_LAW and current == VETOED:
            move(BECAME_LAW, when, force=True)
            continue
        if cls.stage in (TO_PRESIDENT, BECAME_LAW, VETOED) and (resolution or concurrent):
            continue
        move(cls.stage, when)
    return reached


def current_stage(actions: Iterable, bill_type: str) -> str | None:
    """The latest stage reached (None when there are no actions)."""
    stages = bill_stages(actions, bill_type)
    return stages[-1][0] if stages else None


_TALLY = re.compile(r"(?<![\w/])(\d{1,3})\s*[-–]\s*(\d{1,3})(?![\w/])")
_VOTE_WORDS = re.compile(r"yeas and nays|yea-nay|recorded vote|roll no\.|record vote|vote of|by a vote", re.I)


def extract_vote(text: str, votes: list[dict] | None = None) -> str | None:
    """The tally in an action text (``"369 - 22"``), else ``"Roll no. N"`` from recorded votes, else None."""
    if text and _VOTE_WORDS.search(text):
        m = _TALLY.search(text[_VOTE_WORDS.search(text).start():]) or _TALLY.search(text)
        if m:
            return f"{m.group(1)} - {m.group(2)}"
    for vote in votes or []:
        roll = vote.get("rollNumber") if isinstance(vote, dict) else None
        if roll:
            return f"Roll no. {roll}"
    return None
