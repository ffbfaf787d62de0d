"""Ended Congresses: a bill of a Congress that has ended without enacting it died there.

A Congress ends at noon on January 3 of the odd year after its second session (the 118th:
2023-01-03 to 2025-01-03), so the Nth ends on ``date(1789 + 2 * N, 1, 3)``. A bill that became law,
or a resolution agreed to, is done, not dead; every other bill of an ended Congress died in it,
at the last stage it reached (vetoed, failed, passed one chamber…).
"""

from __future__ import annotations

from datetime import date

from scrapers.ids import ordinal
from scrapers.stage_names import AGREED_TO, BECAME_LAW

_DONE = frozenset({BECAME_LAW, AGREED_TO})


def congress_end(congress: int) -> date:
    """The day the ``congress``-th Congress ended (or will end): January 3, 1789 + 2N."""
    return date(1789 + 2 * congress, 1, 3)


def ended_info(congress: int, last_stage: str | None, today: date) -> dict | None:
    """``{"congress": 118, "date": "2025-01-03", "last_stage": "Passed House"}`` when the bill's
    Congress ended without enacting it (the ``ended`` of ``bill --json``), else None."""
    end = congress_end(congress)
    if today < end or last_stage in _DONE:
        return None
    return {"congress": congress, "date": end.isoformat(), "last_stage": last_stage or "Introduced"}


def ended_line(ended: dict | None) -> str | None:
    """The card's line: ``Died in the 118th Congress — last stage: Passed House``."""
    if not ended:
        return None
    return f"Died in the {ordinal(ended['congress'])} Congress — last stage: {ended['last_stage']}"
