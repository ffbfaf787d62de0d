"""A database made by the code before deliveries held parts — two alerts and a pre-rendered digest
queued, none delivered — upgraded and polled again: each is delivered once, nothing is queued twice."""

from __future__ import annotations

import shutil
from pathlib import Path

from outbox_upgrade_fixture import NOW, settings
from slackkit import client_for

from bot.runtime.delivery import flush, post_digest
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.pipeline import poll

FIXTURE = Path(__file__).resolve().parent / "data" / "upgrade" / "pre_parts_outbox.sqlite"


def test_an_old_outbox_is_delivered_once_after_the_upgrade(tmp_path, gov_sandbox, slack_fake):
    db = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, db)
    ctx = Context(settings=settings(f"sqlite:///{db}", gov_sandbox).model_copy(update={"slack_api_url": slack_fake.url}),
                  now_override=NOW)
    before = ctx.repo.deliveries()
    assert [d["purpose"] for d in before] == ["alert", "alert", "digest"]
    assert all(d["payload"]["v"] == 2 for d in before)                      # migration 0005 rewrote them
    assert [p["kind"] for d in before for p in d["payload"]["parts"]] == ["alert", "alert", "rendered"]

    assert flush(ctx, client=client_for(slack_fake), sleep=lambda s: None) == 3
    posts = slack_fake.calls_to("chat.postMessage")
    assert sorted(p.body["channel"] for p in posts) == ["CALERTS", "CDIGEST"]     # two alerts grouped, one digest
    alert_text = next(p.body["text"] for p in posts if p.body["channel"] == "CALERTS")
    assert "H.R. 2683 passed the House" in alert_text

    reports = poll(ctx, ["congress"])                                       # polled again with today's code
    assert all(r.ok for r in reports)
    assert post_digest(ctx, build_digest(ctx)) == 0                        # today's digest was queued already
    assert len(ctx.repo.deliveries()) == 3
    assert flush(ctx, client=client_for(slack_fake), sleep=lambda s: None) == 0
    assert len(slack_fake.calls_to("chat.postMessage")) == 2
    ctx.close()
