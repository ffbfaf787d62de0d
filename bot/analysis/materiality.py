"""Materiality of a change, for routing alerts (pure, table-driven).

``materiality(change_kind, **facts)`` looks the change kind up in :data:`RULES`: each kind has
an ordered list of ``(condition, level)`` rows; the first row whose condition holds for the
facts wins. A condition is a plain description (``{"stage": HIGH_STAGES}``,
``{"days_left": ("<=", 7)}``) so the table reads like the policy it encodes.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapers import stage_names

log = logging.getLogger(__name__)

HIGH, NORMAL, LOW = "high", "normal", "low"
LEVELS = (HIGH, NORMAL, LOW)

# stages that put a bill materially closer to (or out of) law (the vocabulary: scrapers/stage_names.py)
HIGH_STAGES = stage_names.HIGH
NORMAL_STAGES = stage_names.NORMAL
DEADLINE_SOON_DAYS = 7
NEWS_RELEVANCE = 0.5

ALWAYS: dict = {}

# kind -> [(condition, level)], first match wins. A condition maps a fact name to either a set
# of accepted values, a (operator, number) comparison, or a plain value compared with ==.
RULES: dict[str, list[tuple[dict, str]]] = {
    "stage": [({"stage": HIGH_STAGES}, HIGH), ({"stage": NORMAL_STAGES}, NORMAL), (ALWAYS, NORMAL)],
    "action": [({"procedural": True}, LOW), (ALWAYS, NORMAL)],
    "text_version": [({"substantive": True}, HIGH), ({"substantive": False}, LOW), (ALWAYS, NORMAL)],
    "cosponsors": [(ALWAYS, NORMAL)],
    "committee": [(ALWAYS, NORMAL)],
    "summary": [(ALWAYS, NORMAL)],
    "related_bill": [(ALWAYS, NORMAL)],
    "crec_mention": [(ALWAYS, NORMAL)],
    "fr_document": [({"doc_type": {"Rule", "Final Rule"}, "watched_agency": True}, HIGH), (ALWAYS, NORMAL)],
    "fr_updated": [(ALWAYS, LOW)],
    "public_inspection": [({"watched_agency": True}, HIGH), (ALWAYS, NORMAL)],
    "pi_withdrawn": [(ALWAYS, NORMAL)],
    "press_release": [(ALWAYS, NORMAL)],
    "news": [({"duplicate": True}, LOW), ({"relevance": (">=", NEWS_RELEVANCE)}, NORMAL), (ALWAYS, LOW)],
    "deadline": [({"days_left": ("<", 0)}, LOW), ({"days_left": ("<=", DEADLINE_SOON_DAYS)}, HIGH),
                 (ALWAYS, NORMAL)],
    "new_matching_bill": [(ALWAYS, NORMAL)],
    "source_failing": [(ALWAYS, NORMAL)],
    "source_recovered": [(ALWAYS, LOW)],
}

_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b}


def _holds(expected: Any, actual: Any) -> bool:
    if isinstance(expected, (set, frozenset)):
        return actual in expected
    if isinstance(expected, tuple) and len(expected) == 2 and expected[0] in _OPS:
        if actual is None:
            return False
        try:
            return _OPS[expected[0]](float(actual), expected[1])
        except (TypeError, ValueError):
            return False
    if isinstance(expected, bool):
        return actual is expected
    return actual == expected


def materiality(change_kind: str, **facts: Any) -> str:
    """``high``, ``normal`` or ``low`` for a change of ``change_kind`` with the given facts.

    An unknown kind is ``normal`` (logged), so a new change kind is never silently dropped.
    """
    rows = RULES.get(change_kind)
    if rows is None:
        log.warning("materiality: unknown change kind %r, using normal", change_kind)
        return NORMAL
    for condition, level in rows:
        if all(_holds(v, facts.get(k)) for k, v in condition.items()):
            return level
    return NORMAL
