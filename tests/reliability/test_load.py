"""Load: the HTTP app on loopback under questions and slash commands at once (bounded, self-stopping).

50 questions (``app_mention`` events spread over 10 channels) arrive all at once while slash
commands arrive at 20 per second (``/ask`` with a unique question each, and ``/bill``) for
``RELIABILITY_LOAD_SECONDS`` seconds — 10 by default so CI stays quick; 30 is the full run
(``RELIABILITY_LOAD_SECONDS=30 pytest -m reliability tests/reliability/test_load.py``).

Every request must be acknowledged with 200 within 3 seconds, every question answered exactly
once in its thread, every command answered exactly once through its ``response_url``.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from relkit import NOW, db_path, settings_for
from slackkit import ADMIN, BOT_TOKEN, SECRET, command_body, event_body
from test_slack_edges import ProductionApp

from bot.sandbox.government import GovSandbox
from bot.services.context import Context
from bot.services.pipeline import poll

pytestmark = pytest.mark.reliability
log = logging.getLogger(__name__)

SECONDS = float(os.environ.get("RELIABILITY_LOAD_SECONDS", "10"))
RATE = 20                      # slash commands per second
QUESTIONS = 50
CHANNELS = 10
ACK_LIMIT = 3.0


@pytest.fixture
def loaded_ctx(tmp_path, slack_fake):
    url = f"sqlite:///{tmp_path}/load.db"
    with GovSandbox() as sb:
        seed = Context(settings=settings_for(sb, url), now_override=NOW)
        assert all(r.ok for r in poll(seed))
        seed.close()
    con = sqlite3.connect(db_path(url))
    con.execute("UPDATE deliveries SET status = 'sent'")      # the console alerts of the seeding poll
    con.commit()
    con.close()
    c = Context(settings=settings_for(None, url, slack_bot_token=BOT_TOKEN, slack_api_url=slack_fake.url,
                                      slack_signing_secret=SECRET, slack_admins=ADMIN, alert_channel="CALERTS"))
    yield c
    c.close()


@pytest.mark.timeout(int(SECONDS) + 150)
def test_questions_and_commands_under_load(loaded_ctx, slack_fake):
    results: list[tuple[str, int, float]] = []           # (what, status, seconds to ack)
    lock = threading.Lock()
    n_commands = int(SECONDS * RATE)

    with ProductionApp(loaded_ctx) as served:
        def send(what: str, body: bytes, content_type: str) -> None:
            t0 = time.monotonic()
            try:
                status = served.post(body, content_type=content_type).status_code
            except Exception as exc:  # noqa: BLE001 — counted as an error below
                status = -1
                what += f" ({type(exc).__name__})"
            with lock:
                results.append((what, status, time.monotonic() - t0))

        def command(i: int) -> None:
            if i % 2 == 0:
                body = command_body("/ask", f"What is the status of H.R. 2683? load-q{i:04d}",
                                    slack_fake.response_url(f"c{i}"), user=f"U{i % 7}", channel=f"CCMD{i % 5}")
            else:
                body = command_body("/bill", ("H.R. 2683", "S. 3519", "hr8152-118")[i % 3],
                                    slack_fake.response_url(f"c{i}"), user=f"U{i % 7}", channel=f"CCMD{i % 5}")
            send(f"command {i}", body, "application/x-www-form-urlencoded")

        def question(i: int) -> None:
            event = {"type": "app_mention", "user": f"UQ{i}", "channel": f"CQ{i % CHANNELS}",
                     "ts": f"1800000000.{i:06d}", "text": f"<@UBOT> when do comments close on 2026-01234? load-m{i:03d}"}
            send(f"question {i}", event_body(f"EvLoad{i:03d}", event), "application/json")

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=QUESTIONS + 16) as pool:
            futures = [pool.submit(question, i) for i in range(QUESTIONS)]       # all at once
            for i in range(n_commands):                                           # paced at RATE per second
                delay = started + i / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(command, i))
            for f in futures:
                f.result(timeout=60)
        sending = time.monotonic() - started

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            answers = len(slack_fake.calls_to("chat.postMessage"))
            responses = len(slack_fake.calls_to("response_url"))
            if answers >= QUESTIONS and responses >= n_commands:
                break
            time.sleep(0.1)
        time.sleep(1.0)                                                          # room for a duplicate to show

    acks = sorted(r[2] for r in results)
    log.info("load: %d requests in %.1fs; ack p50 %.3fs p99 %.3fs max %.3fs", len(results), sending,
             acks[len(acks) // 2], acks[int(len(acks) * 0.99) - 1], acks[-1])
    errors = [r for r in results if r[1] != 200]
    assert not errors, f"{len(errors)} requests failed: {errors[:5]}"
    slowest = max(r[2] for r in results)
    assert slowest < ACK_LIMIT, f"slowest ack {slowest:.2f}s"
    assert sending < SECONDS + 5, f"the load generator itself fell behind ({sending:.1f}s)"

    posts = slack_fake.calls_to("chat.postMessage")
    per_thread = Counter((p.body.get("channel"), p.body.get("thread_ts")) for p in posts)
    expected = {(f"CQ{i % CHANNELS}", f"1800000000.{i:06d}") for i in range(QUESTIONS)}
    assert set(per_thread) == expected, f"missing {sorted(expected - set(per_thread))[:5]}"
    assert set(per_thread.values()) == {1}, {k: v for k, v in per_thread.items() if v != 1}

    responses = [json.dumps(c.body) for c in slack_fake.calls_to("response_url")]
    assert len(responses) == n_commands, f"{len(responses)} command responses for {n_commands} commands"
    for i in range(0, n_commands, 2):
        n = sum(f"load-q{i:04d}" in r for r in responses)
        assert n == 1, f"/ask #{i} answered {n} times"
    bills = sum(1 for r in responses if "load-q" not in r)
    assert bills == n_commands // 2
