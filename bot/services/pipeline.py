"""poll → record → classify → changes → alerts. One failing source never stops the others.

A scraper yields records and, after the records it covers, a ``CursorUpdate``: those records are
written in one short transaction and only then does the cursor move. If the scraper fails part
way, the uncommitted batch is dropped (nothing partial is stored) and the cursor stays where it
was, so the next good poll catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.analysis.billdiff import diff_bills
from bot.analysis.events import effective_materiality, group_events
from bot.services import bulk
from bot.services.cfr_changes import record_cfr_changes
from bot.services.context import Context
from bot.services.outbox import alert_payload
from bot.services.watchlist import build_watch, channel_for
from scrapers.billstatus_bulk import BulkBillStatusSource
from scrapers.bis import BisSource
from scrapers.congress import CongressClient, CongressSource
from scrapers.ecfr import EcfrSource
from scrapers.errors import LegiswatchError, SourceRateLimited
from scrapers.federal_register import FederalRegisterSource
from scrapers.govinfo import GovinfoClient
from scrapers.http import PoliteSession
from scrapers.news import NewsSource
from scrapers.public_inspection import PublicInspectionSource, withdrawn
from scrapers.records import BILL, BILL_TEXT, CursorUpdate, SourceNote, billtext_from_dict
from storage.repo import ChangeInfo

log = logging.getLogger(__name__)
SOURCES = ("congress", "federal_register", "public_inspection", "bis", "news", "ecfr")


@dataclass
class SourceReport:
    name: str
    ok: bool = True
    skipped: bool = False
    records: int = 0
    changes: list[ChangeInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    requests: int = 0
    recovered: bool = False
    served_by: str = ""                      # congress | billstatus (bot/services/bulk.py)
    fallback: SourceReport | None = None     # the bulk data poll that stood in for Congress.gov


def make_session(ctx: Context, name: str, *, min_interval: float = 0.0):
    s = ctx.settings
    return PoliteSession(source=name, timeout=s.http_timeout, retries=s.http_retries,
                         retry_after_max=s.retry_after_max, max_bytes=int(s.max_response_mb * 1024 * 1024),
                         min_interval=min_interval, secrets=[s.congress_api_key] if not s.demo_key else [])


def build_source(ctx: Context, name: str, session):
    """The scraper object for ``name``, pointed at the configured base URL."""
    s = ctx.settings
    if name == "congress":
        client = CongressClient(session, s.congress_api_url, s.congress_api_key, govinfo_url=s.govinfo_url)
        govinfo = GovinfoClient(session, s.govinfo_url, s.govinfo_api_url, s.congress_api_key)
        return CongressSource(client, govinfo, demo_key=s.demo_key, now=ctx.now)
    if name == bulk.BULK:
        return BulkBillStatusSource(session, s.govinfo_url,
                                    GovinfoClient(session, s.govinfo_url, s.govinfo_api_url, ""))
    if name == "federal_register":
        return FederalRegisterSource(session, s.federal_register_url)
    if name == "public_inspection":
        return PublicInspectionSource(session, s.federal_register_url)
    if name == "bis":
        return BisSource(session, s.bis_url)
    if name == "news":
        return NewsSource(session, s.news_search_url)
    if name == "ecfr":
        return EcfrSource(session, s.ecfr_url)
    raise LegiswatchError(f"unknown source {name!r} (sources: {', '.join(SOURCES)})")


def poll(ctx: Context, names: list[str] | None = None, *, since: date | None = None, force: bool = True,
         progress: Callable[[str, int, int], None] | None = None) -> list[SourceReport]:
    """Poll the named sources (all by default); each one's failure is recorded on it alone."""
    reports = []
    for name in names or SOURCES:
        reports.append(poll_source(ctx, name, since=since, force=force, progress=progress))
    return reports


def poll_source(ctx: Context, name: str, *, since: date | None = None, force: bool = True,
                progress: Callable[[str, int, int], None] | None = None) -> SourceReport:
    """Poll one source; Congress.gov may be served by govinfo bulk data (``bot/services/bulk.py``)."""
    if name == bulk.CONGRESS:
        return bulk.poll_congress(ctx, since=since, force=force, progress=progress, poll_one=_poll_source)
    return _poll_source(ctx, name, since=since, force=force, progress=progress)


def _poll_source(ctx: Context, name: str, *, since: date | None = None, force: bool = True,
                 progress: Callable[[str, int, int], None] | None = None) -> SourceReport:
    repo = ctx.repo
    report = SourceReport(name)
    state = repo.source(name)
    if not force and state.next_attempt_at and state.next_attempt_at > ctx.now():
        report.skipped = True
        return report
    repo.source_attempt(name)
    session = make_session(ctx, name)
    watch = build_watch(repo)
    cursor = dict(state.cursor)
    if since is not None:
        cursor["since"] = f"{since.isoformat()}T00:00:00Z"
        cursor["backfill"] = True
    batch: list = []
    try:
        scraper = build_source(ctx, name, session)
        for item in _iterate(scraper, watch, cursor, ctx, name):
            if isinstance(item, CursorUpdate):
                report.changes += _commit(ctx, name, batch, item.cursor, state.cursor)
                report.records += len(batch)
                batch = []
                if progress:
                    progress(name, report.records, len(report.changes))
            elif isinstance(item, SourceNote):
                report.notes.append(item.message)
                log.log(logging.WARNING if item.level == "warning" else logging.INFO, "%s: %s", name, item.message)
            else:
                batch.append(item)
        if batch:
            report.changes += _commit(ctx, name, batch, None, state.cursor)
            report.records += len(batch)
        report.recovered = repo.source_succeeded(name)
    except Exception as exc:  # noqa: BLE001 — every failure is recorded on this source only
        report.ok = False
        report.error = _describe(exc)
        retry_after = exc.retry_after if isinstance(exc, SourceRateLimited) else None
        repo.source_failed(name, report.error, retry_after=retry_after)
        if isinstance(exc, LegiswatchError):
            log.warning("source %s failed: %s", name, report.error)
        else:
            log.exception("source %s failed unexpectedly", name)
    finally:
        report.requests = getattr(session, "request_count", 0)
        session.close()
    if name == "ecfr" and report.ok:
        report.changes += record_cfr_changes(ctx)     # what each stored day-before/day pair changed
    if report.changes:
        post_process(ctx, report.changes)
    reconcile(ctx)
    return report


def _iterate(scraper, watch, cursor, ctx: Context, name: str):
    if name == "federal_register":
        def known(numbers):                 # which of the numbers a search returned already have stored text
            return ctx.repo.stored_ids("fr_document", numbers, with_text=True)
        return scraper.poll(watch, cursor, today=ctx.today(), known=known)
    if name in ("public_inspection", "bis", "news", "ecfr"):
        return scraper.poll(watch, cursor, today=ctx.today())
    return scraper.poll(watch, cursor)


def _commit(ctx: Context, name: str, batch: list, cursor: dict | None, old_cursor: dict) -> list[ChangeInfo]:
    repo = ctx.repo
    watched = {i["value"] for i in repo.watch_items("bill")}
    changes = repo.record(batch, ctx.analyzer, watched_bills=watched) if batch else []
    if cursor is not None:
        if name == "public_inspection" and "on_display" in cursor:
            changes += _withdrawn(ctx, old_cursor.get("on_display", []), cursor["on_display"])
        merged = dict(cursor)
        merged.pop("backfill", None)
        if "since" in merged and "since" in old_cursor and str(merged["since"]) < str(old_cursor["since"]):
            merged["since"] = old_cursor["since"]       # watermarks only move forward
        repo.set_cursor(name, merged)
    return changes


def _withdrawn(ctx: Context, previous: list[str], current: list[str]) -> list[ChangeInfo]:
    gone = set(previous) - set(current)
    published = ctx.repo.stored_ids("fr_document", gone) if gone else set()
    out = []
    for number in withdrawn(previous, current, published):
        doc = ctx.repo.get_document("public_inspection", number)
        c = ctx.repo.add_change(key=f"pi_withdrawn:{number}", kind="pi_withdrawn", subject=number,
                                headline=f"Withdrawn from public inspection before publication: {number}"
                                + (f" {doc['title']}" if doc else ""),
                                materiality=ctx.analyzer.materiality("pi_withdrawn"), change_date=ctx.today(),
                                document_id=doc["id"] if doc else None)
        if c:
            out.append(c)
    return out


def _describe(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


# ---- after recording ------------------------------------------------------------------------

def post_process(ctx: Context, changes: list[ChangeInfo]) -> None:
    """Grade new text versions by their diff, then queue alerts for what is high and fresh."""
    for c in changes:
        if c.kind == "text_version":
            _grade_text_version(ctx, c)
    route_alerts(ctx, [ctx.repo.changes(ids=[c.id])[0] for c in changes])


RECONCILE_WINDOW = timedelta(days=2)


def reconcile(ctx: Context) -> int:
    """Finish what a crash between a commit and its post-processing left undone: grade text
    versions not yet graded and queue alerts for recent high changes. Idempotent (deliveries are
    unique per target + purpose + change), so it runs after every poll."""
    recent = ctx.repo.changes(since=ctx.now() - RECONCILE_WINDOW)
    for c in recent:
        if c.kind == "text_version" and "graded" not in c.detail:
            _grade_text_version(ctx, c)
    return route_alerts(ctx, ctx.repo.changes(since=ctx.now() - RECONCILE_WINDOW, kinds=None))


def previous_text(ctx: Context, bill_id: str, version_id: str) -> tuple[dict | None, dict | None]:
    """(previous stored text version, this one) of a bill, ordered by version date."""
    texts = ctx.repo.documents(BILL_TEXT, children_of=(BILL, bill_id))
    texts.sort(key=lambda d: (d["date"] or date.min, d["id"]))
    this = next((d for d in texts if d["external_id"] == version_id), None)
    if this is None:
        return None, None
    earlier = [d for d in texts if d is not this and (d["date"] or date.min, d["id"]) < (this["date"] or date.min,
                                                                                         this["id"])]
    return (earlier[-1] if earlier else None), this


def _grade_text_version(ctx: Context, c: ChangeInfo) -> None:
    bill_id = c.bill_id or c.subject.rsplit("-", 1)[0]
    prev, this = previous_text(ctx, bill_id, c.subject)
    if this is None:
        return
    if prev is None:
        ctx.repo.update_change(c.id, detail={"first_version": True, "graded": True},
                               materiality=ctx.analyzer.materiality("text_version", substantive=None))
        return
    diff = diff_bills(billtext_from_dict(prev["content"]), billtext_from_dict(this["content"]))
    ctx.repo.update_change(c.id, materiality=ctx.analyzer.materiality("text_version", substantive=diff.substantive),
                           detail={"compared_with": prev["external_id"], "substantive": diff.substantive,
                                   "stats": diff.stats, "graded": True})


def is_fresh(change: ChangeInfo, now: datetime, max_age_days: int = 14) -> bool:
    """Alerts are for news: a backfill's old changes go to the digest instead."""
    if change.change_date is None:
        return True
    return change.change_date >= (now.date() - timedelta(days=max_age_days))


def route_alerts(ctx: Context, changes: list[ChangeInfo]) -> int:
    """Queue one alert delivery per high-materiality, fresh *event* (idempotent per target+change).

    The changes of one event (a stage and the action that reached it, …: ``bot/analysis/events``)
    alert once, for the event's primary change, and never again when another of its changes
    already alerted."""
    default = ctx.settings.alert_channel if ctx.settings.slack_enabled else "console"
    n = 0
    events = [e for e in group_events(changes) if e.materiality == "high"]
    alerted = {d["change_id"] for d in ctx.repo.deliveries(purpose="alert")} \
        if any(len(e.members) > 1 for e in events) else set()
    for e in events:
        c = e.primary
        if effective_materiality(c) != "high" or not is_fresh(c, ctx.now(), ctx.settings.alert_max_age_days):
            continue
        if alerted & {m.id for m in e.sources}:
            continue
        if c.detail.get("imported"):             # `legiswatch import` records, it never alerts
            continue
        target = channel_for(ctx.repo, c, default) if ctx.settings.slack_enabled else "console"
        if not target:
            continue
        n += ctx.repo.enqueue(target=target, purpose="alert", ref=str(c.id), change_id=c.id,
                              payload=alert_payload(target, c.id))
    return n
