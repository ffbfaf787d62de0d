"""Deadline reminders: a ``deadline`` change 7 days and 1 day before a comment period closes or a
rule takes effect, queued as an alert like any other change (the daily ``reminders`` job)."""

from __future__ import annotations

import logging
from datetime import date

from bot.services.context import Context
from bot.services.pipeline import route_alerts
from storage.repo import ChangeInfo

log = logging.getLogger(__name__)


def _days(n: int) -> str:
    return "tomorrow" if n == 1 else ("today" if n == 0 else f"in {n} days")


def reminder_headline(document: str, kind: str, due: date, days_left: int) -> str:
    """``Comments on 2026-11842 close in 7 days (2026-12-01)`` (pure)."""
    when = f"{_days(days_left)} ({due.isoformat()})"
    if kind == "comments_close":
        return f"Comments on {document} close {when}"
    if kind == "effective":
        return f"{document} takes effect {when}"
    return f"{kind.replace('_', ' ').capitalize()} for {document} {when}"


def reminder_key(document: str, kind: str, due: date, offset: int) -> str:
    """One reminder per document, deadline kind, due date and offset: re-running the job the same
    day adds nothing, and a moved deadline gets reminders of its own."""
    return f"deadline:{document}:{kind}:{due.isoformat()}:{offset}"


def raise_reminders(ctx: Context) -> list[ChangeInfo]:
    """Add the reminders due today (deadlines 7 and 1 days away) and queue their alerts."""
    repo = ctx.repo
    today = ctx.today()
    added: list[ChangeInfo] = []
    for d in repo.pending_reminders(today):
        days_left = d["days_left"]
        change = repo.add_change(
            key=reminder_key(d["document"], d["kind"], d["due"], d["offset"]), kind="deadline",
            subject=d["document"], headline=reminder_headline(d["document"], d["kind"], d["due"], days_left),
            materiality=ctx.analyzer.materiality("deadline", days_left=days_left), change_date=today,
            detail={"deadline_kind": d["kind"], "due": d["due"].isoformat(), "days_left": days_left,
                    "title": d["title"], "url": d["url"]},
            document_id=d["document_id"])
        if change is not None:
            added.append(change)
    if added:
        route_alerts(ctx, added)
        log.info("deadline reminders: %d raised", len(added))
    return added
