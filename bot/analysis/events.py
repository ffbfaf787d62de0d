"""Events, not rows: the changes that describe one real event become one item (pure).

A bill's day on the floor is recorded as several changes — the stage it reached, the action that
reached it, the committee row of a referral, the Congressional Record pages of the debate. A
reader sees one event: ``group_events`` folds every legislative change of one bill on one date
(kinds in :data:`BILL_DAY_KINDS`) into one :class:`Event` whose *primary* change speaks for it
(the most important: a stage before an action before a committee row) and whose other members
are kept as its sources. Other changes are events of their own.

It works on anything shaped like ``storage.repo.ChangeInfo`` (id, kind, bill_id, change_date,
materiality, headline, detail), on rows stored by any earlier version — grouping happens when
changes are read for alerts, the digest, the card's last change and answers, so no stored key
changes and an upgraded database alerts nothing twice.

``importance`` orders events: materiality, then what the event is (a passage or a law before a
new text before a rule before an action …), then date. Corrections, technical amendments and
republications of Federal Register documents are low (:func:`effective_materiality`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scrapers import stage_names

BILL_DAY_KINDS = ("stage", "action", "committee", "crec_mention")
MAX_ALSO = 3
_KIND_RANK = {"stage": 0, "action": 1, "committee": 2, "crec_mention": 3}
_LEVEL = {"high": 0, "normal": 1, "low": 2}
_CORRECTION = re.compile(r"\b(correction|correcting amendments?|technical amendments?|republication)\b", re.I)
_FR_KINDS = {"fr_document", "fr_updated", "public_inspection"}
# what an event is, most important first (after materiality)
_WEIGHT = {"stage": 0, "text_version": 1, "fr_document": 2, "public_inspection": 3, "pi_withdrawn": 3,
           "deadline": 4, "summary": 5, "action": 6, "committee": 6, "cosponsors": 7, "press_release": 8,
           "crec_mention": 8, "news": 9, "related_bill": 10}


@dataclass
class Event:
    primary: Any                                   # the change that speaks for the event
    members: list = field(default_factory=list)    # every change of the event, the primary included

    @property
    def sources(self) -> list:
        """The members other than the primary, in id order."""
        return [m for m in self.members if m is not self.primary]

    @property
    def materiality(self) -> str:
        return min((effective_materiality(m) for m in self.members), key=lambda lv: _LEVEL.get(lv, 1))

    @property
    def date(self) -> date | None:
        return self.primary.change_date

    @property
    def ids(self) -> list[int]:
        return sorted(m.id for m in self.members)

    def also(self) -> list[str]:
        """What the sources add that the primary does not already say: the texts of the other
        actions of the day (not the action that reached the stage; not a committee row that an
        action's referral already names)."""
        said = {_norm(self.primary.headline), _norm((self.primary.detail or {}).get("action") or "")}
        said.add(_norm((self.primary.detail or {}).get("text") or ""))
        referral = any("refer" in _norm((m.detail or {}).get("text") or m.headline) for m in self.members
                       if m.kind in ("action", "stage"))
        out: list[str] = []
        for m in sorted(self.sources, key=lambda m: m.id):
            if m.kind == "committee" and referral:
                continue
            if m.kind == "stage":
                text = m.headline
            elif m.kind == "action" and not (m.detail or {}).get("procedural") and m.materiality != "low":
                text = (m.detail or {}).get("text") or m.headline
            elif m.kind == "crec_mention":
                text = m.headline                  # where the floor debate is recorded
            else:
                continue                          # a committee row or a procedural step is a source, not news
            if _norm(text) in said or any(_norm(text) in _norm(s) for s in said if s):
                continue
            said.add(_norm(text))
            out.append(text)
        return out[:MAX_ALSO]


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", (text or "").lower()).strip()


def effective_materiality(change) -> str:
    """The change's materiality, except that a Federal Register correction, technical amendment
    or republication is low (it changes no policy) unless its change says dates or text moved."""
    level = change.materiality
    if change.kind in _FR_KINDS and level != "low":
        detail = change.detail or {}
        title = " ".join(str(detail.get(k) or "") for k in ("title", "doc_type", "type")) + " " + (change.headline or "")
        if _CORRECTION.search(title) and not detail.get("dates_changed") and not detail.get("substantive"):
            return "low"
    return level


def _stage_rank(change) -> int:
    stage = (change.detail or {}).get("stage") or ""
    order = list(stage_names.ORDER)
    return order.index(stage) if stage in order else -1


def _primary(members: list):
    return min(members, key=lambda m: (_LEVEL.get(effective_materiality(m), 1), _KIND_RANK.get(m.kind, 9),
                                       -_stage_rank(m), bool((m.detail or {}).get("procedural")), m.id))


def group_events(changes) -> list[Event]:
    """The changes as events, in the order of each event's first change."""
    events: list[Event] = []
    by_day: dict[tuple, Event] = {}
    for c in changes:
        if c.kind in BILL_DAY_KINDS and c.bill_id and c.change_date is not None:
            key = (c.bill_id, c.change_date)
            ev = by_day.get(key)
            if ev is None:
                ev = by_day[key] = Event(primary=c, members=[c])
                events.append(ev)
            else:
                ev.members.append(c)
            continue
        events.append(Event(primary=c, members=[c]))
    for ev in events:
        ev.primary = _primary(ev.members)
    return events


def importance(event: Event) -> tuple:
    """Sort key: most important first, then newest, then first detected."""
    p = event.primary
    weight = _WEIGHT.get(p.kind, 9)
    if p.kind == "stage":
        weight -= _stage_rank(p) / 100           # became law before passed the House
    return (_LEVEL.get(event.materiality, 1), weight, -(event.date or date.min).toordinal(), p.id)
