"""The Slack ack never waits behind a poll's write: while another connection holds SQLite's write
lock (``BEGIN IMMEDIATE``, as a poll's long write does), a signed Events API delivery is answered
200 at once; retries of it are still dropped, and once the lock is released the event id is
recorded, so a retry after a restart of the process is dropped too."""

from __future__ import annotations

import sqlite3
import time

import pytest
from slackkit import HttpApp, http_app, make_ctx


@pytest.fixture
def served(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    with http_app(ctx, slack_fake) as app:
        yield app
    ctx.close()


def home(user: str = "U1") -> dict:
    return {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1", "event_ts": "1700000000.1"}


def hold_write_lock(db_url: str) -> sqlite3.Connection:
    conn = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO kv (name, value, updated_at) VALUES ('poll', 'writing', '2026-01-01')")
    return conn


def test_an_event_is_acked_while_a_write_is_open_and_retries_stay_deduplicated(served, slack_fake, db_url):
    writer = hold_write_lock(db_url)
    try:
        t0 = time.perf_counter()
        first = served.event("EvLOCK1", home())
        elapsed = time.perf_counter() - t0
        retry = served.event("EvLOCK1", home(), extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert first.status_code == 200 and retry.status_code == 200
        assert elapsed < 5, elapsed          # a write before the ack would wait the 30 s busy timeout
        with sqlite3.connect(db_url.split("///", 1)[1]) as conn:
            assert conn.execute("SELECT count(*) FROM slack_events WHERE event_id = 'EvLOCK1'").fetchone() == (0,)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    served.settle(40)                        # the listener and the id's record complete after the lock
    assert len(slack_fake.calls_to("views.publish")) == 1       # the retry was dropped
    with sqlite3.connect(db_url.split("///", 1)[1]) as conn:
        assert conn.execute("SELECT count(*) FROM slack_events WHERE event_id = 'EvLOCK1'").fetchone() == (1,)


def test_a_retry_reaching_a_new_process_is_dropped_by_the_stored_id(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    try:
        first = HttpApp(ctx, slack_fake)
        try:
            assert first.event("EvRESTART", home()).status_code == 200
            first.settle()
        finally:
            first.close()
        assert len(slack_fake.calls_to("views.publish")) == 1
        again = HttpApp(ctx, slack_fake)       # a new app: nothing remembered in memory
        try:
            assert again.event("EvRESTART", home(), extra={"X-Slack-Retry-Num": "2"}).status_code == 200
            assert again.event("EvOTHER", home()).status_code == 200
            again.settle()
        finally:
            again.close()
        assert len(slack_fake.calls_to("views.publish")) == 2     # EvOTHER only
    finally:
        ctx.close()


