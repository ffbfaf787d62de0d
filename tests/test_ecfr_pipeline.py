"""eCFR wired in: the ``ecfr`` source in the pipeline, the schedule and status; the parts of the
watched rules (cfr_references + effective dates) and of ``watch add --cfr``; incremental re-polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.context import Context
from bot.services.config import Settings
from bot.services.health import status_report
from bot.services.pipeline import SOURCES, poll_source
from bot.services.schedule import JOB_IDS, POLL_SOURCES, build_triggers

NOW = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def ctx(db_url, gov_sandbox):
    c = Context(settings=Settings(db_url=db_url, watchlist="no-watchlist.toml", openai_api_key="",
                                  openai_base_url="", http_retries=0, **gov_sandbox.base_urls()),
                now_override=NOW)
    yield c
    c.close()


def test_ecfr_is_a_source_with_a_daily_job_and_a_status_row(ctx, gov_sandbox):
    assert "ecfr" in SOURCES and "ecfr" in POLL_SOURCES and "poll:ecfr" in JOB_IDS
    trigger = build_triggers(ctx.settings, NOW)["poll:ecfr"]
    first = trigger.get_next_fire_time(None, NOW)
    assert trigger.get_next_fire_time(first, first) - first == timedelta(days=1)
    assert ctx.settings.ecfr_url == gov_sandbox.url + "/ecfr"
    report = poll_source(ctx, "ecfr")                       # nothing watched: no part asked
    assert report.ok and report.records == 0 and gov_sandbox.count("/ecfr/") == 0
    row = next(s for s in status_report(ctx)["sources"] if s["name"] == "ecfr")
    assert row["state"] == "ok" and row["next_run"] is not None
