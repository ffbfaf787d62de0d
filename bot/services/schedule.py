"""When each job runs: the triggers, computed from settings alone.

The scheduler (``bot/runtime/scheduler.py``) runs the jobs on these triggers; ``legiswatch
status`` (``bot/services/health.py``) shows the next runs from the same triggers without
starting anything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.services.config import Settings

POLL_SOURCES = ("congress", "federal_register", "public_inspection", "bis", "news", "ecfr")
JOB_IDS = tuple(f"poll:{s}" for s in POLL_SOURCES) + ("summaries", "reminders", "outbox", "health", "digest",
                                                                  "prune")
DEMO_KEY_SLOWDOWN = 4
SUMMARIES_EVERY_MIN = 5
HEALTH_EVERY_MIN = 5
OUTBOX_EVERY_S = 30
REMINDER_HOUR = 8
PRUNE_HOUR = 3              # retention: daily, at night
DAY_HOURS = (7, 22)          # Congress "day" cadence: weekdays 07:00–22:00
PI_HOURS = (8, 19)           # public inspection: weekdays 08:00–19:00


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
               "bis": settings.bis_interval_min, "news": settings.news_interval_min,
               "ecfr": 24 * 60}[name]
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
        "poll:ecfr": CronTrigger(hour=settings.ecfr_hour, minute=15, timezone=tz),
        "summaries": CronTrigger(minute=f"2-59/{SUMMARIES_EVERY_MIN}", timezone=tz),
        "reminders": CronTrigger(hour=REMINDER_HOUR, minute=0, timezone=tz),
        "outbox": IntervalTrigger(seconds=OUTBOX_EVERY_S, start_date=start, timezone=tz),
        "health": CronTrigger(minute=f"*/{HEALTH_EVERY_MIN}", timezone=tz),
        "digest": CronTrigger.from_crontab(settings.digest_cron, timezone=tz),
        "prune": CronTrigger(hour=PRUNE_HOUR, minute=40, timezone=tz),
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
