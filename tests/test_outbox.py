"""Outbox delivery against the Slack fake: once per alert (also across a restart), grouped per
channel, escaped, paced, 429 handled with Retry-After, errors backed off and given up."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from slackkit import client_for, make_ctx

from bot.runtime.delivery import flush
from bot.services.pipeline import route_alerts
from bot.slack.outbox import MAX_ATTEMPTS
from scrapers.records import NEWS, DocumentRecord
from storage.repo.base import utcnow


class Sleeps:
    """An injected ``sleep`` that records what it was asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def news_alerts(ctx, titles: list[str], *, summary: str | None = "A short summary.") -> list:
    """Record news items, make them high materiality (summarised), queue their alerts."""
    recs = [DocumentRecord(kind=NEWS, external_id=f"n{n}-{abs(hash(t)) % 10**8}", title=t,
                           url=f"https://news.example.com/a{n}", source="news", content={"title": t}, text=t,
                           date=ctx.today()) for n, t in enumerate(titles)]
    changes = ctx.repo.record(recs, ctx.analyzer)
    for c in changes:
        ctx.repo.update_change(c.id, materiality="high")
        if summary:
            ctx.repo.save_summary(input_hash=f"h{c.id}", prompt_version="1", model="offline", text=summary,
                                  bullets=[], citations=[], produced_by="offline", change_ids=[c.id])
    fresh = ctx.repo.changes(ids=[c.id for c in changes])
    assert route_alerts(ctx, fresh) == len(fresh)
    return fresh


def posted_text(call) -> str:
    return call.body.get("text", "") + json.dumps(call.body.get("blocks", ""))


def test_a_news_title_with_channel_mention_arrives_escaped(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["Export rule <!channel> <@U999> <http://evil.example|official text> & more"],
                summary="LLM said <!here> too")
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1
    (call,) = slack_fake.calls_to("chat.postMessage")
    blocks = call.body["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    everything = call.body["text"] + json.dumps(blocks)
    for raw in ("<!channel>", "<!here>", "<@U999>", "<http://evil.example|"):
        assert raw not in everything
    assert "&lt;!channel&gt;" in call.body["text"]
    assert "&lt;!here&gt;" in json.dumps(blocks)
    assert "<https://news.example.com/a0|source>" in json.dumps(blocks)       # our own link survives
    assert call.body["channel"] == "CALERTS"


def test_each_alert_is_posted_once_across_a_restart(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["BIS rule on public inspection"])
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1
    ctx.close()
    again = make_ctx(db_url, slack_fake)                  # a new process on the same database
    assert route_alerts(again, again.repo.changes()) == 0   # re-routing queues nothing new
    assert flush(again, client=client_for(slack_fake), sleep=Sleeps()) == 0
    assert len(slack_fake.calls_to("chat.postMessage")) == 1
    (d,) = again.repo.deliveries(purpose="alert")
    assert d["status"] == "sent" and d["slack_ts"]


def test_a_claim_left_by_a_crash_is_released_and_posted(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["House passed H.R. 2683 369-22"])
    (d,) = ctx.repo.pending_deliveries()
    assert ctx.repo.claim_delivery(d["id"])              # a process claimed it and died before posting
    ctx.close()
    again = make_ctx(db_url, slack_fake)
    assert flush(again, client=client_for(slack_fake), sleep=Sleeps()) == 1
    assert len(slack_fake.calls_to("chat.postMessage")) == 1


def test_alerts_for_one_channel_are_grouped_into_one_message(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, [f"Story number {n}" for n in range(12)])
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 12
    (call,) = slack_fake.calls_to("chat.postMessage")
    body = posted_text(call)
    assert "12 new legiswatch alerts" in body
    assert "and 4 more" in body                          # 8 in full, the rest listed briefly
    assert all(f"Story number {n}" in body for n in range(12))
    groups = {d["status"] for d in ctx.repo.deliveries(purpose="alert")}
    assert groups == {"sent"}


def test_posting_is_paced_per_channel(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    for n in range(3):
        ctx.repo.enqueue(target="CDIGEST", purpose="digest", ref=f"digest-x-part{n}",
                         payload={"text": f"part {n}", "blocks": []})
    sleeps = Sleeps()
    assert flush(ctx, client=client_for(slack_fake), sleep=sleeps) == 3
    assert [c.body["text"] for c in slack_fake.calls_to("chat.postMessage")] == ["part 0", "part 1", "part 2"]
    # one slot per second: (the fake sleep does not advance the clock, so the waits add up)
    assert len(sleeps.calls) == 2
    assert 0.5 < sleeps.calls[0] <= 1.0 and 1.5 < sleeps.calls[1] <= 2.0


def test_a_short_429_is_retried_after_retry_after(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["Rate limited story"])
    slack_fake.script("chat.postMessage", [(429, {"Retry-After": "2"}, {"ok": False, "error": "ratelimited"})])
    sleeps = Sleeps()
    assert flush(ctx, client=client_for(slack_fake), sleep=sleeps) == 1
    assert len(slack_fake.calls_to("chat.postMessage")) == 2          # the 429, then the retry
    assert 2.0 in sleeps.calls


def test_a_long_429_waits_as_not_before_without_blocking(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["Slow down"])
    ctx.repo.enqueue(target="COTHER", purpose="digest", ref="digest-other", payload={"text": "other channel"})
    slack_fake.script("chat.postMessage", [(429, {"Retry-After": "30"}, {"ok": False, "error": "ratelimited"})])
    sleeps = Sleeps()
    assert flush(ctx, client=client_for(slack_fake), sleep=sleeps) == 1     # the other channel still went
    assert max(sleeps.calls, default=0) < 2
    (d,) = ctx.repo.deliveries(purpose="alert")
    assert d["status"] == "pending" and d["not_before"] > utcnow() + timedelta(seconds=25)
    assert flush(ctx, client=client_for(slack_fake), sleep=sleeps) == 0     # still waiting
    later = utcnow() + timedelta(seconds=31)
    assert flush(ctx, client=client_for(slack_fake), sleep=sleeps, clock=lambda: later) == 1
    assert [c.body["channel"] for c in slack_fake.calls_to("chat.postMessage")] == ["CALERTS", "COTHER", "CALERTS"]


def test_other_errors_back_off_and_give_up(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["Nowhere to go"])
    slack_fake.script("chat.postMessage", [{"ok": False, "error": "channel_not_found"}] * MAX_ATTEMPTS)
    clock = utcnow()
    for _ in range(MAX_ATTEMPTS):
        assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps(), clock=lambda c=clock: c) == 0
        (d,) = ctx.repo.deliveries(purpose="alert")
        assert d["last_error"] == "slack: channel_not_found"
        clock = d["not_before"] + timedelta(seconds=1)        # the backoff grows; jump past it
    assert d["status"] == "failed" and d["attempts"] == MAX_ATTEMPTS
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps(), clock=lambda: clock) == 0
    assert len(slack_fake.calls_to("chat.postMessage")) == MAX_ATTEMPTS


def test_rejected_blocks_fall_back_to_text(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["Blocks rejected"])
    slack_fake.script("chat.postMessage", [{"ok": False, "error": "invalid_blocks"}])
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1
    first, second = slack_fake.calls_to("chat.postMessage")
    assert "blocks" in first.body and "blocks" not in second.body and "Blocks rejected" in second.body["text"]


def test_an_alert_waits_briefly_for_its_summary(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["Summary on the way"], summary=None)     # summary_state stays "pending"
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 0
    assert slack_fake.calls_to("chat.postMessage") == []
    later = utcnow() + timedelta(minutes=3)
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps(), clock=lambda: later) == 1


def test_console_deliveries_are_printed_without_slack(db_url):
    ctx = make_ctx(db_url)                      # no Slack token: alerts go to the console
    news_alerts(ctx, ["Printed to the terminal"])
    out = io.StringIO()
    assert flush(ctx, sleep=Sleeps(), console=out) == 1
    assert "Printed to the terminal" in out.getvalue()
    assert flush(ctx, sleep=Sleeps(), console=out) == 0


def test_a_second_flush_does_not_run_while_one_holds_the_lease(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["Only once"])
    assert ctx.repo.take_lease("outbox", "other-instance", timedelta(minutes=5))
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 0
    ctx.repo.release_lease("outbox", "other-instance")
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1
