"""One change all the way: government sandbox → poll job → storage → summaries job (LLM fake) →
outbox job → Slack fake. Exactly one Slack post, and a second flush posts nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.runtime.scheduler import SourceNotices, outbox_job, poll_job, run_job, summaries_job
from bot.services.config import Settings
from bot.services.context import Context

CHANNEL = "C0ALERTS"
TITLE = "Advanced Computing Items: Clarification of Know-Your-Customer Expectations for Remote Access Screening"


def test_one_change_reaches_slack_once(db_url, gov_sandbox, slack_fake, llm_fake):
    settings = Settings(db_url=db_url, watchlist="none.toml", slack_bot_token="xoxb-test", slack_api_url=slack_fake.url,
                        alert_channel=CHANNEL, openai_base_url=llm_fake.base_url, openai_api_key="sk-test",
                        llm_model="test-model", **gov_sandbox.base_urls())
    ctx = Context(settings=settings, now_override=datetime(2026, 2, 11, 15, 0, tzinfo=UTC))
    ctx.repo.add_watch("agency", "industry-and-security-bureau", actor="test")

    # 1. the scheduled poll stores the public-inspection filing and queues its alert
    assert run_job(ctx, "poll:public_inspection", lambda: poll_job(ctx, "public_inspection", SourceNotices())) == "ok"
    (change,) = ctx.repo.changes()
    assert change.kind == "public_inspection" and change.materiality == "high" and change.summary_state == "pending"
    (alert,) = ctx.repo.deliveries(purpose="alert")
    assert alert["target"] == CHANNEL and alert["status"] == "pending"
    assert gov_sandbox.count("/fr/api/v1/public-inspection-documents") >= 1

    # 2. the summaries job asks the LLM (the fake) and keeps its grounded reply
    llm_fake.queue({"bullets": [{"text": f'BIS filed "{TITLE}" for public inspection.', "cites": ["2026-02345"]}],
                    "why_it_matters": None}, usage=(700, 40))
    assert run_job(ctx, "summaries", lambda: summaries_job(ctx)) == "ok"
    assert len(llm_fake.requests) == 1 and llm_fake.requests[0]["model"] == "test-model"
    (change,) = ctx.repo.changes()
    summary = ctx.repo.summary(change.summary_id)
    assert summary["produced_by"] == "llm" and "for public inspection" in summary["text"]

    # 3. the outbox job posts it to the alert channel: one message
    assert run_job(ctx, "outbox", lambda: outbox_job(ctx)) == "ok"
    (call,) = slack_fake.wait_for("chat.postMessage", 1)
    post = call.body
    assert post["channel"] == CHANNEL
    posted = post["text"] + str(post.get("blocks", ""))
    assert "2026-02345" in posted and "for public inspection" in posted
    assert ctx.repo.deliveries(purpose="alert")[0]["status"] == "sent"
    assert ctx.repo.job_runs(job_id="outbox")[0]["counts"] == {"delivered": 1}

    # 4. polling and flushing again changes nothing and posts nothing more
    ctx.repo.source_succeeded("public_inspection")
    assert run_job(ctx, "poll:public_inspection", lambda: poll_job(ctx, "public_inspection", SourceNotices())) == "ok"
    assert run_job(ctx, "outbox", lambda: outbox_job(ctx)) == "ok"
    assert len(slack_fake.calls_to("chat.postMessage")) == 1
    assert ctx.repo.job_runs(job_id="outbox")[0]["counts"] == {"delivered": 0}
    assert len(ctx.repo.changes()) == 1
    ctx.close()
