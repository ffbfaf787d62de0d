"""Escaping, safe links and Block Kit rendering (pure functions), and the app manifest."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.commands import table
from bot.commands.spec import SLACK
from bot.services.card import BillCard
from bot.slack import blocks as bk
from bot.slack.escape import clip, cut_mrkdwn, escape_mrkdwn, is_http_url, link
from storage.repo import ChangeInfo

HOSTILE = "<!channel> <!here> <!everyone> <@U123ABC> <!subteam^S1> <http://evil.example|official text> & co"


def test_escape_turns_control_characters_into_text():
    assert escape_mrkdwn("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape_mrkdwn("&lt;") == "&amp;lt;"                # & first: no double meaning
    assert escape_mrkdwn(None) == ""
    out = escape_mrkdwn(HOSTILE)
    assert "<" not in out and ">" not in out
    assert out.startswith("&lt;!channel&gt;")


@pytest.mark.parametrize("url,ok", [
    ("https://www.congress.gov/bill/119th-congress/house-bill/2683", True),
    ("http://example.com/a?b=1&c=2", True),
    ("javascript:alert(1)", False),
    ("ftp://example.com/file", False),
    ("https://", False),
    ("https://exa mple.com", False),
    ("/relative/path", False),
    (None, False),
])
def test_only_http_urls_count(url, ok):
    assert is_http_url(url) is ok


def test_links_are_built_only_from_http_urls_and_their_labels_escaped():
    assert link("https://example.com/x", "Report <!channel>") == "<https://example.com/x|Report &lt;!channel&gt;>"
    assert link("javascript:alert(1)", "click <here>") == "click &lt;here&gt;"
    # characters that would end or split the link are encoded inside the URL
    built = link("https://example.com/a|b>c?x=1&y=2", "x")
    assert built.startswith("<https://example.com/a%7Cb%3Ec?x=1&amp;y=2|")
    assert built.count("<") == 1 and built.count(">") == 1


def test_cutting_mrkdwn_never_splits_an_entity_or_a_link():
    text = "x" * 95 + "&amp;tail"
    cut = cut_mrkdwn(text, 100)
    assert len(cut) <= 100 and not re.search(r"&[a-z]*…$", cut)
    linked = "y" * 90 + "<https://example.com/long|label>"
    cut = cut_mrkdwn(linked, 100)
    assert "<" not in cut and cut.endswith("…")
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc"


def card(**over) -> BillCard:
    base = {"id": "hr2683-119", "display": "H.R. 2683 (119th)", "title": HOSTILE * 3, "short_title": HOSTILE,
            "stage": "Passed House", "stages": [],
            "track": [{"stage": "Introduced", "reached": True, "date": date(2025, 4, 7)},
                      {"stage": "Passed House", "reached": True, "date": date(2026, 1, 12)},
                      {"stage": "Passed Senate", "reached": False, "date": None}],
            "latest_action": {"date": date(2026, 1, 12), "text": "Passed " + HOSTILE},
            "sponsor": {"name": "Rep. <@U1>", "party": "R", "state": "NY"}, "introduced": date(2025, 4, 7),
            "cosponsors": {"count": 3, "by_party": {"D": 1, "R": 2}, "withdrawn": 1, "names": []},
            "committees": [{"name": "Foreign Affairs", "code": "hsfa00", "chamber": "House", "activities": []}],
            "text_versions": [{"id": "hr2683-119-eh", "code": "eh", "name": "Engrossed in House",
                               "date": date(2026, 1, 12), "url": "javascript:alert(1)"}],
            "related": [{"id": "s3519-119", "title": HOSTILE, "relationship": "Related bill"}],
            "crs_summary": "x" * 5000, "last_change": {"headline": HOSTILE, "date": date(2026, 1, 12),
                                                      "summary": "LLM output " + HOSTILE * 40},
            "votes": [], "links": {"congress_gov": "https://www.congress.gov/bill/119th-congress/house-bill/2683",
                                   "govinfo": "https://www.govinfo.gov/app/collection/bills/119"},
            "as_of": datetime(2026, 1, 13, tzinfo=UTC), "fetched_at": None}
    base.update(over)
    return BillCard.from_dict(base)


def assert_within_limits(msg: dict) -> None:
    assert msg["text"].strip()
    assert len(msg["blocks"]) <= bk.MAX_BLOCKS
    assert bk.message_chars(msg) <= 12000
    for b in msg["blocks"]:
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= bk.HEADER_MAX
        if b["type"] == "section":
            if "text" in b:
                assert 0 < len(b["text"]["text"]) <= bk.SECTION_MAX
            assert len(b.get("fields", [])) <= 10


def raw_mentions(msg: dict) -> list[str]:
    """Any Slack control sequence that does not come from our own link builder."""
    text = msg["text"] + json.dumps(msg["blocks"], ensure_ascii=False)
    return re.findall(r"<[!@#][^>]*>", text) + re.findall(r"<http://evil", text)


def test_the_status_card_is_escaped_and_within_limits():
    msg = bk.status_card(card())
    assert_within_limits(msg)
    assert raw_mentions(msg) == []
    body = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "*Stage:* Passed House" in body and "● Introduced" in body and "○ Passed Senate" in body
    assert "3 (1 D, 2 R), 1 withdrawn" in body
    assert "javascript:" not in body.replace("`hr2683-119-eh`", "") or "<javascript" not in body
    assert "<https://www.congress.gov/bill/119th-congress/house-bill/2683|Congress.gov>" in body


def change(n: int, headline: str, **over) -> ChangeInfo:
    base = dict(id=n, key=f"k{n}", kind="news", subject=f"s{n}", headline=headline, materiality="high",
                change_date=date(2026, 1, 12), detected_at=datetime(2026, 1, 12, tzinfo=UTC),
                detail={"url": f"https://news.example.com/{n}"})
    base.update(over)
    return ChangeInfo(**base)


def test_an_alert_group_shows_some_in_full_and_lists_the_rest():
    items = [(change(n, f"Story {n} {HOSTILE}"), {"text": "Summary " + HOSTILE * 20}) for n in range(20)]
    msg = bk.alert_group(items)
    assert_within_limits(msg)
    assert raw_mentions(msg) == []
    body = json.dumps(msg["blocks"], ensure_ascii=False)
    more = int(re.search(r"and (\d+) more", body).group(1))
    assert 12 <= more <= 15                     # at most 8 in full, fewer when they are long
    assert all(f"Story {n} " in body for n in range(20))
    assert msg["text"].startswith("20 new legiswatch alerts")


def test_a_single_alert_is_its_own_headline():
    msg = bk.alert_group([(change(1, "H.R. 2683 passed the House 369–22", bill_id="hr2683-119"), None)])
    assert msg["text"] == "H.R. 2683 passed the House 369–22"
    assert "`/bill hr2683-119`" in json.dumps(msg["blocks"], ensure_ascii=False)


class FakeCompare:
    """A stand-in shaped like ``bot.services.compare.CompareResult`` (only the attributes the renderer reads)."""

    a_id, b_id = "hr2683-119-ih", "hr2683-119-eh"

    class summary:  # noqa: N801
        text = "Section 2 now covers cloud access. " + HOSTILE

    def redline(self, limit: int) -> str:
        return ("[-old words-] {+new words+} ``` " + HOSTILE * 200)[:limit]


def test_compare_result_keeps_the_excerpt_within_limits_and_links_the_full_redline():
    msg = bk.compare_result(FakeCompare(), redline_url="https://legiswatch.example.org/redline/a/b")
    assert_within_limits(msg)
    assert raw_mentions(msg) == []
    body = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "<https://legiswatch.example.org/redline/a/b|Full redline>" in body
    assert body.count("```") == 2                     # the excerpt cannot close its own code block


def test_watch_list_and_errors():
    items = [{"kind": "bill", "value": "hr2683-119", "label": "H.R. 2683 (119th)", "channel": "CPOLICY"},
             {"kind": "term", "value": "remote access", "label": "remote access", "channel": None},
             {"kind": "feed", "value": "https://x.example/rss?q=<!channel>", "label": "x", "channel": "not a channel"}]
    msg = bk.watch_list(items)
    assert_within_limits(msg)
    body = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "<#CPOLICY>" in body and "remote access" in body and "<!channel>" not in body
    err = bk.error("not a bill: <!here>", "usage: /bill ID")
    assert raw_mentions(err) == [] and "usage: /bill ID" in json.dumps(err["blocks"])


def test_the_manifest_declares_the_commands_events_scopes_and_both_modes():
    text = (Path(__file__).resolve().parent.parent / "bot" / "slack" / "manifest.yaml").read_text(encoding="utf-8")
    commands = re.findall(r"^\s*- command: (/\w+)", text, re.M)
    assert sorted(commands) == sorted(f"/{c.name}" for c in table.offered(SLACK))
    assert "/doc" in commands
    for scope in ("commands", "chat:write", "app_mentions:read", "im:history"):
        assert re.search(rf"^\s*- {re.escape(scope)}\s*$", text, re.M), scope
    for event in ("app_mention", "message.im", "app_home_opened"):
        assert re.search(rf"^\s*- {re.escape(event)}\s*$", text, re.M), event
    assert "socket_mode_enabled:" in text and "/slack/events" in text


def test_long_hostile_alerts_still_fit_one_message():
    items = [(change(n, f"Story {n} " + HOSTILE * 10), {"text": HOSTILE * 40}) for n in range(30)]
    msg = bk.alert_group(items)
    assert_within_limits(msg)
    assert raw_mentions(msg) == []
    assert "more:" in json.dumps(msg["blocks"])
