"""Source-health alerts: one when a source has failed longer than its threshold, one when it
recovers, each episode once; delivered through the outbox."""

from __future__ import annotations

from datetime import timedelta

from slackkit import client_for, make_ctx

from bot.runtime.delivery import flush
from bot.services.alerts import source_health
from storage.repo.base import utcnow


def at(ctx, delta: timedelta):
    ctx.now_override = utcnow() + delta
    return ctx


def test_a_failing_source_alerts_once_and_once_more_when_it_recovers(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake, source_alert_after_min=60)
    ctx.repo.source_failed("federal_register", "SourceUnavailable: 503 from federalregister.gov")
    assert source_health(at(ctx, timedelta(minutes=30))) == []            # not long enough yet
    (failing,) = source_health(at(ctx, timedelta(minutes=61)))
    assert failing.kind == "source_failing" and failing.materiality == "high"
    assert "federal_register" in failing.headline and "503" in failing.headline
    assert source_health(at(ctx, timedelta(minutes=90))) == []            # alerted once per episode
    ctx.repo.source_failed("federal_register", "still down")
    assert source_health(at(ctx, timedelta(minutes=120))) == []

    ctx.repo.source_succeeded("federal_register")
    (recovered,) = source_health(ctx)
    assert recovered.kind == "source_recovered"
    assert source_health(ctx) == []

    assert [d["target"] for d in ctx.repo.deliveries(purpose="alert")] == ["CALERTS", "CALERTS"]
    assert flush(ctx, client=client_for(slack_fake), sleep=lambda s: None) == 2
    (post,) = slack_fake.calls_to("chat.postMessage")                     # grouped: one message
    assert "failing" in post.body["text"] and "recovered" in post.body["text"]


def test_a_new_failure_episode_alerts_again(db_url):
    ctx = make_ctx(db_url, source_alert_after_min=1)
    ctx.repo.source_failed("news", "SourceUnavailable: timeout")
    assert len(source_health(at(ctx, timedelta(minutes=5)))) == 1
    ctx.repo.source_succeeded("news")
    assert len(source_health(ctx)) == 1
    ctx.repo.source_failed("news", "SourceChanged: the feed has no items")
    (again,) = source_health(at(ctx, timedelta(minutes=5)))
    assert "no items" in again.headline
    assert {d["target"] for d in ctx.repo.deliveries(purpose="alert")} == {"console"}
