"""The schedule: APScheduler 3.11 with the jobs defined here, in code, under fixed ids.

Nothing is pickled: a ``MemoryJobStore`` is filled at start-up and the run history lives in our
own ``job_runs`` table. One scheduler per SQLite database (an ``fcntl`` lock file next to it); on
PostgreSQL each job run takes a lease ``job:<id>`` instead, so several instances may run.

Every job body goes through :func:`run_job`, which records the run and never lets an exception
reach APScheduler. Cadences come from settings through the triggers of ``bot/services/schedule.py``, which
``legiswatch status`` reads too.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import make_url

from bot.runtime.delivery import flush, post_digest
from bot.services.alerts import source_health
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.pipeline import poll_source
from bot.services.reminders import raise_reminders
from bot.services.schedule import JOB_IDS, POLL_SOURCES, build_triggers, next_fire_times, poll_interval
from bot.services.summaries import summarize_pending
from scrapers.errors import StorageError

log = logging.getLogger(__name__)

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
__all__ = ["JOB_IDS", "POLL_SOURCES", "SchedulerLocked", "build_scheduler", "catch_up", "next_fire_times"]


class SchedulerLocked(StorageError):
    """Another scheduler already runs on this database."""


# ---- one scheduler per SQLite database -------------------------------------------------------

def lock_path(db_url: str) -> Path | None:
    """``<db>.scheduler.lock`` for a SQLite file; None for PostgreSQL or an in-memory database."""
    url = make_url(db_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().with_name(Path(url.database).name + ".scheduler.lock")


class SchedulerLock:
    """An exclusive, non-blocking ``fcntl`` lock; the OS drops it when the process dies."""

    def __init__(self, path: Path):
        self.path = path
        self._fh = None

    def acquire(self) -> SchedulerLock:
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 — held for the process lifetime
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise SchedulerLocked(
                f"another legiswatch scheduler is already running on this database ({holder} holds "
                f"{self.path}); not starting a second one. Stop it first, or use PostgreSQL to run "
                "several instances.") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{HOLDER}\n")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def acquire_lock(settings: Settings) -> SchedulerLock | None:
    """Take the database's scheduler lock (raises ``SchedulerLocked``); None where leases apply."""
    path = lock_path(settings.db_url)
    return SchedulerLock(path).acquire() if path else None


# ---- running a job -----------------------------------------------------------------------------

def run_job(ctx: Context, job_id: str, body: Callable[[], dict | tuple[str, dict, str | None] | None], *,
            lease_ttl: timedelta | None = None) -> str | None:
    """Run ``body`` once, recorded in job_runs. Returns the status, or None when another
    instance holds the job's lease. Exceptions are recorded and logged, never raised.

    ``body`` returns counts, or ``(status, counts, error)``.
    """
    repo = ctx.repo
    if lease_ttl is not None and not repo.take_lease(f"job:{job_id}", HOLDER, lease_ttl):
        log.debug("job %s: another instance holds the lease; skipped", job_id)
        return None
    run_id = repo.job_started(job_id, holder=HOLDER)
    status, counts, error = "ok", {}, None
    try:
        result = body()
        if isinstance(result, tuple):
            status, counts, error = result
        else:
            counts = result or {}
    except Exception as exc:  # noqa: BLE001 — a job never raises into APScheduler
        status, error = "error", f"{type(exc).__name__}: {exc}"
        log.exception("job %s failed", job_id)
    try:
        repo.job_finished(run_id, status=status, counts=counts, error=error)
    except Exception:  # noqa: BLE001 — the database itself refused; keep the scheduler alive
        log.exception("job %s: could not record the run", job_id)
    return status


class SourceNotices:
    """Says once per source that it is unreachable (with the ``legiswatch demo`` pointer), not
    once per retry; says so again only after it has recovered."""

    UNREACHABLE = ("SourceUnavailable", "ConnectionError", "ConnectTimeout", "Timeout")

    def __init__(self) -> None:
        self.down: set[str] = set()

    def seen(self, report) -> None:
        if report.skipped:
            return
        if report.ok:
            if report.name in self.down or report.recovered:
                log.warning("source %s recovered", report.name)
            self.down.discard(report.name)
            return
        if report.name in self.down:
            log.info("source %s still failing: %s", report.name, report.error)
            return
        self.down.add(report.name)
        if (report.error or "").startswith(self.UNREACHABLE):
            log.warning("source %s is unreachable (%s); retrying with backoff. No network here? "
                        "`legiswatch demo` shows everything offline on bundled data.", report.name, report.error)
        else:
            log.warning("source %s failed: %s; retrying with backoff", report.name, report.error)


class QuietRepeats(logging.Filter):
    """For ``run``: the scheduler reports source failures itself (once per source); drop the
    pipeline's per-failure and the HTTP session's per-retry warnings, and repeat a source's note
    (such as the DEMO_KEY warning) only the first time."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "bot.services.pipeline" and str(record.msg).startswith("source %s failed"):
            return False
        if record.name == "bot.services.pipeline" and record.msg == "%s: %s":
            text = record.getMessage()
            if text in self.notes:
                return False
            self.notes.add(text)
        if record.name == "scrapers.http" and record.levelno == logging.WARNING and "retry" in str(record.msg):
            return False
        return True


# ---- the jobs ------------------------------------------------------------------------------------

def poll_job(ctx: Context, name: str, notices: SourceNotices):
    report = poll_source(ctx, name, force=False)
    notices.seen(report)
    counts = {"records": report.records, "changes": len(report.changes), "requests": report.requests}
    if report.skipped:
        return "skipped", {"backing_off": 1}, None
    return ("ok" if report.ok else "error"), counts, report.error


def summaries_job(ctx: Context) -> dict:
    return {"summarized": summarize_pending(ctx)}


def reminders_job(ctx: Context) -> dict:
    return {"reminders": len(raise_reminders(ctx))}


def outbox_job(ctx: Context, slack_client=None) -> dict:
    """Deliver pending alerts and digests: to Slack, and console ones printed on stdout."""

    n = flush(ctx, client=slack_client, console=sys.stdout)
    sys.stdout.flush()
    return {"delivered": n}


def health_job(ctx: Context) -> dict:
    result = source_health(ctx)
    return {"alerts": len(result) if isinstance(result, list | tuple) else int(result or 0)}


def digest_job(ctx: Context) -> dict:
    return {"messages": post_digest(ctx, build_digest(ctx))}


def prune_job(ctx: Context) -> dict:
    """Retention: operational rows older than LEGISWATCH_RETENTION_DAYS (0: keep everything)."""
    days = ctx.settings.retention_days
    if days <= 0:
        return {"pruned": 0}
    return ctx.repo.prune_operational(ctx.now() - timedelta(days=days))


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    misfire_grace_s: int
    lease_ttl: timedelta


def job_specs(settings: Settings) -> list[JobSpec]:
    """Misfire grace and lease TTL (a little under the cadence, so the next firing is free)."""
    polls = [JobSpec(f"poll:{s}", 900, poll_interval(settings, s) * 0.8) for s in POLL_SOURCES]
    return polls + [JobSpec("summaries", 240, timedelta(minutes=4)), JobSpec("reminders", 6 * 3600, timedelta(hours=12)),
                    JobSpec("outbox", 25, timedelta(seconds=20)), JobSpec("health", 240, timedelta(minutes=4)),
                    JobSpec("digest", 6 * 3600, timedelta(hours=12)), JobSpec("prune", 6 * 3600, timedelta(hours=12))]


def job_body(ctx: Context, job_id: str, notices: SourceNotices, slack_client=None) -> Callable:
    if job_id.startswith("poll:"):
        return lambda: poll_job(ctx, job_id.split(":", 1)[1], notices)
    return {"summaries": lambda: summaries_job(ctx), "reminders": lambda: reminders_job(ctx),
            "outbox": lambda: outbox_job(ctx, slack_client), "health": lambda: health_job(ctx),
            "digest": lambda: digest_job(ctx), "prune": lambda: prune_job(ctx)}[job_id]


def build_scheduler(ctx: Context, *, slack_client=None, use_leases: bool | None = None) -> BackgroundScheduler:
    """A scheduler (not started) holding every job under its fixed id.

    ``use_leases`` defaults to True off SQLite (several instances share PostgreSQL).
    """
    settings = ctx.settings
    tz = ZoneInfo(settings.timezone)
    if use_leases is None:
        use_leases = ctx.repo.dialect != "sqlite"
    scheduler = BackgroundScheduler(
        timezone=tz, jobstores={"default": MemoryJobStore()}, executors={"default": ThreadPoolExecutor(3)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 900})
    notices = SourceNotices()
    triggers = build_triggers(settings)
    for spec in job_specs(settings):
        body = job_body(ctx, spec.job_id, notices, slack_client)
        ttl = spec.lease_ttl if use_leases else None
        scheduler.add_job(run_job, trigger=triggers[spec.job_id], args=[ctx, spec.job_id, body],
                          kwargs={"lease_ttl": ttl}, id=spec.job_id, name=spec.job_id, replace_existing=True,
                          misfire_grace_time=spec.misfire_grace_s, coalesce=True, max_instances=1)
    return scheduler


def overdue_sources(ctx: Context) -> list[str]:
    """Sources never polled, or whose last success is older than their interval."""
    now = ctx.now()
    states = {s.name: s for s in ctx.repo.sources()}
    out = []
    for name in POLL_SOURCES:
        st = states.get(name)
        last = st.last_success_at if st else None
        if last is None or now - last > poll_interval(ctx.settings, name):
            out.append(name)
    return out


def catch_up(ctx: Context, scheduler: BackgroundScheduler) -> list[str]:
    """Run each overdue source once, now (its next firing is moved; the cadence resumes after)."""
    due = overdue_sources(ctx)
    now = datetime.now(ZoneInfo(ctx.settings.timezone))
    for name in due:
        scheduler.modify_job(f"poll:{name}", next_run_time=now)
    if due:
        log.info("catch-up: polling %s now", ", ".join(due))
    return due
