"""The stage vocabulary, once, for every room: the names of the stages a bill or resolution
reaches, their order, the tracks a status card draws, which stages are material enough to alert,
and the verb each one reads as in a headline ("H.R. 2683 passed the House 369–22").

Part of the shared vocabulary (with ``ids``, ``records`` and ``errors``): storage, analysis,
services and the adapters all import it; it imports nothing.
"""

from __future__ import annotations

INTRODUCED = "Introduced"
IN_COMMITTEE = "In committee"
REPORTED = "Reported"
PASSED_HOUSE = "Passed House"
PASSED_SENATE = "Passed Senate"
RESOLVING = "Resolving differences"
PASSED_CONGRESS = "Passed Congress"
TO_PRESIDENT = "To President"
BECAME_LAW = "Became law"
VETOED = "Vetoed"
FAILED = "Failed"
AGREED_TO = "Agreed to"

# every stage, in the order a bill reaches them (the order lists and rankings use)
ORDER = (INTRODUCED, IN_COMMITTEE, REPORTED, PASSED_HOUSE, PASSED_SENATE, RESOLVING, PASSED_CONGRESS,
         TO_PRESIDENT, BECAME_LAW, VETOED, FAILED, AGREED_TO)

# what a status card draws: a bill's road to law, a simple or concurrent resolution's to adoption
BILL_TRACK = (INTRODUCED, IN_COMMITTEE, REPORTED, PASSED_HOUSE, PASSED_SENATE, TO_PRESIDENT, BECAME_LAW)
RESOLUTION_TRACK = (INTRODUCED, IN_COMMITTEE, REPORTED, AGREED_TO)


def bill_track(chamber: str) -> tuple[str, ...]:
    """BILL_TRACK in the bill's own chamber order: a Senate bill passes the Senate first."""
    if chamber != "Senate":
        return BILL_TRACK
    return tuple({PASSED_HOUSE: PASSED_SENATE, PASSED_SENATE: PASSED_HOUSE}.get(s, s) for s in BILL_TRACK)

# stages that put a bill materially closer to (or out of) law: alerted; the others wait for the digest
HIGH = frozenset({PASSED_HOUSE, PASSED_SENATE, PASSED_CONGRESS, TO_PRESIDENT, BECAME_LAW, VETOED, RESOLVING,
                  AGREED_TO, FAILED})
NORMAL = frozenset({INTRODUCED, IN_COMMITTEE, REPORTED})

VERBS = {INTRODUCED: "was introduced", IN_COMMITTEE: "was referred to committee",
         REPORTED: "was reported by committee", PASSED_HOUSE: "passed the House",
         PASSED_SENATE: "passed the Senate", RESOLVING: "is resolving differences between the chambers",
         PASSED_CONGRESS: "passed Congress", TO_PRESIDENT: "was presented to the President",
         BECAME_LAW: "became law", VETOED: "was vetoed", FAILED: "failed", AGREED_TO: "was agreed to"}

RANK = {name: n for n, name in enumerate(ORDER)}
