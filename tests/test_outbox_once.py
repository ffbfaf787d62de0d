"""Exactly once across crashes (issue 24): a dead claimant's lease taken over at once, and a
delivery tried before looked up in the channel's history by its metadata key before it is posted
again; "(resent)" when the history cannot be read; joining a public channel on not_in_channel."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
from datetime import timedelta

from slackkit import client_for, make_ctx
from test_outbox import Sleeps, news_alerts

from bot.runtime.delivery import flush
from bot.services.outbox import LEASE, holder_is_dead, parts_of
from bot.slack.outbox import EVENT_TYPE

CHANNEL = "CALERTS"


def dead_holder() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}:1"


def crash_after_slack_received(ctx, slack_fake, *, posted: bool) -> dict:
    """What a SIGKILL between Slack's receipt and the commit leaves: the lease held by a dead pid,
    the delivery claimed (``sending``) and — when ``posted`` — the message in Slack with its key."""
    (d,) = ctx.repo.pending_deliveries()
    holder = dead_holder()
    assert ctx.repo.take_lease(LEASE, holder, timedelta(minutes=5))
    assert ctx.repo.claim_delivery(d["id"])
    if posted:
        key = parts_of(d)[0]["key"]
        client_for(slack_fake).chat_postMessage(channel=CHANNEL, text="the alert", metadata={
            "event_type": EVENT_TYPE, "event_payload": {"key": key, "keys": [key]}})
    return d


def test_a_dead_process_is_known_dead_and_a_live_one_is_not():
    assert holder_is_dead(dead_holder())
    assert not holder_is_dead(f"{socket.gethostname()}:1:1")          # init runs
    assert not holder_is_dead("another-host:999999:1")                 # elsewhere: only its lease says
    assert not holder_is_dead(None)


def test_posted_before_the_crash_is_found_and_not_posted_again(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["BIS rule on public inspection"])
    crash_after_slack_received(ctx, slack_fake, posted=True)
    first_ts = slack_fake.history(CHANNEL)[0]["ts"]
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1   # at once, no 5-minute wait
    assert len(slack_fake.history(CHANNEL)) == 1
    (d,) = ctx.repo.deliveries(purpose="alert")
    assert d["status"] == "sent" and d["slack_ts"] == first_ts
    (look,) = slack_fake.calls_to("conversations.history")
    assert look.body["channel"] == CHANNEL and look.body["include_all_metadata"] in (True, "true", "1")


def test_not_posted_before_the_crash_is_posted_once_with_its_key(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["BIS rule on public inspection"])
    d = crash_after_slack_received(ctx, slack_fake, posted=False)
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1
    (msg,) = slack_fake.history(CHANNEL)
    assert msg["metadata"]["event_payload"]["keys"] == [parts_of(d)[0]["key"]]
    assert "(resent)" not in msg["text"]
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 0
    assert len(slack_fake.history(CHANNEL)) == 1


def test_a_first_post_needs_no_lookup(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["One", "Two"])
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 2
    assert slack_fake.calls_to("conversations.history") == []
    (msg,) = slack_fake.history(CHANNEL)
    assert msg["metadata"]["event_type"] == EVENT_TYPE and len(msg["metadata"]["event_payload"]["keys"]) == 2


def test_unreadable_history_reposts_marked_resent_and_logs_it(db_url, slack_fake, caplog):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["BIS rule on public inspection"])
    crash_after_slack_received(ctx, slack_fake, posted=True)
    slack_fake.unreadable(CHANNEL)
    with caplog.at_level(logging.WARNING, logger="bot.slack.outbox"):
        assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1
    msgs = slack_fake.history(CHANNEL)
    assert len(msgs) == 2 and msgs[1]["text"].startswith("(resent)")
    (call,) = slack_fake.calls_to("chat.postMessage")[-1:]
    assert "(resent)" in json.dumps(call.body["blocks"])
    assert any("missing_scope" in r.getMessage() for r in caplog.records)
    assert any("(resent)" in r.getMessage() for r in caplog.records)


def test_a_live_holder_keeps_the_lease(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["BIS rule on public inspection"])
    assert ctx.repo.take_lease(LEASE, f"{socket.gethostname()}:1:1", timedelta(minutes=5))
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 0
    assert slack_fake.calls_to("chat.postMessage") == []


def test_the_bot_joins_a_public_channel_it_is_not_in(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    news_alerts(ctx, ["BIS rule on public inspection"])
    slack_fake.not_member(CHANNEL)
    assert flush(ctx, client=client_for(slack_fake), sleep=Sleeps()) == 1
    assert [c.body["channel"] for c in slack_fake.calls_to("conversations.join")] == [CHANNEL]
    assert len(slack_fake.history(CHANNEL)) == 1


def test_the_fakes_history_is_newest_first_bounded_and_paged(slack_fake):
    web = client_for(slack_fake)
    ts = [web.chat_postMessage(channel="C9", text=f"m{n}", metadata={"event_type": EVENT_TYPE,
                                                                     "event_payload": {"key": f"k{n}"}})["ts"]
          for n in range(5)]
    page = web.conversations_history(channel="C9", limit=2, oldest=ts[0], include_all_metadata=True)
    assert [m["text"] for m in page["messages"]] == ["m4", "m3"] and page["has_more"]
    assert page["messages"][0]["metadata"]["event_payload"] == {"key": "k4"}
    rest = web.conversations_history(channel="C9", limit=9, oldest=ts[0],
                                     cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1"] and not rest["has_more"]
    assert "metadata" not in rest["messages"][0]                 # only with include_all_metadata
