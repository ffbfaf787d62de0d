"""The status card: one read (one transaction) of the stored record, typed, and a look-up that
records an unstored bill without routing its alerts (the next poll's routing does that)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from slackkit import flagship_bill, make_ctx
from sqlalchemy import event

from bot.frontends.console import render_card
from bot.services.card import BillCard, bill_card
from bot.services.pipeline import reconcile
from bot.slack.blocks import status_card
from scrapers.records import ActionRecord


def _count_transactions(engine) -> list[int]:
    begun = [0]
    event.listen(engine, "begin", lambda conn: begun.__setitem__(0, begun[0] + 1))
    return begun


def test_a_card_is_read_in_one_transaction(db_url):
    ctx = make_ctx(db_url)
    ctx.repo.record([flagship_bill(), flagship_bill(bill_id="s3519-119", type="s", number=3519, text_versions=[])])
    begun = _count_transactions(ctx.repo.engine)
    card = bill_card(ctx, "H.R. 2683")
    assert begun[0] == 1
    assert isinstance(card, BillCard) and card.stage == "In committee"
    assert [r.id for r in card.related] == ["s3519-119"]               # found by the same short title
    assert BillCard.from_dict(card.to_dict()) == card
    ctx.close()


def test_looking_up_an_unstored_bill_records_it_and_routes_no_alert(db_url, gov_sandbox):
    ctx = make_ctx(db_url, **gov_sandbox.base_urls())
    ctx.now_override = datetime(2026, 1, 13, 12, tzinfo=UTC)     # the day after the House vote: fresh news
    ctx.repo.add_watch("bill", "hr2683-119", actor="test")
    card = bill_card(ctx, "hr2683-119")                 # fetched from the sandbox: it passed the House
    assert card.stage == "Passed House"
    assert ctx.repo.deliveries() == []                  # a read queues nothing …
    reconcile(ctx)                                      # … the next poll's routing alerts the passage
    alerted = ctx.repo.changes(ids=[d["change_id"] for d in ctx.repo.deliveries()])
    assert "H.R. 2683 passed the House 369–22" in [c.headline for c in alerted]
    ctx.close()


def test_a_bill_of_an_ended_congress_says_it_died_there(db_url, capsys, monkeypatch):
    ctx = make_ctx(db_url)
    ctx.repo.record([flagship_bill(bill_id="hr8152-118", congress=118, number=8152,
                                   actions=flagship_bill().actions + [
                                       ActionRecord(date(2024, 9, 9), "On motion to suspend the rules and pass the "
                                                    "bill, as amended Agreed to by voice vote.", code="H37300",
                                                    chamber="House")])])
    card = bill_card(ctx, "hr8152-118")
    assert card.stage == "Passed House"
    assert card.ended == {"congress": 118, "date": "2025-01-03", "last_stage": "Passed House"}
    assert card.to_dict()["ended"]["congress"] == 118
    assert "Died in the 118th Congress — last stage: Passed House" in render_card(card)
    assert "Died in the 118th Congress" in json.dumps(status_card(card)["blocks"])
    ctx.close()
