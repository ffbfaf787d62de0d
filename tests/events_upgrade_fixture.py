"""The database the events upgrade test starts from: the demo's story — the flagship watchlist, every
source polled from the government sandbox at the demo clock with a backfill from 2026-01-01 — made
by the code before changes were grouped into events (commit f396cc5), alerts queued to the console.

``tests/data/upgrade/pre_events.sqlite`` was made with

    git archive f396cc5 bot scrapers storage prompts | tar -x -C /tmp/old-events
    cd /tmp/old-events && PYTHONPATH=/tmp/old-events:$REPO $REPO/.venv/bin/python -m tests.events_upgrade_fixture \
        $REPO/tests/data/upgrade/pre_events.sqlite

(run from the old tree, so the old ``bot`` is imported, not the checkout's).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.sandbox.government import GovSandbox
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.pipeline import poll

NOW = datetime(2026, 2, 11, 18, 0, tzinfo=UTC)
SINCE = date(2026, 1, 1)
WATCH = (("bill", "hr2683-119"), ("bill", "hr8152-118"), ("bill", "s3519-119"), ("term", "remote access"),
         ("agency", "industry-and-security-bureau"))


def settings(db_url: str, sandbox: GovSandbox) -> Settings:
    return Settings(db_url=db_url, watchlist=os.devnull, congress_api_key="sandbox", alert_max_age_days=45,
                    slack_bot_token="", slack_app_token="", openai_api_key="", openai_base_url="",
                    **sandbox.base_urls())


def build(path: Path) -> None:
    path.unlink(missing_ok=True)
    with GovSandbox() as sandbox:
        ctx = Context(settings=settings(f"sqlite:///{path}", sandbox), now_override=NOW)
        for kind, value in WATCH:
            ctx.repo.add_watch(kind, value, actor="fixture")
        reports = poll(ctx, since=SINCE)
        assert all(r.ok for r in reports), [r.error for r in reports]
        ctx.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
