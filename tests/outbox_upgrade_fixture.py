"""The database the outbox upgrade test starts from: the flagship bills polled from the government
sandbox on 2026-01-14 with Slack configured, so alerts for the House vote and the new text are
queued for #alerts, and the day's digest is queued for #digest — none of them delivered yet.

``tests/data/upgrade/pre_parts_outbox.sqlite`` was made by the code before deliveries held parts
(commit 2fbe95c, where alerts were ``{"change_id"}`` and a digest was pre-rendered Block Kit, one
delivery per message) with

    git archive 2fbe95c bot scrapers storage prompts | tar -x -C /tmp/old
    cd /tmp/old && PYTHONPATH=/tmp/old:$REPO $REPO/.venv/bin/python -m tests.outbox_upgrade_fixture \
        $REPO/tests/data/upgrade/pre_parts_outbox.sqlite

(run from /tmp/old, so the old ``bot`` is imported, not the checkout's).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.runtime.delivery import post_digest
from bot.sandbox.government import GovSandbox
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.pipeline import poll

NOW = datetime(2026, 1, 14, 15, 0, tzinfo=UTC)
WATCHED = ("hr2683-119", "s3519-119", "hr8152-118")


def settings(db_url: str, sandbox: GovSandbox) -> Settings:
    return Settings(db_url=db_url, watchlist="none.toml", slack_bot_token="xoxb-fixture", alert_channel="CALERTS",
                    digest_channel="CDIGEST", openai_api_key="", openai_base_url="", **sandbox.base_urls())


def build(path: Path) -> None:
    path.unlink(missing_ok=True)
    with GovSandbox() as sandbox:
        ctx = Context(settings=settings(f"sqlite:///{path}", sandbox), now_override=NOW)
        for bill in WATCHED:
            ctx.repo.add_watch("bill", bill, actor="fixture")
        reports = poll(ctx, ["congress"])
        assert all(r.ok for r in reports), [r.error for r in reports]
        post_digest(ctx, build_digest(ctx))
        ctx.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
