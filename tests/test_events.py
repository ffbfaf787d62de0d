"""Events, not rows: the changes of one real event are one item in the digest, one alert, one last
change — on the demo's story, on the Congress-only sandbox, and on a database made by the code
before events (upgraded and polled again, it gains no change and no alert)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

from events_upgrade_fixture import NOW, SINCE, WATCH, settings

from bot.analysis.events import group_events, importance
from bot.services.card import bill_card
from bot.services.context import Context
from bot.services.digest import build_digest, render_text, summary_lines
from bot.services.pipeline import poll
from bot.services.summaries import summarize_pending
from storage.repo import ChangeInfo

FIXTURE = Path(__file__).resolve().parent / "data" / "upgrade" / "pre_events.sqlite"
LEGISLATIVE = {"stage", "action", "committee", "crec_mention"}


def change(n, kind, headline, *, bill="hr1-119", when=date(2026, 1, 12), level="normal", **detail):
    return ChangeInfo(id=n, key=f"k{n}", kind=kind, subject=bill, headline=headline, materiality=level,
                      change_date=when, detected_at=None, bill_id=bill, detail=detail)


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def assert_no_event_twice(ctx: Context, digest) -> None:
    """Counts: every change is in at most one item; no two items are one bill's legislative day;
    no two items have the same headline; no item's summary repeats its headline."""
    ids = [i for item in digest.items for i in item.change_ids]
    assert len(ids) == len(set(ids))
    days = [(i.bill_id, i.date) for i in digest.items if i.kind in LEGISLATIVE]
    assert len(days) == len(set(days)), days
    heads = [_norm(i.headline) for i in digest.items]
    assert len(heads) == len(set(heads)), heads
    for item in digest.items:
        assert all(_norm(re.sub(r"\[[^\]]*\]\s*$", "", ln)) not in _norm(item.headline) for ln in summary_lines(item))
    # alerts: one per event
    events = group_events(ctx.repo.changes())
    event_of = {m.id: n for n, e in enumerate(events) for m in e.members}
    alerted = [event_of[d["change_id"]] for d in ctx.repo.deliveries(purpose="alert")]
    assert len(alerted) == len(set(alerted))


def test_one_day_of_a_bill_is_one_event_led_by_its_stage():
    stage = change(3, "stage", "H.R. 1 passed the House 369–22", level="high", stage="Passed House",
                   action="On passage Passed by the Yeas and Nays: 369 - 22.")
    vote = change(1, "action", "H.R. 1: On passage Passed by the Yeas and Nays: 369 - 22.",
                  text="On passage Passed by the Yeas and Nays: 369 - 22.")
    other = change(2, "action", "H.R. 1: Motion to reconsider laid on the table.", level="low", procedural=True,
                   text="Motion to reconsider laid on the table.")
    received = change(4, "action", "H.R. 1: Received in the Senate and referred to the Committee on Banking.",
                      when=date(2026, 1, 13), text="Received in the Senate and referred to the Committee on Banking.")
    committee = change(5, "committee", "H.R. 1: Referred to Banking Committee", when=date(2026, 1, 13))
    other_bill = change(6, "action", "S. 2: Introduced", bill="s2-119", text="Introduced")
    events = group_events([vote, other, stage, received, committee, other_bill])
    assert [(e.primary.id, e.ids) for e in events] == [(3, [1, 2, 3]), (4, [4, 5]), (6, [6])]
    assert events[0].materiality == "high"
    assert events[0].also() == []            # the vote is the stage's own action; the procedural step is noise
    assert events[1].also() == []            # the committee row is the referral the action names
    assert sorted(events, key=importance)[0].primary.id == 3


def test_a_correction_is_low_and_ranks_below_a_passage():
    passage = change(1, "stage", "H.R. 1 passed the House", level="high", stage="Passed House")
    correction = ChangeInfo(id=2, key="k2", kind="fr_document", subject="2026-01502", materiality="high",
                            headline="New Federal Register rule 2026-01502: Revision to License Review Policy; Correction",
                            change_date=date(2026, 1, 28), detected_at=None, detail={"doc_type": "Rule"})
    rule = ChangeInfo(id=3, key="k3", kind="fr_document", subject="2026-00789", materiality="high",
                      headline="New Federal Register rule 2026-00789: Revision to License Review Policy",
                      change_date=date(2026, 1, 15), detected_at=None, detail={"doc_type": "Rule"})
    events = sorted(group_events([correction, rule, passage]), key=importance)
    assert [e.primary.id for e in events] == [1, 3, 2]
    assert events[-1].materiality == "low"


def _demo_story(db_url: str, sandbox) -> Context:
    ctx = Context(settings=settings(db_url, sandbox), now_override=NOW)
    for kind, value in WATCH:
        ctx.repo.add_watch(kind, value, actor="test")
    assert all(r.ok for r in poll(ctx, since=SINCE))
    summarize_pending(ctx, limit=500)
    return ctx


def test_the_demo_story_shows_each_event_once_and_a_first_digest_that_tells_it(db_url, gov_sandbox):
    ctx = _demo_story(db_url, gov_sandbox)
    digest = build_digest(ctx)
    assert_no_event_twice(ctx, digest)
    passage = next(i for i in digest.items if "passed the House" in i.headline and i.bill_id == "hr2683-119")
    assert len(passage.change_ids) >= 3            # the stage, the vote that reached it, the Record's pages
    assert not any("369 - 22" in i.headline for i in digest.items)    # the roll call is not an item of its own
    senate = [i for i in digest.items if i.bill_id == "hr2683-119" and i.date == date(2026, 1, 13)
              and i.kind in LEGISLATIVE]
    assert len(senate) == 1 and "Received in the Senate" in senate[0].headline
    # the first digest of an install is a catch-up: where the flagship stands, with its key events
    (flagship,) = [c for c in digest.catch_up if c["bill_id"] == "hr2683-119"]
    assert flagship["stage"] == "Passed House"
    assert any("passed the House 369–22" in e["text"] for e in flagship["events"])
    text = render_text(digest)
    assert "H.R. 2683 (119th): where it stands" in text
    assert text.index("where it stands") < text.index("Most important:")
    # importance first: the House passage leads; a correction notice is not among the important
    assert digest.high[0].headline.startswith("H.R. 2683 passed the House")
    assert not any("Correction" in i.headline for i in digest.high)
    # the card's last change is the event, not one of its rows
    card = bill_card(ctx, "hr2683-119")
    assert card.last_change is not None
    ctx.close()


def test_the_congress_sandbox_alerts_each_event_once(db_url, gov_sandbox):
    ctx = Context(settings=settings(db_url, gov_sandbox), now_override=NOW)
    for kind, value in WATCH[:3]:
        ctx.repo.add_watch(kind, value, actor="test")
    assert all(r.ok for r in poll(ctx, ["congress"], since=SINCE))
    assert ctx.repo.deliveries(purpose="alert")
    assert_no_event_twice(ctx, build_digest(ctx))
    ctx.close()


def test_a_database_from_before_events_gains_no_change_or_alert_when_polled_again(tmp_path, gov_sandbox):
    db = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, db)
    ctx = Context(settings=settings(f"sqlite:///{db}", gov_sandbox), now_override=NOW)
    changes, alerts = ctx.repo.changes(), ctx.repo.deliveries(purpose="alert")
    assert len(changes) > 50 and alerts
    assert all(r.ok for r in poll(ctx, since=SINCE))                     # polled again with today's code
    cfr = {c.id for c in ctx.repo.changes(kinds=["cfr_change"])}        # a source added since: eCFR's
    assert [c.key for c in ctx.repo.changes() if c.id not in cfr] == [c.key for c in changes]
    assert [d for d in ctx.repo.deliveries(purpose="alert") if d["change_id"] not in cfr] == alerts
    assert_no_event_twice(ctx, build_digest(ctx))                         # its old rows read as events
    ctx.close()
