"""The digest service: scope (marker, --since, 30-day rule), ordering, deadlines, new matching bills,
empty weeks, and posting in parts within Block Kit limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from slackkit import client_for, make_ctx

from bot.runtime.delivery import flush, post_digest
from bot.services import digest as digest_service
from bot.services.digest import MARKER, build_digest, render_text
from bot.slack.blocks import HEADER_MAX, MAX_BLOCKS, SECTION_MAX, digest_messages, message_chars
from scrapers.records import BILL, FR_DOCUMENT, NEWS, DocumentRecord

NOW = datetime(2026, 2, 10, 14, 0, tzinfo=UTC)


def ctx_at(db_url, fake=None, now=NOW, **over):
    ctx = make_ctx(db_url, fake, **over)
    ctx.now_override = now
    return ctx


def add_news(ctx, n: int, title: str, *, when: date | None = None, level: str = "normal",
             summary: str | None = None):
    rec = DocumentRecord(kind=NEWS, external_id=f"news-{n}", title=title, url=f"https://news.example.com/{n}",
                         source="news", content={"t": title}, text=title, date=when or ctx.today())
    (c,) = ctx.repo.record([rec], ctx.analyzer)
    ctx.repo.update_change(c.id, materiality=level)
    if summary:
        ctx.repo.save_summary(input_hash=f"s{n}", prompt_version="1", model="offline", text=summary, bullets=[],
                              citations=[], produced_by="offline", change_ids=[c.id])
    return c


def add_fr_rule(ctx, number: str, comments_close: date):
    rec = DocumentRecord(kind=FR_DOCUMENT, external_id=number, title="Export Administration Regulations: remote access",
                         url=f"https://www.federalregister.gov/d/{number}", source="federal_register",
                         content={"n": number}, meta={"type": "Proposed Rule",
                                                      "comments_close_on": comments_close.isoformat()},
                         date=ctx.today())
    return ctx.repo.record([rec], ctx.analyzer)


def test_most_important_first_with_summaries_links_deadlines_and_new_bills(db_url):
    ctx = ctx_at(db_url)
    add_news(ctx, 1, "Ordinary story", level="normal")
    add_news(ctx, 2, "House passed H.R. 2683 369-22", level="high", summary="The House passed it.")
    add_news(ctx, 3, "Minor duplicate", level="low")
    add_fr_rule(ctx, "2026-01234", ctx.today() + timedelta(days=7))
    ctx.repo.record([DocumentRecord(kind=BILL, external_id="s3519-119", title="A bill on remote access",
                                    url="https://www.congress.gov/bill/119th-congress/senate-bill/3519",
                                    source="congress", content={"x": 1}, date=ctx.today(),
                                    meta={"discovery": {"term": "remote access"}})], ctx.analyzer)
    digest = build_digest(ctx)
    heads = [i.headline for i in digest.items]
    assert heads[0] == "News: House passed H.R. 2683 369-22"
    assert "News: Ordinary story" in heads and not any("Minor duplicate" in h for h in heads)
    assert digest.low_count == 1
    assert digest.items[0].summary == "The House passed it."
    assert digest.items[0].links[0]["url"] == "https://news.example.com/2"
    (deadline,) = digest.deadlines
    assert deadline["document"] == "2026-01234" and deadline["days_left"] == 7
    (new_bill,) = digest.new_bills
    assert new_bill.subject == "s3519-119"
    text = render_text(digest)
    assert text.index("House passed") < text.index("Ordinary story")
    assert "watch add s3519-119" in text and "comments close" in text
    assert json.dumps(digest.to_dict())          # plain data, JSON-able


def test_scope_starts_at_the_posted_marker_and_a_preview_never_moves_it(db_url):
    ctx = make_ctx(db_url)                  # the real clock: detection times and "now" agree
    add_news(ctx, 1, "Before the last digest")
    assert [i.headline for i in build_digest(ctx).items] == ["News: Before the last digest"]
    assert ctx.repo.kv_get(MARKER) is None                       # previewing moved nothing
    assert post_digest(ctx, build_digest(ctx)) == 1               # console target: one message
    assert ctx.repo.kv_get(MARKER)
    add_news(ctx, 2, "After the last digest")
    assert [i.headline for i in build_digest(ctx).items] == ["News: After the last digest"]


def test_since_means_happened_since_and_the_thirty_day_rule(db_url):
    ctx = ctx_at(db_url)
    add_news(ctx, 1, "Fresh story", when=date(2026, 2, 9))
    add_news(ctx, 2, "Backfilled old story", when=date(2025, 11, 1))     # > 30 days before the start
    add_news(ctx, 3, "Within thirty days", when=date(2026, 1, 20))
    digest = build_digest(ctx, since=date(2026, 2, 1))                  # events that happened since Feb 1
    assert digest.basis == "since"
    assert [i.headline for i in digest.items] == ["News: Fresh story"]
    assert not digest.catch_up
    assert [i.headline for i in build_digest(ctx, since=date(2026, 1, 15)).items] == [
        "News: Fresh story", "News: Within thirty days"]
    ctx.repo.kv_set(MARKER, datetime(2026, 2, 3, tzinfo=UTC).isoformat())
    digest = build_digest(ctx)                                           # after a posted digest: detected since
    assert digest.basis == "marker"
    assert sorted(i.headline for i in digest.items) == ["News: Fresh story", "News: Within thirty days"]
    assert digest.left_out_stale == 1
    assert "1 older change left out" in render_text(digest)


def test_each_section_is_capped_and_says_how_many_more(db_url, monkeypatch):
    monkeypatch.setattr(digest_service, "CAPS", {"high": 3, "normal": 2})
    ctx = ctx_at(db_url)
    for n in range(5):
        add_news(ctx, n, f"High story {n}", level="high", when=date(2026, 2, 1 + n))
    for n in range(5, 9):
        add_news(ctx, n, f"Normal story {n}", when=date(2026, 2, 1 + n))
    for n in range(9, 11):
        add_news(ctx, n, f"Low story {n}", level="low", when=date(2026, 2, 1))
    digest = build_digest(ctx)
    assert [i.headline for i in digest.items] == ["News: High story 4", "News: High story 3", "News: High story 2",
                                                  "News: Normal story 8", "News: Normal story 7"]
    assert digest.more == {"high": 2, "normal": 2}
    text = render_text(digest)
    assert text.count("… and 2 more") == 2
    assert "2 minor changes not listed; 4 more beyond the section limits" in text
    blocks = json.dumps([b for m in digest_messages(digest) for b in m["blocks"]])
    assert blocks.count("and 2 more") == 2 and "4 more beyond the section limits" in blocks


def test_an_empty_week_says_so_in_one_line(db_url):
    ctx = ctx_at(db_url)
    digest = build_digest(ctx)
    assert digest.empty
    assert render_text(digest).count("\n") == 0 and "nothing new" in render_text(digest)
    (msg,) = digest_messages(digest)
    assert any("Nothing new since" in b.get("text", {}).get("text", "") for b in msg["blocks"])


def test_a_sixty_item_digest_is_split_within_limits_and_posted_in_parts(db_url, slack_fake, monkeypatch):
    monkeypatch.setattr(digest_service, "CAPS", {"high": 60, "normal": 60})    # the splitter, not the caps
    ctx = ctx_at(db_url, slack_fake)
    long_summary = ("The rule changes licensing for remote access to controlled items. " * 20).strip()
    for n in range(60):
        add_news(ctx, n, f"Story {n:02d} about <remote> access & export controls " + "x" * 150,
                 level="high" if n % 3 == 0 else "normal", summary=long_summary)
    digest = build_digest(ctx)
    assert len(digest.items) == 60
    messages = digest_messages(digest)
    assert len(messages) > 1
    seen = ""
    for msg in messages:
        assert msg["text"].strip()
        assert len(msg["blocks"]) <= MAX_BLOCKS
        assert message_chars(msg) <= 12000
        for b in msg["blocks"]:
            if b["type"] == "section" and "text" in b:
                assert len(b["text"]["text"]) <= SECTION_MAX
            if b["type"] == "header":
                assert len(b["text"]["text"]) <= HEADER_MAX
        seen += json.dumps(msg["blocks"])
    assert all(f"Story {n:02d}" in seen for n in range(60))
    assert "<remote>" not in seen and "&lt;remote&gt;" in seen

    assert post_digest(ctx, digest) == 1                  # one delivery: the digest as data
    (queued,) = ctx.repo.deliveries(purpose="digest")
    assert queued["ref"] == "digest-2026-02-10-part1" and queued["payload"]["parts"][0]["kind"] == "digest"
    assert post_digest(ctx, digest) == 0                  # the same day's digest is queued once
    assert flush(ctx, client=client_for(slack_fake), sleep=lambda s: None) == 1
    posts = slack_fake.calls_to("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["CDIGEST"] * len(messages)    # rendered at flush
    assert "part 1 of" in posts[0].body["text"]


def test_a_digest_interrupted_between_its_messages_posts_each_message_once(db_url, slack_fake, monkeypatch):
    """Slack fails on the third message: the first two are remembered by key; the next flush posts
    the rest, and no message twice."""
    monkeypatch.setattr(digest_service, "CAPS", {"high": 60, "normal": 60})
    ctx = ctx_at(db_url, slack_fake)
    for n in range(60):
        add_news(ctx, n, f"Story {n:02d} " + "y" * 200, level="high", summary="A rule on remote access. " * 30)
    digest = build_digest(ctx)
    expected = [m["text"] for m in digest_messages(digest)]
    assert len(expected) >= 3
    post_digest(ctx, digest)
    slack_fake.script("chat.postMessage", [{"ok": True, "ts": "1.1"}, {"ok": True, "ts": "1.2"},
                                           (500, {}, {"ok": False, "error": "internal_error"})])
    assert flush(ctx, client=client_for(slack_fake), sleep=lambda s: None) == 0
    (pending,) = ctx.repo.deliveries(purpose="digest")
    assert pending["status"] == "pending" and len(pending["payload"]["posted"]) == 2
    ctx.repo.delivery_failed([pending["id"]], "retry now", retry_at=None)        # due again at once
    assert flush(ctx, client=client_for(slack_fake), sleep=lambda s: None) == 1
    posted = [c.body["text"] for c in slack_fake.calls_to("chat.postMessage")]
    assert posted[:2] == expected[:2] and posted[3:] == expected[2:]            # the failed one, then the rest
    assert sorted(set(posted)) == sorted(expected) and len(posted) == len(expected) + 1
    assert ctx.repo.deliveries(purpose="digest")[0]["status"] == "sent"
