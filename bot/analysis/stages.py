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
PASSAGE = "passage"                 # a chamber passed / agreed to the measure (or failed to)
AMENDMENT_AGREED = "amendment"      # a chamber agreed to the other chamber's amendment (final, or with its own)
CONFERENCE = "conference"           # a chamber agreed to the conference report
OVERRIDE = "override"               # a chamber voted on overriding the veto (passed or failed)


@dataclass(frozen=True)
class ActionClass:
    stage: str | None          # the stage this action points to (None: no stage change)
    procedural: bool           # cloture, rules, motions, hearings, calendars…: never a stage
    chamber: str | None        # House | Senate | None
    kind: str = ""             # PASSAGE, AMENDMENT_AGREED, CONFERENCE, OVERRIDE or ""
    amended: bool = False      # passed/agreed "with an amendment" (the text differs from the other chamber's)
    failed: bool = False       # the vote failed (a passage: the bill failed; an override: the veto stands)


# LOC action codes (BILLSTATUS user guide, "action codes"): the Library of Congress's own summary
# of what the chamber did, so they outrank a chamber wording the patterns miss.
CODE_TABLE: dict[str, tuple[str, str | None, str]] = {
    "1000": (INTRODUCED, "House", ""), "Intro-H": (INTRODUCED, "House", ""),
    "10000": (INTRODUCED, "Senate", ""), "Intro-S": (INTRODUCED, "Senate", ""),
    "H11100": (IN_COMMITTEE, "House", ""), "2000": (IN_COMMITTEE, "House", ""),
    "11000": (IN_COMMITTEE, "Senate", ""),
    "5000": (REPORTED, "House", ""), "14000": (REPORTED, "Senate", ""),
    "8000": (PASSED_HOUSE, "House", PASSAGE), "17000": (PASSED_SENATE, "Senate", PASSAGE),
    "9000": (FAILED, "House", PASSAGE), "18000": (FAILED, "Senate", PASSAGE),
    "19500": (RESOLVING, "House", AMENDMENT_AGREED), "20500": (RESOLVING, "Senate", AMENDMENT_AGREED),
    "21000": (RESOLVING, "House", CONFERENCE), "23000": (RESOLVING, "Senate", CONFERENCE),
    "28000": (TO_PRESIDENT, None, ""), "36000": (BECAME_LAW, None, ""),
    "31000": (VETOED, None, ""),
    "32000": (BECAME_LAW, "House", OVERRIDE), "33000": (VETOED, "House", OVERRIDE),
    "34000": (BECAME_LAW, "Senate", OVERRIDE), "35000": (VETOED, "Senate", OVERRIDE),
}
_FAILED_CODES = {"9000", "18000", "33000", "35000"}

# Library of Congress summaries restate the chamber's action after a label; the label is the signal
_LOC_LABEL = re.compile(
    r"^(?P<label>passed/agreed to in (?P<pchamber>house|senate)|failed of passage/not agreed to in "
    r"(?P<fchamber>house|senate)|resolving differences -+ (?P<rchamber>house|senate) actions|"
    r"conference report agreed to in (?P<cchamber>house|senate)|"
    r"(?P<ovr>passed|failed of passage in|failed) (?P<ochamber>house|senate) over veto)(\s*:\s*|\.?\s*$)", re.I)

# Never a stage, whatever words follow: rules, motions about the bill, cloture, amendments to it,
# committee-of-the-whole and floor management, calendars, hearings.
_PROCEDURAL = [re.compile(p, re.I) for p in (
    r"^rule h\. ?res\.", r"\brule (h\. ?res\.|provides)", r"rules committee resolution",
    r"\bcloture\b",
    r"^(on )?motion (to|that|by)\b", r"^motions? to\b", r"\bmoved (to|that)\b", r"^mr\.|^mrs\.|^ms\.",
    r"\bmotion to (recommit|commit|instruct|table|reconsider|proceed|postpone|waive|refer|discharge|disagree)",
    r"^table motion", r"^the previous question", r"^previous question", r"^(the )?(house|senate) (proceeded|adjourned|resumed)",
    r"^on motion that the committee (now )?rise", r"committee of the whole",
    r"^(h|s)\. ?amdt\.", r"^amendment \(?(h|s)a", r"^(the house|house) adopted the amendment",
    r"title of the measure was amended", r"amendments? en gros",
    r"hearings? held", r"mark-?up session held", r"committee consideration and mark-?up", r"subcommittee consideration",
    r"placed on (the )?(union|house|senate legislative|private|consent|discharge)? ?calendar", r"\bcalendar no\.",
    r"^considered (under|as|by)", r"^debate\b", r"^measure laid before", r"^(the )?veto message (considered|laid)",
    r"postponed proceedings", r"^(pursuant|by unanimous consent), .* (considered|postponed)( |\.|$)",
    r"are considered vacated", r"ordered to be printed", r"star print", r"^sponsor introductory remarks",
    r"^committee on .* discharged", r"^(senate )?committee on .* discharged", r"^point of order", r"^the chair\b",
    r"unfinished business", r"^message on (senate|house) action", r"^held at the desk", r"^floor summary",
    r"^order of procedure", r"^at the conclusion of debate", r"^conference (papers|report filed|committee actions)",
    r"^(senate|house) (disagrees?|insists?) ", r"^(senate|house) appointed conferees", r"^to conference",
    r"^considered by (senate|house)", r"^(house|senate) (requested|agreed to) (a |the )?conference",
    r"unanimous consent agreement", r"^(the )?motion to reconsider",
)]

_WITH_AMENDMENT = re.compile(r"\bwith (an |its )?amendments?\b|with an amendment in the nature of a substitute|"
                             r"as amended|\(amended\)", re.I)
_FAILED_WORDS = re.compile(r"\b(failed|rejected|not agreed to|disagreed to|not passed)\b", re.I)

# a veto override: "Passed House over veto", "On passage, the objections of the President to the
# contrary notwithstanding Passed by the Yeas and Nays: (2/3 required)", "Two-thirds of the Members
# present having voted in the affirmative the bill is passed"
_OVERRIDE = re.compile(r"over (the )?(president's )?veto|objections of the president to the contrary notwithstanding|"
                       r"two-thirds of the (members|senators) (present )?(having )?voted in the affirmative", re.I)
_OVERRIDE_FAILED = re.compile(r"failed of passage in (house|senate) over veto|over veto failed|"
                              r"notwithstanding,? failed|veto sustained|failed (house|senate) over veto|"
                              r"two-thirds .* not having voted", re.I)

# the chamber's agreement to the other chamber's amendment (final unless "with an amendment")
_AGREE_AMENDMENT = re.compile(
    r"^on motion (that the house|to) (suspend the rules and )?(agree|concur)( with an amendment)? (to|in) "
    r"(the )?senate amendments?[^.]*?\b(agreed to|failed|passed)|"
    r"^(house|senate) (agreed to|concurred in) (the )?(house|senate) amendments?|"
    r"^(house|senate) receded from its amendment and concurred|"
    r"^(house|senate) concurred in (the )?(house|senate) amendment", re.I)
_CONFERENCE = re.compile(r"^on agreeing to the conference report[^.]*\b(agreed to|failed)|"
                         r"^(house|senate) agreed to (the )?conference report|"
                         r"^conference report agreed to|^on motion to suspend the rules and agree to the conference report"
                         r"[^.]*\b(agreed to|failed)", re.I)

# a passage (or failed passage) of the measure itself
_PASSAGE = re.compile(
    r"^passed (house|senate)\b|^measure passed (house|senate)|"
    r"^on passage\b[^.]*\b(passed|failed|agreed to)|"
    r"^on motion to suspend the rules and (pass|agree to) the (bill|resolution|joint resolution|concurrent resolution)"
    r"[^.]*\b(agreed to|failed)|"
    r"^on agreeing to the (resolution|concurrent resolution|joint resolution)[^.]*\b(agreed to|failed)|"
    r"^(joint |concurrent )?resolution (agreed to|not agreed to|disagreed to) in (house|senate)|"
    r"^(resolution |measure |joint resolution |concurrent resolution )?disagreed to in (house|senate)|"
    r"^failed of passage in (house|senate)|^failed of passage\b|"
    r"^(introduced|received|submitted) in the (house|senate)[,.]? [^.]*\b(passed|agreed to)\b|"
    r"^(joint |concurrent )?resolution agreed to\b|"
    r"is considered (as )?(passed|agreed to)( in)? (house|senate)|^passed house pursuant to|"
    r"the following (bills|resolutions?) (passed|were agreed to|was agreed to) under suspension", re.I)

_OTHER_STAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"became (public|private) law|^signed by (the )?president", re.I), BECAME_LAW),
    (re.compile(r"pocket vetoed|vetoed by (the )?president|veto message received", re.I), VETOED),
    (re.compile(r"presented to (the )?president", re.I), TO_PRESIDENT),
    (re.compile(r"cleared for white house", re.I), PASSED_CONGRESS),
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
    for code in _codes(action):
        if re.fullmatch(r"H[0-9A-Z]{4,6}|Intro-H", code):
            return "House"
        if code.isdigit() and code in CODE_TABLE and CODE_TABLE[code][1]:
            return CODE_TABLE[code][1]
        if code.isdigit() and int(code) < 28000:
            return "House" if int(code) < 10000 else "Senate"
    low = text.lower()
    if "suspend the rules" in low or "union calendar" in low or "roll no." in low:
        return "House"
    for word, name in (("in the senate", "Senate"), ("in senate", "Senate"), ("senate", "Senate"),
                       ("in the house", "House"), ("in house", "House"), ("house", "House")):
        if word in low:
            return name
    return None


def _codes(action) -> list[str]:
    codes = [str(c).strip() for c in (getattr(action, "codes", None) or []) if c]
    code = (getattr(action, "code", None) or "").strip()
    if code and code not in codes:
        codes.insert(0, code)
    return codes


def _texts(action) -> list[str]:
    texts = [" ".join(str(t).split()) for t in (getattr(action, "texts", None) or []) if t]
    text = " ".join((getattr(action, "text", "") or "").split())
    if text and text not in texts:
        texts.insert(0, text)
    return [t for t in texts if t]


def _named_chamber(text: str) -> str | None:
    m = re.search(r"\b(?:in|passed|to) (?:the )?(house|senate)\b", text, re.I)
    return m.group(1).title() if m else None


def _classify_text(text: str, chamber: str | None) -> ActionClass | None:
    """One wording (LOC label stripped): the class it names, or None when it names no stage."""
    low = text.lower()
    if _OVERRIDE.search(text) or _OVERRIDE_FAILED.search(text):
        failed = bool(_OVERRIDE_FAILED.search(text) or _FAILED_WORDS.search(text))
        return ActionClass(VETOED if failed else BECAME_LAW, False, _named_chamber(text) or chamber, OVERRIDE,
                           failed=failed)
    for pattern, stage in _OTHER_STAGES[:4]:
        if pattern.search(text):
            return ActionClass(stage, False, chamber)
    # the measure's own votes are anchored at the start of the wording ("On passage…", "On motion
    # to suspend the rules and pass the bill…", "On motion that the House agree to the Senate
    # amendment…"), so a rule, a motion to recommit or a cloture vote never matches them
    if _CONFERENCE.search(text):
        failed = bool(_FAILED_WORDS.search(text))
        return ActionClass(None if failed else RESOLVING, failed, chamber, CONFERENCE if not failed else "")
    if _AGREE_AMENDMENT.search(text):
        if re.search(r"\b(failed|not agreed to)\b", low):
            return ActionClass(None, True, chamber)          # a failed motion to concur: no stage
        return ActionClass(RESOLVING, False, _named_chamber(text.split(" amendment")[0]) or chamber,
                           AMENDMENT_AGREED, bool(re.search(r"\b(agree|concur)(red)? (in|to)?\s*(the )?(house |senate )?"
                                                            r"amendments? with (an )?amendment|agree with an "
                                                            r"amendment|with (an )?amendment", low)))
    if _PASSAGE.search(text):
        failed = bool(_FAILED_WORDS.search(text)) and not re.search(r"\b(passed|agreed to)\b(?! in (house|senate) "
                                                                    r"over)", re.sub(r"not agreed to|disagreed to",
                                                                                     "", low))
        where = _named_chamber(text) or chamber
        if failed:
            return ActionClass(FAILED, False, where, PASSAGE, failed=True)
        stage = PASSED_SENATE if where == "Senate" else PASSED_HOUSE
        return ActionClass(stage, False, where, PASSAGE, bool(_WITH_AMENDMENT.search(text)))
    if any(p.search(text) for p in _PROCEDURAL):
        return ActionClass(None, True, chamber)
    for pattern, stage in _OTHER_STAGES[4:]:
        if pattern.search(text):
            return ActionClass(stage, False, chamber)
    return None


def classify_action(action) -> ActionClass:
    """Stage, procedural flag and chamber of one ``ActionRecord`` (anything with ``text``/``code``;
    merged records also carry ``codes`` and ``texts``: every code and wording of the one event).

    A Library of Congress code or label for a passage, a resolution of differences, a veto or a law
    is the strongest signal; then the wordings, where a rule, a motion (to recommit, to instruct
    conferees, to table, to proceed…), a cloture vote or an amendment to the bill is procedural
    even when it "passed" or "failed"."""
    texts = _texts(action)
    if not texts:
        return ActionClass(None, False, getattr(action, "chamber", None))
    codes = _codes(action)
    chamber = _chamber(action, texts[0])
    all_text = " ".join(texts)
    amended = bool(_WITH_AMENDMENT.search(all_text))
    # 1. the LOC's summary of the chamber's action: its code, else its label
    for code in codes:
        if code in CODE_TABLE and CODE_TABLE[code][2]:
            stage, where, kind = CODE_TABLE[code]
            failed = code in _FAILED_CODES
            if kind == AMENDMENT_AGREED:
                agreed = [_classify_text(_LOC_LABEL.sub("", t), where) for t in texts]
                agreed = [c for c in agreed if c is not None and c.kind == AMENDMENT_AGREED]
                amended = any(c.amended for c in agreed) if agreed else amended
                if not agreed and any(re.search(r"\b(failed|not agreed to)\b", t, re.I) for t in texts):
                    return ActionClass(None, True, where)
            if kind == PASSAGE and not failed:
                chamber_texts = [_classify_text(_LOC_LABEL.sub("", t), where) for t in texts]
                amended = any(c.amended for c in chamber_texts if c is not None and c.kind == PASSAGE) or amended
            return ActionClass(stage, False, where, kind, amended and not failed, failed)
    for text in texts:
        m = _LOC_LABEL.match(text)
        if not m:
            continue
        rest = text[m.end():]
        if m.group("ovr"):
            failed = m.group("ovr").lower().startswith("failed")
            return ActionClass(VETOED if failed else BECAME_LAW, False, m.group("ochamber").title(), OVERRIDE,
                               failed=failed)
        if m.group("pchamber"):
            where = m.group("pchamber").title()
            return ActionClass(PASSED_SENATE if where == "Senate" else PASSED_HOUSE, False, where, PASSAGE,
                               bool(_WITH_AMENDMENT.search(rest)))
        if m.group("fchamber"):
            return ActionClass(FAILED, False, m.group("fchamber").title(), PASSAGE, failed=True)
        if m.group("cchamber"):
            return ActionClass(RESOLVING, False, m.group("cchamber").title(), CONFERENCE)
        if m.group("rchamber"):
            inner = _classify_text(rest, m.group("rchamber").title())
            if inner is not None:
                return inner
    # 2. the wordings
    found = [c for c in (_classify_text(t, chamber) for t in texts) if c is not None]
    if not found:
        for code in codes:
            if code in CODE_TABLE:
                stage, where, kind = CODE_TABLE[code]
                return ActionClass(stage, False, chamber or where, kind)
        return ActionClass(None, False, chamber)
    if any(c.procedural for c in found) and not any(c.stage and c.kind for c in found):
        return ActionClass(None, True, chamber)
    best = next((c for c in found if c.stage and c.kind), None) or next((c for c in found if c.stage), found[0])
    return best


def _action_sort_key(action) -> tuple:
    """Date first; on the same day, earlier stages first (LOC entries carry no time)."""
    stage = classify_action(action).stage
    return (action.date, RANK.get(stage, -1) if stage else -1, getattr(action, "time", None) or "")


_DONE = (BECAME_LAW, VETOED, AGREED_TO, TO_PRESIDENT, PASSED_CONGRESS)


def bill_stages(actions: Iterable, bill_type: str) -> list[tuple[str, date]]:
    """The stages a measure reached, in order, each with the date it was reached.

    Actions with no text are left out. A failed motion (to recommit, to instruct conferees…) never
    moves a stage; a failed passage vote is ``Failed`` until a later passage; a failed veto
    override leaves the bill ``Vetoed``; both chambers overriding make it law; the first chamber
    agreeing to a conference report is ``Resolving differences``, the second ``Passed Congress``."""
    btype = bill_type.lower()
    resolution = btype in ("hres", "sres")
    concurrent = btype in ("hconres", "sconres")
    reached: list[tuple[str, date]] = []
    current: str | None = None
    passed: set[str] = set()
    conference: set[str] = set()
    overridden: set[str] = set()

    def move(stage: str, when: date, *, force: bool = False) -> None:
        nonlocal current
        if current is not None and not force and RANK[stage] <= RANK[current]:
            return
        if current == stage:
            return
        reached.append((stage, when))
        current = stage

    usable = [a for a in actions if " ".join((getattr(a, "text", "") or "").split())]
    for action in sorted(usable, key=_action_sort_key):
        cls = classify_action(action)
        if cls.procedural or cls.stage is None:
            continue
        when = action.date
        if cls.kind == OVERRIDE:
            if cls.failed or resolution or concurrent:
                continue                                   # the veto stands
            overridden.add(cls.chamber or ("House" if not overridden else "Senate"))
            if len(overridden) == 2:
                move(BECAME_LAW, when, force=current == VETOED)
            continue
        if cls.kind == PASSAGE and cls.failed:
            if current not in _DONE and (current is None or RANK[current] <= RANK[FAILED]):
                reached.append((FAILED, when))
                current = FAILED
            continue
        if cls.kind == PASSAGE:
            chamber = cls.chamber or ("Senate" if cls.stage == PASSED_SENATE else "House")
            if resolution:
                move(AGREED_TO, when, force=current == FAILED)
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
                move(PASSED_SENATE if chamber == "Senate" else PASSED_HOUSE, when, force=current == FAILED)
            continue
        if cls.kind == CONFERENCE:
            conference.add(cls.chamber or ("House" if not conference else "Senate"))
            if len(conference) == 2:
                move(AGREED_TO if concurrent else PASSED_CONGRESS, when)
            else:
                move(RESOLVING, when)
            continue
        if cls.kind == AMENDMENT_AGREED:
            if cls.amended:
                move(RESOLVING, when)
            else:
                move(AGREED_TO if concurrent else PASSED_CONGRESS, when)
            continue
        if cls.stage == PASSED_CONGRESS and (resolution or concurrent):
            move(AGREED_TO, when)
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
