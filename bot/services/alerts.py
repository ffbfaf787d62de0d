"""Alerts as services: grouping pending alerts per channel (so one poll never floods a channel)
and source-health alerts (one when a source has been failing too long, one when it recovers)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.services.context import Context
from bot.services.pipeline import route_alerts
from storage.repo import ChangeInfo

log = logging.getLogger(__name__)
MAX_ITEMS_PER_MESSAGE = 8          # alerts shown in full in one message; the rest are listed briefly
SUMMARY_WAIT = timedelta(minutes=2)
ALERT_PURPOSES = ("alert", "health")
HEALTH_KINDS = ("source_failing", "source_recovered")


@dataclass
class AlertGroup:
    """The alerts for one channel that go out together in one message."""

    target: str
    deliveries: list[dict] = field(default_factory=list)
    changes: list[ChangeInfo] = field(default_factory=list)   # same order as deliveries

    @property
    def ids(self) -> list[int]:
        return [d["id"] for d in self.deliveries]

    @property
    def ref(self) -> str:
        return f"group-{self.deliveries[0]['id']}-{len(self.deliveries)}" if self.deliveries else "group-empty"


def waiting_for_summary(change: ChangeInfo, delivery: dict, now: datetime) -> bool:
    """An alert waits (up to ``SUMMARY_WAIT`` after it was queued) for its change's summary."""
    if change.summary_state != "pending" or change.kind in HEALTH_KINDS:
        return False
    created = delivery.get("created_at")
    return created is not None and now - created < SUMMARY_WAIT


def group_alerts(deliveries: list[dict], changes: dict[int, ChangeInfo], now: datetime) -> list[AlertGroup]:
    """Alert deliveries ready to go, one group per target (in queue order).

    A delivery whose change is still being summarised (and is young) is left for a later flush; one
    whose change no longer exists is dropped into its own group with no change (sent as a note)."""
    groups: dict[str, AlertGroup] = {}
    for d in deliveries:
        if d["purpose"] not in ALERT_PURPOSES:
            continue
        change = changes.get(d["change_id"]) if d.get("change_id") else None
        if change is not None and waiting_for_summary(change, d, now):
            continue
        group = groups.setdefault(d["target"], AlertGroup(d["target"]))
        group.deliveries.append(d)
        group.changes.append(change)
    for g in groups.values():
        order = sorted(range(len(g.deliveries)), key=lambda n: _rank(g.changes[n]))
        g.deliveries = [g.deliveries[n] for n in order]
        g.changes = [g.changes[n] for n in order]
    return list(groups.values())


def _rank(change: ChangeInfo | None) -> tuple:
    if change is None:
        return (2, 0)
    return (0 if change.materiality == "high" else 1, change.id)


# ---- source health ---------------------------------------------------------------------------

def source_health(ctx: Context) -> list[ChangeInfo]:
    """Changes (and queued alerts) for sources failing longer than the threshold, and recoveries.

    Each failure episode is keyed by its ``failing_since`` timestamp, so it is alerted once; a
    recovery is alerted once per episode too. Returns the new changes."""
    repo = ctx.repo
    threshold = timedelta(minutes=ctx.settings.source_alert_after_min)
    now = ctx.now()
    out: list[ChangeInfo] = []
    for src in repo.sources():
        if src.failing_since is not None and not src.alerted_failing and now - src.failing_since >= threshold:
            since = src.failing_since.isoformat()
            hours = (now - src.failing_since).total_seconds() / 3600
            change = repo.add_change(
                key=f"source_failing:{src.name}:{since}", kind="source_failing", subject=src.name,
                headline=f"Source {src.name} has been failing for {hours:.1f} h "
                         f"({src.consecutive_failures} attempts): {src.last_error or 'unknown error'}",
                materiality="high", change_date=ctx.today(),
                detail={"source": src.name, "failing_since": since, "last_error": src.last_error,
                        "failures": src.consecutive_failures})
            repo.set_source_alerted(src.name, True)
            if change:
                out.append(change)
                log.warning("source %s failing since %s: alert queued", src.name, since)
        elif src.failing_since is None and src.alerted_failing:
            back = (src.last_success_at or now).isoformat()
            change = repo.add_change(
                key=f"source_recovered:{src.name}:{back}", kind="source_recovered", subject=src.name,
                headline=f"Source {src.name} recovered (polled successfully at {back})",
                materiality="high", change_date=ctx.today(), detail={"source": src.name, "recovered_at": back})
            repo.set_source_alerted(src.name, False)
            if change:
                out.append(change)
                log.info("source %s recovered: alert queued", src.name)
    for change in out:                       # nothing to summarise: the headline says it all
        repo.update_change(change.id, summary_state="none")
        change.summary_state = "none"
    if out:
        route_alerts(ctx, out)
    return out
