"""The scheduler: job ids, triggers and time zones (no sleeping: triggers are asked directly),
catch-up, the one-scheduler-per-database lock, leases, and job runs that never raise."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.runtime.scheduler import (
    HOLDER,
    JOB_IDS,
    QuietRepeats,
    SchedulerLock,
    SchedulerLocked,
    SourceNotices,
    acquire_lock,
    build_scheduler,
    build_triggers,
    catch_up,
    digest_job,
    health_job,
    lock_path,
    next_fire_times,
    outbox_job,
    overdue_sources,
    poll_job,
    reminders_job,
    run_job,
)
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.pipeline import SourceReport
from bot.services.reminders import raise_reminders
from scrapers.records import FR_DOCUMENT, DocumentRecord

ET = ZoneInfo("America/New_York")


def et(*args) -> datetime:
    return datetime(*args, tzinfo=ET)


def nxt(trigger, at: datetime) -> datetime:
    return trigger.get_next_fire_time(None, at)


@pytest.fixture
def key_settings() -> Settings:
    return Settings(congress_api_key="a-real-key")


class TestJobs:
    def test_fixed_ids_defaults_and_timezone(self, db_url):
        ctx = Context(settings=Settings(db_url=db_url))
        scheduler = build_scheduler(ctx)
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert set(jobs) == set(JOB_IDS)
        assert {"poll:congress", "poll:federal_register", "poll:public_inspection", "poll:bis", "poll:news",
                "poll:ecfr", "summaries", "reminders", "outbox", "health", "digest", "prune"} == set(jobs)
        assert str(scheduler.timezone) == "America/New_York"
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time >= 25            # never APScheduler's 1-second default
        assert jobs["poll:bis"].misfire_grace_time == 900
        # once started, adding a job under an existing id replaces it (restarts never duplicate jobs)
        scheduler.start(paused=True)
        try:
            scheduler.add_job(print, "interval", minutes=5, id="poll:bis", replace_existing=True)
            assert [j.id for j in scheduler.get_jobs()].count("poll:bis") == 1
        finally:
            scheduler.shutdown(wait=False)
        ctx.close()

    def test_leases_only_off_sqlite_unless_asked(self, db_url):
        ctx = Context(settings=Settings(db_url=db_url))
        assert build_scheduler(ctx).get_job("poll:bis").kwargs["lease_ttl"] is None
        leased = build_scheduler(ctx, use_leases=True).get_job("poll:bis").kwargs["lease_ttl"]
        assert timedelta(minutes=30) < leased < timedelta(minutes=60)      # a little under the hourly cadence
        ctx.close()


class TestTriggers:
    def test_congress_day_night_and_weekend(self, key_settings):
        t = build_triggers(key_settings)["poll:congress"]
        assert nxt(t, et(2026, 3, 3, 10, 10)) == et(2026, 3, 3, 10, 30)        # Tuesday, every 30 min
        assert nxt(t, et(2026, 3, 3, 21, 40)) == et(2026, 3, 3, 22, 0)         # night starts at 22:00
        assert nxt(t, et(2026, 3, 3, 22, 5)) == et(2026, 3, 4, 1, 0)           # then every 3 h
        assert nxt(t, et(2026, 3, 4, 4, 30)) == et(2026, 3, 4, 7, 0)           # day cadence from 07:00
        assert nxt(t, et(2026, 3, 7, 1, 0)) == et(2026, 3, 7, 3, 0)            # Saturday: every 3 h

    def test_congress_is_four_times_slower_on_demo_key(self):
        t = build_triggers(Settings())["poll:congress"]
        assert nxt(t, et(2026, 3, 3, 7, 10)) == et(2026, 3, 3, 9, 0)
        assert nxt(t, et(2026, 3, 7, 1, 0)) == et(2026, 3, 7, 12, 0)           # weekend: every 12 h

    def test_federal_register_public_inspection_bis_news(self, key_settings):
        tr = build_triggers(key_settings.model_copy(update={"bis_interval_min": 30}))
        assert nxt(tr["poll:federal_register"], et(2026, 3, 6, 7, 0)) == et(2026, 3, 9, 6, 5)   # Fri → Mon
        pi = tr["poll:public_inspection"]
        assert nxt(pi, et(2026, 3, 3, 8, 2)) == et(2026, 3, 3, 8, 16)
        assert nxt(pi, et(2026, 3, 3, 19, 0)) == et(2026, 3, 4, 8, 1)
        assert nxt(pi, et(2026, 3, 7, 9, 0)) == et(2026, 3, 9, 8, 1)                           # not weekends
        assert nxt(tr["poll:bis"], et(2026, 3, 7, 9, 11)) == et(2026, 3, 7, 9, 40)
        assert nxt(tr["poll:news"], et(2026, 3, 7, 9, 21)) == et(2026, 3, 7, 10, 20)

    def test_spring_forward(self, key_settings):
        tr = build_triggers(key_settings)
        # Sunday 2026-03-08: 02:00 EST does not exist; the weekend 3-hourly run lands at 03:00 EDT
        got = nxt(tr["poll:congress"], et(2026, 3, 8, 0, 30))
        assert got == et(2026, 3, 8, 3, 0)
        assert got.utcoffset() == timedelta(hours=-4)
        assert got.astimezone(UTC) - et(2026, 3, 8, 0, 30).astimezone(UTC) == timedelta(hours=1, minutes=30)
        # the daily reminder stays at 08:00 local on both sides
        assert nxt(tr["reminders"], et(2026, 3, 7, 9, 0)).astimezone(UTC) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
        assert nxt(tr["reminders"], et(2026, 3, 6, 9, 0)).astimezone(UTC) == datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
        # the weekly digest (Monday 09:00) moves by an hour in UTC
        assert nxt(tr["digest"], et(2026, 3, 6, 12, 0)).astimezone(UTC) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
        assert nxt(tr["digest"], et(2026, 2, 27, 12, 0)).astimezone(UTC) == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

    def test_fall_back(self, key_settings):
        tr = build_triggers(key_settings)
        got = nxt(tr["poll:congress"], et(2026, 11, 1, 0, 30))     # 01:00 happens twice on 2026-11-01
        assert got == et(2026, 11, 1, 3, 0) and got.utcoffset() == timedelta(hours=-5)
        assert got.astimezone(UTC) - et(2026, 11, 1, 0, 30).astimezone(UTC) == timedelta(hours=3, minutes=30)
        assert nxt(tr["digest"], et(2026, 10, 30, 12, 0)).astimezone(UTC) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
        assert nxt(tr["reminders"], et(2026, 10, 31, 9, 0)).astimezone(UTC) == datetime(2026, 11, 1, 13, 0,
                                                                                           tzinfo=UTC)

    def test_digest_cron_is_a_setting_in_the_configured_zone(self):
        s = Settings(digest_cron="30 16 * * fri", timezone="Europe/Berlin")
        got = nxt(build_triggers(s)["digest"], datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
        assert got == datetime(2026, 3, 6, 16, 30, tzinfo=ZoneInfo("Europe/Berlin"))

    def test_next_fire_times_for_status(self, key_settings):
        now = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)          # Saturday 12:00 ET
        times = next_fire_times(key_settings, now)
        assert set(times) == set(JOB_IDS)
        assert all(t >= now for t in times.values())
        assert times["poll:congress"] == et(2026, 3, 7, 12, 0)
        assert times["poll:federal_register"] == et(2026, 3, 9, 6, 5)
        assert times["outbox"] - now == timedelta(seconds=30)
        assert times["digest"] == et(2026, 3, 9, 9, 0)


class TestCatchUp:
    def test_overdue_sources(self, db_url):
        now = datetime.now(UTC)
        ctx = Context(settings=Settings(db_url=db_url, congress_api_key="k"), now_override=now + timedelta(minutes=45))
        assert overdue_sources(ctx) == ["congress", "federal_register", "public_inspection", "bis", "news", "ecfr"]
        ctx.now_override = now                     # the repo stamps successes with the context clock
        for name in ("congress", "federal_register", "bis", "news", "ecfr"):
            ctx.repo.source_succeeded(name)
        ctx.now_override = now + timedelta(minutes=45)
        # 45 min later: congress (30 min) and the never-polled public inspection are due
        assert overdue_sources(ctx) == ["congress", "public_inspection"]
        ctx.now_override = now + timedelta(hours=2)
        assert overdue_sources(ctx) == ["congress", "public_inspection", "bis", "news"]
        ctx.close()

    def test_catch_up_moves_the_next_run_to_now(self, db_url):
        ctx = Context(settings=Settings(db_url=db_url))
        for name in ("congress", "federal_register", "public_inspection"):
            ctx.repo.source_succeeded(name)
        ctx.now_override = datetime.now(UTC) + timedelta(minutes=1)
        scheduler = build_scheduler(ctx)
        before = datetime.now(ET)
        assert catch_up(ctx, scheduler) == ["bis", "news", "ecfr"]
        for job_id in ("poll:bis", "poll:news"):
            assert before <= scheduler.get_job(job_id).next_run_time <= datetime.now(ET)
        assert getattr(scheduler.get_job("poll:congress"), "next_run_time", None) is None   # its own cadence
        ctx.close()


class TestSingleScheduler:
    def test_second_lock_on_one_database_is_refused(self, db_url):
        first = acquire_lock(Settings(db_url=db_url))
        assert first is not None and first.path.name == "test.db.scheduler.lock"
        with pytest.raises(SchedulerLocked, match="already running on this database") as err:
            acquire_lock(Settings(db_url=db_url))
        assert HOLDER in str(err.value)
        first.release()
        again = acquire_lock(Settings(db_url=db_url))       # released: free again
        again.release()

    def test_other_databases_and_backends(self, tmp_path):
        a = SchedulerLock(lock_path(f"sqlite:///{tmp_path}/a.db")).acquire()
        b = SchedulerLock(lock_path(f"sqlite:///{tmp_path}/b.db")).acquire()   # another file: allowed
        a.release()
        b.release()
        assert lock_path("postgresql+psycopg://u:p@db.example/legiswatch") is None   # leases instead
        assert lock_path("sqlite://") is None


class TestRunJob:
    def test_a_failing_job_is_recorded_and_does_not_raise(self, db_url):
        ctx = Context(settings=Settings(db_url=db_url))

        def boom():
            raise RuntimeError("the digest exploded")

        assert run_job(ctx, "digest", boom) == "error"
        (run,) = ctx.repo.job_runs(job_id="digest")
        assert run["status"] == "error" and "RuntimeError: the digest exploded" in run["error"]
        assert run_job(ctx, "summaries", lambda: {"summarized": 3}) == "ok"
        assert ctx.repo.job_runs(job_id="summaries")[0]["counts"] == {"summarized": 3}
        ctx.close()

    def test_lease_held_elsewhere_skips_the_run(self, db_url):
        ctx = Context(settings=Settings(db_url=db_url))
        assert ctx.repo.take_lease("job:poll:news", "other-host:1", timedelta(minutes=5))
        calls = []
        assert run_job(ctx, "poll:news", lambda: calls.append(1), lease_ttl=timedelta(minutes=5)) is None
        assert calls == [] and ctx.repo.job_runs(job_id="poll:news") == []
        assert run_job(ctx, "poll:bis", lambda: calls.append(1), lease_ttl=timedelta(minutes=5)) == "ok"
        assert calls == [1]
        ctx.close()


class TestPollJob:
    def test_poll_job_records_counts(self, db_url, gov_sandbox):
        ctx = Context(settings=Settings(db_url=db_url, **gov_sandbox.base_urls()))
        notices = SourceNotices()
        assert run_job(ctx, "poll:bis", lambda: poll_job(ctx, "bis", notices)) == "ok"
        (run,) = ctx.repo.job_runs(job_id="poll:bis")
        assert run["counts"]["records"] >= 1 and run["counts"]["requests"] >= 1
        ctx.close()

    def test_unreachable_source_backs_off_and_is_reported_once(self, db_url, caplog):
        with socket.socket() as s:          # a port nobody listens on: connection refused
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ctx = Context(settings=Settings(db_url=db_url, http_retries=0, bis_url=f"http://127.0.0.1:{port}/bis"))
        notices = SourceNotices()
        caplog.set_level(logging.INFO, logger="bot.runtime.scheduler")
        assert run_job(ctx, "poll:bis", lambda: poll_job(ctx, "bis", notices)) == "error"
        assert run_job(ctx, "poll:bis", lambda: poll_job(ctx, "bis", notices)) == "skipped"   # backing off
        state = ctx.repo.source("bis")
        assert state.consecutive_failures == 1 and state.next_attempt_at > datetime.now(UTC)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "bot.runtime.scheduler"]
        assert len(warnings) == 1
        assert "unreachable" in warnings[0].getMessage() and "legiswatch demo" in warnings[0].getMessage()
        ctx.close()

    def test_notices_once_per_source_until_recovered(self, caplog):
        caplog.set_level(logging.INFO, logger="bot.runtime.scheduler")
        notices = SourceNotices()
        down = SourceReport("news", ok=False, error="SourceUnavailable: connection refused")
        for _ in range(3):
            notices.seen(down)
        notices.seen(SourceReport("bis", ok=False, error="SourceChanged: no items"))
        notices.seen(SourceReport("news", ok=True, recovered=True))
        notices.seen(down)
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warned) == 4
        assert "news is unreachable" in warned[0] and "bis failed" in warned[1]
        assert "news recovered" in warned[2] and "news is unreachable" in warned[3]

    def test_quiet_repeats_drops_per_retry_noise(self):
        f = QuietRepeats()

        def rec(name, level, msg):
            return logging.LogRecord(name, level, __file__, 1, msg, (), None)

        assert not f.filter(rec("bot.services.pipeline", logging.WARNING, "source %s failed: %s"))
        assert not f.filter(rec("scrapers.http", logging.WARNING, "%s; retry %d/%d in %.2fs"))
        assert f.filter(rec("bot.runtime.scheduler", logging.WARNING, "source %s is unreachable"))
        note = logging.LogRecord("bot.services.pipeline", logging.WARNING, __file__, 1, "%s: %s",
                                 ("congress", "CONGRESS_API_KEY is DEMO_KEY"), None)
        assert f.filter(note) and not f.filter(note)        # a source's note: the first time only


class TestReminders:
    """The daily ``reminders`` job: a deadline change 7 days and 1 day out, alerted once."""

    def _ctx(self, db_url, day: datetime) -> Context:
        ctx = Context(settings=Settings(db_url=db_url), now_override=day)
        rec = DocumentRecord(kind=FR_DOCUMENT, external_id="2026-11842", title="Remote Access Screening",
                             url="https://www.federalregister.gov/d/2026-11842", source="federal_register",
                             content={"document_number": "2026-11842", "comments_close_on": "2026-12-01"},
                             meta={"type": "Proposed Rule", "comments_close_on": "2026-12-01",
                                   "effective_on": "2026-11-25"},
                             date=datetime(2026, 11, 2).date())
        ctx.repo.record([rec], ctx.analyzer)
        return ctx

    def test_seven_and_one_day_reminders(self, db_url):
        ctx = self._ctx(db_url, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))     # 09:00 ET, Tuesday
        got = raise_reminders(ctx)
        assert sorted(c.headline for c in got) == ["2026-11842 takes effect tomorrow (2026-11-25)",
                                                   "Comments on 2026-11842 close in 7 days (2026-12-01)"]
        assert {c.kind for c in got} == {"deadline"} and {c.materiality for c in got} == {"high"}
        alerts = ctx.repo.deliveries(purpose="alert")
        assert sorted(d["change_id"] for d in alerts) == sorted(c.id for c in got)
        assert all(d["target"] == "console" for d in alerts)
        assert raise_reminders(ctx) == []                        # the job ran twice today: nothing new
        ctx.now_override = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
        assert raise_reminders(ctx) == []                        # 6 days / due today: no reminder
        ctx.now_override = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
        (last,) = raise_reminders(ctx)
        assert last.headline == "Comments on 2026-11842 close tomorrow (2026-12-01)"
        assert len(ctx.repo.deliveries(purpose="alert")) == 3
        ctx.close()

    def test_reminders_job_is_recorded(self, db_url):
        ctx = self._ctx(db_url, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
        assert run_job(ctx, "reminders", lambda: reminders_job(ctx)) == "ok"
        assert ctx.repo.job_runs(job_id="reminders")[0]["counts"] == {"reminders": 2}
        ctx.close()


def test_health_and_outbox_jobs_alert_a_long_failure_on_the_console(db_url, capsys):
    ctx = Context(settings=Settings(db_url=db_url, source_alert_after_min=0))
    ctx.repo.source_failed("news", "SourceUnavailable: news: connection refused")
    assert run_job(ctx, "health", lambda: health_job(ctx)) == "ok"
    assert ctx.repo.job_runs(job_id="health")[0]["counts"] == {"alerts": 1}
    assert run_job(ctx, "outbox", lambda: outbox_job(ctx)) == "ok"       # Slack not configured: printed
    assert "Source news has been failing" in capsys.readouterr().out
    assert run_job(ctx, "health", lambda: health_job(ctx)) == "ok"
    assert ctx.repo.job_runs(job_id="health")[0]["counts"] == {"alerts": 0}       # once per episode
    ctx.close()


def test_digest_job_queues_the_digest_once_a_day(db_url, capsys):
    ctx = Context(settings=Settings(db_url=db_url), now_override=datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    assert run_job(ctx, "digest", lambda: digest_job(ctx)) == "ok"
    assert ctx.repo.job_runs(job_id="digest")[0]["counts"] == {"messages": 1}
    assert run_job(ctx, "outbox", lambda: outbox_job(ctx)) == "ok"
    assert "legiswatch digest" in capsys.readouterr().out
    assert run_job(ctx, "digest", lambda: digest_job(ctx)) == "ok"        # a misfired re-run the same day
    assert ctx.repo.job_runs(job_id="digest")[0]["counts"] == {"messages": 0}
    ctx.close()
