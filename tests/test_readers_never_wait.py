"""Readers never wait for writers: while another connection holds SQLite's write lock (a poll's
long write transaction), a bill card and a passage search complete, reading the last committed
state; a write still waits (the lock is real)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest

from bot.services.card import read_card
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.pipeline import poll_source
from scrapers.ids import parse_bill_id
from storage.search import search

WATCHED = "hr2683-119"


@pytest.fixture
def stored(db_url, gov_sandbox):
    settings = Settings(db_url=db_url, watchlist="none.toml", congress_api_key="test-key", **gov_sandbox.base_urls())
    ctx = Context(settings=settings, now_override=datetime(2026, 2, 11, 15, 0, tzinfo=UTC))
    ctx.repo.add_watch("bill", WATCHED, actor="test")
    assert poll_source(ctx, "congress").ok
    yield ctx
    ctx.close()


class Writer:
    """Another process's long write: BEGIN IMMEDIATE and an uncommitted update, held until released."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE bills SET title = 'UNCOMMITTED' WHERE id = ?", (WATCHED,))

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def test_card_and_search_complete_while_a_write_is_open(stored, db_url):
    ctx = stored
    bill = parse_bill_id(WATCHED)
    before = read_card(ctx.repo, bill, today=ctx.today())
    word = before.title.split()[-1]
    assert search(ctx.repo.engine, word)
    writer = Writer(db_url.split("///", 1)[1])
    try:
        t0 = time.perf_counter()
        card = read_card(ctx.repo, bill, today=ctx.today())
        hits = search(ctx.repo.engine, word)
        elapsed = time.perf_counter() - t0
        assert card.title == before.title != "UNCOMMITTED"        # the last committed state
        assert hits
        assert elapsed < 5, elapsed            # the busy timeout is 30 s: a waiting read would take it

        # a write through the repo does wait for the lock: released from another thread, it then completes
        done = threading.Event()

        def write():
            ctx.repo.kv_set("probe", "1")
            done.set()

        t = threading.Thread(target=write)
        t.start()
        assert not done.wait(0.5), "a write went through while another writer held the lock"
    finally:
        writer.release()
    assert done.wait(30)
    t.join()
    assert ctx.repo.kv_get("probe") == "1"
