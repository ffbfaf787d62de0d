"""The schedule: APScheduler 3.11 with the jobs defined here, in code, under fixed ids.

Nothing is pickled: a ``MemoryJobStore`` is filled at start-up and the run history lives in our
own ``job_runs`` table. One scheduler per SQLite database (an ``fcntl`` lock file next to it); on
PostgreSQL each job run takes a lease ``job:<id>`` instead, so several instances may run.

Every job body goes through :func:`run_job`, which records the run and never lets an exception
reach APScheduler. Cadences come from settings; :func:`next_fire_times` computes the next runs
from the same triggers without starting anything (``legiswatch status`` uses it).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.context import Context
from scrapers.errors import SchedulerLocked

log = logging.getLogger(__name__)

POLL_SOURCES = ("congress", "federal_register", "public_inspection", "bis", "news")
JOB_IDS = tuple(f"poll:{s}" for s in POLL_SOURCES) + ("summaries", "reminders", "outbox", "health", "digest")
DEMO_KEY_SLOWDOWN = 4
SUMMARIES_EVERY_MIN = 5
HEALTH_EVERY_MIN = 5
OUTBOX_EVERY_S = 30
REMINDER_HOUR = 8
DAY_HOURS = (7, 22)          # Congress "day" cadence: weekdays 07:00–22:00
PI_HOURS = (8, 19)           # public inspection: weekdays 08:00–19:00
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


# ---- triggers (pure) -----------------------------------------------------------------------

def _every(minutes: int, hours: list[int], days: str, tz: ZoneInfo, offset: int = 0) -> CronTrigger:
    """A cron trigger firing about every ``minutes`` within ``hours`` on ``days``.

    Under an hour: ``minute=offset-59/N`` in each listed hour. An hour or more: every
    ``round(N/60)``-th listed hour, at ``offset`` past (hours are listed in firing order, so a
    night that wraps past midnight keeps its spacing).
    """
    minutes = max(1, int(minutes))
    if minutes < 60:
        return CronTrigger(day_of_week=days, hour=",".join(map(str, sorted(hours))),
                           minute=f"{offset % minutes}-59/{minutes}", timezone=tz)
    step = max(1, round(minutes / 60))
    picked = sorted(hours[::step])
    return CronTrigger(day_of_week=days, hour=",".join(map(str, picked)), minute=offset % 60, timezone=tz)


def congress_minutes(settings: Settings) -> tuple[int, int]:
    """(day, off-hours) Congress cadence in minutes; ×4 slower on DEMO_KEY."""
    k = DEMO_KEY_SLOWDOWN if settings.demo_key else 1
    return settings.congress_interval_min * k, settings.congress_offhours_interval_min * k


def poll_interval(settings: Settings, name: str) -> timedelta:
    """How stale a source may get before catch-up polls it at start-up."""
    minutes = {"congress": congress_minutes(settings)[0], "federal_register": 24 * 60,
               "public_inspection": settings.public_inspection_interval_min,
               "bis": settings.bis_interval_min, "news": settings.news_interval_min}[name]
    return timedelta(minutes=minutes)


def build_triggers(settings: Settings, now: datetime | None = None) -> dict[str, BaseTrigger]:
    """Every job id → its trigger, in ``settings.timezone``. ``now`` anchors interval triggers."""
    tz = ZoneInfo(settings.timezone)
    day_m, night_m = congress_minutes(settings)
    day = list(range(*DAY_HOURS))
    night = list(range(DAY_HOURS[1], 24)) + list(range(0, DAY_HOURS[0]))   # 22, 23, 0 … 6
    start = (now or datetime.now(UTC)).astimezone(tz)
    return {
        "poll:congress": OrTrigger([_every(day_m, day, "mon-fri", tz),
                                    _every(night_m, night, "mon-fri", tz),
                                    _every(night_m, list(range(24)), "sat,sun", tz)]),
        "poll:federal_register": CronTrigger(day_of_week="mon-fri", hour=settings.federal_register_hour,
                                             minute=5, timezone=tz),
        "poll:public_inspection": _every(settings.public_inspection_interval_min, list(range(*PI_HOURS)),
                                         "mon-fri", tz, offset=1),
        "poll:bis": _every(settings.bis_interval_min, list(range(24)), "*", tz, offset=10),
        "poll:news": _every(settings.news_interval_min, list(range(24)), "*", tz, offset=20),
        "summaries": CronTrigger(minute=f"2-59/{SUMMARIES_EVERY_MIN}", timezone=tz),
        "reminders": CronTrigger(hour=REMINDER_HOUR, minute=0, timezone=tz),
        "outbox": IntervalTrigger(seconds=OUTBOX_EVERY_S, start_date=start, timezone=tz),
        "health": CronTrigger(minute=f"*/{HEALTH_EVERY_MIN}", timezone=tz),
        "digest": CronTrigger.from_crontab(settings.digest_cron, timezone=tz),
    }


def next_fire_times(settings: Settings, now: datetime) -> dict[str, datetime]:
    """Job id → next run after ``now`` (aware, in the configured timezone). Starts nothing."""
    out = {}
    for job_id, trigger in build_triggers(settings, now).items():
        nxt = trigger.get_next_fire_time(None, now.astimezone(ZoneInfo(settings.timezone)))
        if job_id == "outbox":
            nxt = (now + timedelta(seconds=OUTBOX_EVERY_S)).astimezone(ZoneInfo(settings.timezone))
        if nxt is not None:
            out[job_id] = nxt
    return out


# ---- one scheduler per SQLite database -------------------------------------------------------

def lock_path(db_url: str) -> Path | None:
    """``<db>.scheduler.lock`` for a SQLite file; None for PostgreSQL or an in-memory database."""
    from sqlalchemy.engine import make_url
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
        import fcntl
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
            import fcntl
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
        if record.name == "bot.pipeline" and str(record.msg).startswith("source %s failed"):
            return False
        if record.name == "bot.pipeline" and record.msg == "%s: %s":
            text = record.getMessage()
            if text in self.notes:
                return False
            self.notes.add(text)
        if record.name == "scrapers.http" and record.levelno == logging.WARNING and "retry" in str(record.msg):
            return False
        return True


# ---- the jobs ------------------------------------------------------------------------------------

def poll_job(ctx: Context, name: str, notices: SourceNotices):
    from bot.pipeline import poll_source
    report = poll_source(ctx, name, force=False)
    notices.seen(report)
    counts = {"records": report.records, "changes": len(report.changes), "requests": report.requests}
    if report.skipped:
        return "skipped", {"backing_off": 1}, None
    return ("ok" if report.ok else "error"), counts, report.error


def summaries_job(ctx: Context) -> dict:
    from bot.summaries import summarize_pending
    return {"summarized": summarize_pending(ctx)}


def reminders_job(ctx: Context) -> dict:
    from bot.reminders import raise_reminders
    return {"reminders": len(raise_reminders(ctx))}


def outbox_job(ctx: Context, slack_client=None) -> dict:
    """Deliver pending alerts and digests: to Slack, and console ones printed on stdout."""
    import sys

    from bot.slack.outbox import flush
    n = flush(ctx, client=slack_client, console=sys.stdout)
    sys.stdout.flush()
    return {"delivered": n}


def health_job(ctx: Context) -> dict:
    from bot.alerts import source_health
    result = source_health(ctx)
    return {"alerts": len(result) if isinstance(result, list | tuple) else int(result or 0)}


def digest_job(ctx: Context) -> dict:
    from bot.digest import build_digest, post_digest
    return {"messages": post_digest(ctx, build_digest(ctx))}


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
                    JobSpec("digest", 6 * 3600, timedelta(hours=12))]


def job_body(ctx: Context, job_id: str, notices: SourceNotices, slack_client=None) -> Callable:
    if job_id.startswith("poll:"):
        return lambda: poll_job(ctx, job_id.split(":", 1)[1], notices)
    return {"summaries": lambda: summaries_job(ctx), "reminders": lambda: reminders_job(ctx),
            "outbox": lambda: outbox_job(ctx, slack_client), "health": lambda: health_job(ctx),
            "digest": lambda: digest_job(ctx)}[job_id]


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
