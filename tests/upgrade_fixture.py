"""The database the upgrade test starts from: the flagship bill watched and polled from the
government sandbox, with its Senate text (``hr2683-119-rfs``) served as a real appropriations bill
(S. 4927 RS, bill DTD) — text the parser before issue 17 read only a third of.

``tests/data/upgrade/pre17.sqlite`` was made by the code before issue 17 (commit 71b6e7b) with

    git archive 71b6e7b bot scrapers storage prompts | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old:. .venv/bin/python -m tests.upgrade_fixture tests/data/upgrade/pre17.sqlite

and the test polls it again with today's code through the same function.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.runtime.scheduler import SourceNotices, poll_job, run_job
from bot.sandbox.government import GovSandbox
from bot.services.card import fetch_bill
from bot.services.config import Settings
from bot.services.context import Context
from scrapers.ids import parse_bill_id

DATA = Path(__file__).resolve().parent / "data"
APPROPRIATIONS = DATA / "corpus" / "118-s-4927_1_reported-in-senate.xml"
RFS_PATH = "/govinfo/content/pkg/BILLS-119hr2683rfs/xml/BILLS-119hr2683rfs.xml"
NOW = datetime(2026, 2, 11, 15, 0, tzinfo=UTC)


def poll(db_url: str, sandbox: GovSandbox) -> Context:
    """Watch H.R. 2683 and poll Congress.gov + govinfo once; returns the context (close it)."""
    sandbox.route(RFS_PATH, APPROPRIATIONS.read_bytes(), content_type="application/xml")
    settings = Settings(db_url=db_url, watchlist="none.toml", alert_channel="C0ALERTS", **sandbox.base_urls())
    ctx = Context(settings=settings, now_override=NOW)
    ctx.repo.add_watch("bill", "hr2683-119", actor="test")      # False (no-op) when already watched
    status = run_job(ctx, "poll:congress", lambda: poll_job(ctx, "congress", SourceNotices()))
    if status != "ok":
        raise RuntimeError(f"poll of the sandbox failed: {status}")
    return ctx


def refetch(ctx: Context) -> None:
    """Fetch H.R. 2683 and every text version of it again and record them (what ``bill`` does for a
    bill it must fetch, and what a poll does when Congress.gov says the text changed)."""
    fetch_bill(ctx, parse_bill_id("hr2683-119"))


if __name__ == "__main__":
    target = Path(sys.argv[1]).resolve()
    target.unlink(missing_ok=True)
    with GovSandbox() as gov:
        poll(f"sqlite:///{target}", gov).close()
    print(f"wrote {target}")
