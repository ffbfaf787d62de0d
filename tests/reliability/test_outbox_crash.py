"""Exactly once across crashes (issue 24): a flush SIGKILLed between Slack's receipt of
``chat.postMessage`` and its own commit. The flush runs as a real subprocess against the Slack
fake, which records each message (with its metadata) and then holds its answer until the test has
killed the process. The next flush — in the very next interval, no lease to wait out — must post
every alert exactly once: the one Slack received is found in the channel's history by its key.

Run with ``-s`` to print the figures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from slackkit import client_for, make_ctx

from bot.runtime.delivery import flush
from bot.sandbox.slack_fake import SlackCall, SlackFake
from bot.services.pipeline import route_alerts
from scrapers.records import NEWS, DocumentRecord

pytestmark = pytest.mark.reliability

TRIALS = 20
ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
sys.path.insert(0, {tests!r})
from slackkit import client_for, make_ctx
from bot.runtime.delivery import flush
from bot.sandbox.slack_fake import SlackFake

class Url:
    url = {url!r}
ctx = make_ctx({db!r}, Url, alert_channel={channel!r})
flush(ctx, client=client_for(Url), sleep=lambda s: None)
"""


class HoldingFake(SlackFake):
    """Records a chat.postMessage like Slack, then holds the answer until released."""

    def __init__(self) -> None:
        super().__init__()
        self.received = threading.Event()
        self.release = threading.Event()
        self.holding = False

    def _answer(self, call: SlackCall):
        answer = super()._answer(call)
        if call.method == "chat.postMessage" and self.holding:
            self.received.set()
            self.release.wait(30)
        return answer


def queue_alerts(ctx, trial: int, n: int) -> list[int]:
    recs = [DocumentRecord(kind=NEWS, external_id=f"t{trial}-{k}", title=f"Trial {trial} story {k}",
                           url=f"https://news.example.com/{trial}/{k}", source="news",
                           content={"title": f"Trial {trial} story {k}"}, text=f"story {k}", date=ctx.today())
            for k in range(n)]
    changes = ctx.repo.record(recs, ctx.analyzer)
    for c in changes:
        ctx.repo.update_change(c.id, materiality="high")
        ctx.repo.save_summary(input_hash=f"h{trial}-{c.id}", prompt_version="1", model="offline", text="Summary.",
                              bullets=[], citations=[], produced_by="offline", change_ids=[c.id])
    fresh = ctx.repo.changes(ids=[c.id for c in changes])
    assert route_alerts(ctx, fresh) == len(fresh)
    return [c.id for c in fresh]


def test_sigkill_between_slacks_receipt_and_the_commit_posts_every_alert_once(tmp_path):
    delays = []
    with HoldingFake() as fake:
        for trial in range(TRIALS):
            db = f"sqlite:///{tmp_path}/t{trial}.db"
            channel = f"CTRIAL{trial}"
            ctx = make_ctx(db, fake, alert_channel=channel)
            ctx.repo  # noqa: B018 — creates the schema before the child opens the database
            ids = queue_alerts(ctx, trial, 1 + trial % 3)
            fake.received.clear()
            fake.release.clear()
            fake.holding = True
            child = subprocess.Popen([sys.executable, "-c", CHILD.format(tests=str(ROOT / "tests"), url=fake.url,
                                                                          db=db, channel=channel)],
                                     cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
            while not fake.received.wait(0.05):
                assert child.poll() is None, f"trial {trial}: the child exited ({child.returncode}) without posting"
            os.kill(child.pid, signal.SIGKILL)                 # Slack has it; the commit never happens
            child.wait(30)
            fake.holding = False
            fake.release.set()
            start = time.monotonic()
            sent = flush(ctx, client=client_for(fake), sleep=lambda s: None)   # the next interval's flush
            delays.append(time.monotonic() - start)
            assert sent == len(ids)
            keys = [k for m in fake.history(channel)
                    for k in (m.get("metadata") or {}).get("event_payload", {}).get("keys", [])
                    if k.endswith(tuple(f":{i}" for i in ids)) and k.startswith("alert:")]
            assert sorted(keys) == sorted(f"alert:{channel}:{i}" for i in ids), f"trial {trial}: {keys}"
            assert {d["status"] for d in ctx.repo.deliveries(purpose="alert")} == {"sent"}
            ctx.close()
    print(f"\noutbox crash trials: {TRIALS}, alerts each exactly once, "
          f"takeover flush {min(delays):.2f}–{max(delays):.2f} s")
