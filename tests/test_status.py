"""``legiswatch status``: sources, jobs with next runs, pending work; exit 0 healthy or never
polled, 1 when a source has been failing longer than its threshold."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.frontends.cli import main
from bot.runtime.scheduler import JOB_IDS, run_job
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.health import render_status, status_report


def test_never_polled_is_healthy(db_url, monkeypatch, capsys):
    monkeypatch.setenv("LEGISWATCH_DB_URL", db_url)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "never polled" in out and "database: sqlite" in out and "KiB" in out
    for job_id in JOB_IDS:
        assert job_id in out
    assert "pending: 0 summaries, 0 deliveries" in out


def test_json_has_next_runs_jobs_and_size(db_url, monkeypatch, capsys):
    monkeypatch.setenv("LEGISWATCH_DB_URL", db_url)
    ctx = Context(settings=Settings(db_url=db_url))
    run_job(ctx, "poll:bis", lambda: ("error", {"records": 0}, "SourceUnavailable: bis: connection refused"))
    ctx.close()
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["failing"] == [] and report["backend"] == "sqlite" and report["database"]["bytes"] > 0
    jobs = {j["job_id"]: j for j in report["jobs"]}
    assert set(jobs) == set(JOB_IDS)
    assert jobs["poll:bis"]["status"] == "error" and "connection refused" in jobs["poll:bis"]["error"]
    assert jobs["digest"]["status"] == "never run" and jobs["digest"]["next_run"]
    assert all(s["next_run"] for s in report["sources"])


def test_failing_under_threshold_is_still_0(db_url, monkeypatch, capsys):
    monkeypatch.setenv("LEGISWATCH_DB_URL", db_url)
    ctx = Context(settings=Settings(db_url=db_url))
    ctx.repo.source_failed("news", "SourceUnavailable: news: connection refused")
    ctx.close()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "failing" in out and "last error: SourceUnavailable: news: connection refused" in out


def test_failing_over_threshold_exits_1(db_url, monkeypatch, capsys):
    monkeypatch.setenv("LEGISWATCH_DB_URL", db_url)
    monkeypatch.setenv("LEGISWATCH_SOURCE_ALERT_AFTER_MIN", "0")
    ctx = Context(settings=Settings(db_url=db_url))
    ctx.repo.source_failed("news", "SourceUnavailable: news: connection refused")
    ctx.repo.source_succeeded("bis")
    ctx.close()
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "FAILING longer than threshold: news" in out


def test_backing_off_source_shows_when_it_is_tried_again(db_url):
    ctx = Context(settings=Settings(db_url=db_url))
    state = ctx.repo.source_failed("bis", "SourceChanged: bis: no press releases found", retry_after=7200)
    ctx.now_override = datetime.now(UTC) + timedelta(minutes=1)
    report = status_report(ctx)
    bis = next(s for s in report["sources"] if s["name"] == "bis")
    assert bis["state"] == "failing" and bis["next_run"] == state.next_attempt_at   # hourly cadence, but backing off
    assert "SourceChanged" in render_status(report)
    ctx.close()
