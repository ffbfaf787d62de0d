"""``poll --since`` (backfill): a progress bar with counts; running it twice, or interrupting it
with Ctrl-C and running it again, stores nothing twice."""

from __future__ import annotations

import io
import os
import signal
import threading
from datetime import date

import pytest
from rich.console import Console

from bot.frontends.progress import backfill
from bot.services.config import Settings
from bot.services.context import Context

NAMES = ["bis", "federal_register", "news"]
SINCE = date(2026, 1, 1)


def _console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=120, force_terminal=False), buf


def _snapshot(ctx: Context) -> tuple:
    repo = ctx.repo
    return (repo.counts(), sorted(c.key for c in repo.changes()), len(repo.deliveries()))


def _ctx(db_url: str, sandbox) -> Context:
    return Context(settings=Settings(db_url=db_url, watchlist="none.toml", **sandbox.base_urls()))


def _watch(ctx: Context) -> None:
    ctx.repo.add_watch("agency", "industry-and-security-bureau", actor="test")
    ctx.repo.add_watch("term", "remote access", actor="test")


def test_backfill_twice_gives_no_duplicates(db_url, gov_sandbox):
    ctx = _ctx(db_url, gov_sandbox)
    _watch(ctx)
    console, buf = _console()
    first = backfill(ctx, NAMES, SINCE, console=console)
    assert [r.name for r in first] == NAMES and all(r.ok for r in first)
    assert sum(len(r.changes) for r in first) > 0
    out = buf.getvalue()
    for name in NAMES:
        assert name in out
    assert "records" in out and "changes" in out and "done" in out
    before = _snapshot(ctx)

    second = backfill(ctx, NAMES, SINCE, console=_console()[0])
    assert all(r.ok for r in second)
    assert sum(len(r.changes) for r in second) == 0
    assert _snapshot(ctx) == before
    ctx.close()


def test_interrupted_backfill_resumes_without_duplicates(db_url, tmp_path, gov_sandbox, gov_sandbox_factory):
    # the reference: one uninterrupted backfill into another database
    ref = _ctx(f"sqlite:///{tmp_path}/reference.db", gov_sandbox)
    _watch(ref)
    backfill(ref, NAMES, SINCE, console=_console()[0])
    expected = _snapshot(ref)
    ref.close()

    ctx = _ctx(db_url, gov_sandbox)
    _watch(ctx)
    release = threading.Event()
    arrived = gov_sandbox.fault("/fr/", "hold", release=release)   # the first Federal Register request hangs …

    def press_ctrl_c() -> None:                              # … and the user presses Ctrl-C meanwhile
        if arrived.wait(30):
            os.kill(os.getpid(), signal.SIGINT)

    console, buf = _console()
    threading.Thread(target=press_ctrl_c, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            backfill(ctx, NAMES, SINCE, console=console)
    finally:
        release.set()
    assert "interrupted" in buf.getvalue() and "run the same command again" in buf.getvalue()
    partial = _snapshot(ctx)
    assert partial != expected and partial[0]["documents"] > 0       # bis was stored before the interrupt

    gov_sandbox.clear_faults()
    resumed = backfill(ctx, NAMES, SINCE, console=_console()[0])
    assert all(r.ok for r in resumed)
    assert _snapshot(ctx) == expected
    ctx.close()
