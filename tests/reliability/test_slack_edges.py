"""Slack at the edges: duplicate and retried events, out-of-order retries, a 429 storm and a
``chat.postMessage`` failing in the middle of a digest. Every message is posted once and only once.

The app runs over HTTP (waitress on 127.0.0.1, signed requests) against the Slack fake; the
outbox is flushed with a no-op ``sleep`` and an advancing clock, so waits cost no time.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import requests
from relkit import NOW, db_path, settings_for
from slackkit import ADMIN, BOT_TOKEN, SECRET, client_for, event_body, signed_headers

from bot.runtime.delivery import flush, post_digest
from bot.sandbox.government import GovSandbox
from bot.services import digest as digest_service
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.pipeline import poll
from bot.slack.app import build_app
from bot.slack.blocks import digest_messages
from bot.slack.server import serve_http
from storage.repo.base import utcnow

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A database stocked from the bundled sandbox, copied for each test."""
    url = f"sqlite:///{tmp_path_factory.mktemp('slack-template')}/t.db"
    with GovSandbox() as sb:
        ctx = Context(settings=settings_for(sb, url), now_override=NOW)
        assert all(r.ok for r in poll(ctx))
        ctx.close()
    return db_path(url)


@pytest.fixture
def ctx(template, tmp_path, slack_fake):
    target = tmp_path / "slack.db"
    src, dst = sqlite3.connect(template), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    c = Context(settings=settings_for(None, f"sqlite:///{target}", slack_bot_token=BOT_TOKEN,
                                      slack_api_url=slack_fake.url, slack_signing_secret=SECRET, slack_admins=ADMIN,
                                      alert_channel="CALERTS", digest_channel="CDIGEST"))
    yield c
    c.close()


def _settle(fake, method: str, at_least: int, quiet: float = 1.0, timeout: float = 20.0) -> list:
    """Wait for ``at_least`` calls, then until no new call came for ``quiet`` seconds."""
    fake.wait_for(method, at_least, timeout=timeout)
    n, last = len(fake.calls_to(method)), time.monotonic()
    while time.monotonic() - last < quiet:
        time.sleep(0.05)
        m = len(fake.calls_to(method))
        if m != n:
            n, last = m, time.monotonic()
    return fake.calls_to(method)


class ProductionApp:
    """The HTTP app exactly as ``legiswatch run --http`` builds it (its own Web API client, with the
    production retry handlers), pointed at the Slack fake through the settings."""

    def __init__(self, ctx) -> None:

        self.server = serve_http(build_app(ctx), ctx, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.session = requests.Session()
        self.session.trust_env = False

    def post(self, body: bytes, *, content_type: str, extra: dict | None = None):
        return self.session.post(self.url + "/slack/events", data=body, timeout=10,
                                 headers=signed_headers(body, content_type=content_type, extra=extra))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()
        self.server.close()
        self.thread.join(5)


def _mention(channel: str, ts: str, text: str = "<@UBOT> what is the status of H.R. 2683?") -> dict:
    return {"type": "app_mention", "user": "UASKER", "text": text, "channel": channel, "ts": ts,
            "event_ts": ts}


def test_duplicates_retries_and_out_of_order_retries_answer_each_mention_once(ctx, slack_fake):
    sends: list[tuple[str, dict, dict]] = []
    # 1. the same delivery three times at once
    for _ in range(3):
        sends.append(("Ev1", _mention("C1", "1700000001.000100"), {}))
    # 2. the original, then Slack's retries (same event id)
    for n in (None, "1", "2"):
        sends.append(("Ev2", _mention("C2", "1700000002.000100"),
                      {"X-Slack-Retry-Num": n, "X-Slack-Retry-Reason": "http_timeout"} if n else {}))
    # 3. out of order: retry 2 arrives first, then the original, then retry 1
    for n in ("2", None, "1"):
        sends.append(("Ev3", _mention("C3", "1700000003.000100"),
                      {"X-Slack-Retry-Num": n, "X-Slack-Retry-Reason": "http_timeout"} if n else {}))
    # 4. the same message re-delivered under a new event id
    sends.append(("Ev4", _mention("C4", "1700000004.000100"), {}))
    sends.append(("Ev4bis", _mention("C4", "1700000004.000100"), {}))
    with ProductionApp(ctx) as served:
        statuses: list[int] = []
        lock = threading.Lock()

        def send(item):
            eid, event, extra = item
            r = served.post(event_body(eid, event), content_type="application/json", extra=extra)
            with lock:
                statuses.append(r.status_code)

        threads = [threading.Thread(target=send, args=(s,)) for s in sends[:3]]   # the concurrent triple
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in sends[3:]:
            send(s)
        posts = _settle(slack_fake, "chat.postMessage", 4)
    assert statuses == [200] * len(sends)
    per_thread = Counter((c.body.get("channel"), c.body.get("thread_ts")) for c in posts)
    assert per_thread == {("C1", "1700000001.000100"): 1, ("C2", "1700000002.000100"): 1,
                          ("C3", "1700000003.000100"): 1, ("C4", "1700000004.000100"): 1}, per_thread


def test_a_429_storm_on_answers_still_answers_once(ctx, slack_fake):
    slack_fake.script("chat.postMessage", [(429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"})] * 2)
    with ProductionApp(ctx) as served:
        r = served.post(event_body("EvStorm", _mention("C9", "1700000009.000100")), content_type="application/json")
        assert r.status_code == 200
        posts = _settle(slack_fake, "chat.postMessage", 3, quiet=1.5)
    assert len(posts) == 3, "two refused by the storm, then exactly one accepted"
    assert all(p.body.get("thread_ts") == "1700000009.000100" for p in posts)


class _Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _successful(fake, method: str, refused: int) -> list:
    """Calls after the first ``refused`` ones (the scripted failures are consumed in call order)."""
    return fake.calls_to(method)[refused:]


def _alerts(ctx, channels: list[str], per_channel: int) -> dict[str, str]:
    """High changes with alert deliveries queued to ``channels``; change key → headline."""
    out = {}
    for ch in channels:
        for i in range(per_channel):
            headline = f"Storm alert {ch}-{i}: export rule {i} changed"
            c = ctx.repo.add_change(key=f"storm:{ch}:{i}", kind="press_release", subject=f"storm-{ch}-{i}",
                                    headline=headline, materiality="high")
            ctx.repo.update_change(c.id, summary_state="none")
            assert ctx.repo.enqueue(target=ch, purpose="alert", ref=str(c.id), change_id=c.id,
                                    payload={"change_id": c.id})
            out[c.key] = headline
    return out


def _flush_until_done(ctx, fake, clock: _Clock, rounds: int = 40) -> None:
    for _ in range(rounds):
        flush(ctx, client=client_for(fake), sleep=lambda s: clock.advance(s), clock=clock, console=io.StringIO())
        if not ctx.repo.pending_deliveries(now=clock.now + timedelta(days=1)):
            return
        clock.advance(120)
    raise AssertionError(f"deliveries still pending: {ctx.repo.pending_deliveries(now=clock.now)}")


def test_a_slack_429_storm_posts_every_alert_once(ctx, slack_fake):
    refused = 12
    slack_fake.script("chat.postMessage", [(429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"})] * 6
                      + [(429, {"Retry-After": "30"}, {"ok": False, "error": "ratelimited"})] * 6)
    headlines = _alerts(ctx, ["CA", "CB", "CC"], 4)
    _flush_until_done(ctx, slack_fake, _Clock())
    ok = _successful(slack_fake, "chat.postMessage", refused)
    posted = [json.dumps(c.body) for c in ok]
    for key, headline in headlines.items():
        n = sum(headline in p for p in posted)
        assert n == 1, f"{key} posted {n} times"
    assert {d["status"] for d in ctx.repo.deliveries(purpose="alert")} == {"sent"}


def test_post_message_failing_mid_digest_posts_every_part_once(ctx, slack_fake, monkeypatch):
    monkeypatch.setattr(digest_service, "CAPS", {"high": 200, "normal": 200})   # the splitter, not the caps
    for i in range(150):                                 # a long week: the digest needs several messages
        c = ctx.repo.add_change(key=f"long:{i}", kind="press_release", subject=f"long-{i}", materiality="normal",
                                headline=f"Digest item {i:02d}: " + "a long headline about export controls " * 6)
        ctx.repo.update_change(c.id, summary_state="none")
    digest = build_digest(ctx)
    expected = [m["text"] for m in digest_messages(digest)]
    assert len(expected) >= 2, f"the digest should need several messages, got {len(expected)}"
    assert post_digest(ctx, digest) == 1                  # one delivery: the digest as data, rendered at flush
    slack_fake.script("chat.postMessage", [
        {"ok": True, "channel": "CDIGEST", "ts": "1.000001"},
        (500, {}, {"ok": False, "error": "internal_error"}),
        {"ok": False, "error": "fatal_error"},
    ])
    _flush_until_done(ctx, slack_fake, _Clock())
    calls = slack_fake.calls_to("chat.postMessage")
    failed = {1, 2}                                       # the 2nd and 3rd calls were refused
    ok = [c for i, c in enumerate(calls) if i not in failed]
    texts = Counter(c.body.get("text") for c in ok)
    for n, text in enumerate(expected, start=1):
        assert texts[text] == 1, f"message {n} posted {texts[text]} times"
    assert sum(texts.values()) == len(expected)
    assert {d["status"] for d in ctx.repo.deliveries(purpose="digest")} == {"sent"}
