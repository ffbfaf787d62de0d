"""Untrusted text sanitized for display (issue 24): one sanitizer (bot/slack/escape.sanitize) for
Slack and the terminal — controls, bidi and zero-width characters removed, newlines in titles
collapsed, Slack's formatting characters neutralized."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest

from bot.commands.results import Text
from bot.frontends.console import render
from bot.runtime.delivery import render_alert
from bot.slack import blocks as bk
from bot.slack.escape import code, escape_mrkdwn, is_http_url, link, plain, sanitize
from storage.repo import ChangeInfo

BIDI = "\u202e"                   # RIGHT-TO-LEFT OVERRIDE: "gol.exe" shown as "exe.log"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u2066\u2069\u200e\u200f\u061c"
SPOOF = "\n\n:rotating_light: *H.R. 2683 BECAME LAW*"
FORMATTING = "*bold* _it_ ~strike~ `code`"
HOSTILE_TITLE = f"Tax{BIDI}gol.exe\u200d Act\x07\x1b[31m{SPOOF}\n> quoted {FORMATTING}"
# every character that must never reach a screen from untrusted text
HIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c]")


def change(headline: str, **over) -> ChangeInfo:
    base = dict(id=1, key="k1", kind="news", subject="hr2683-119", headline=headline, materiality="high",
                change_date=date(2026, 1, 12), detected_at=datetime(2026, 1, 12, tzinfo=UTC),
                detail={"url": "https://news.example.com/1"}, bill_id="hr2683-119")
    base.update(over)
    return ChangeInfo(**base)


def mrkdwn_texts(msg: dict) -> list[str]:
    out = [msg["text"]]
    for b in msg["blocks"]:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        out += [e["text"] for e in b.get("elements", []) if isinstance(e, dict) and "text" in e]
    return out


@pytest.mark.parametrize("raw", [BIDI + "abc", "a\u200db", "a\x1b[2Jb", "a\x07b", "a\x00b", "a\x9bb",
                                 "\ufeffabc", "a\u2066b\u2069"])
def test_hidden_characters_are_removed(raw):
    assert not HIDDEN.search(sanitize(raw))
    assert not HIDDEN.search(escape_mrkdwn(raw)) and not HIDDEN.search(plain(raw))


def test_titles_are_one_line_and_bodies_keep_their_lines():
    assert sanitize("A\r\n\n  B\u2028C\tD", oneline=True) == "A B C D"
    assert sanitize("A\r\nB\u2029C") == "A\nB\nC"
    assert "\n" not in escape_mrkdwn(SPOOF, oneline=True) and "\n" not in plain(SPOOF)
    assert "\n" not in link("https://e.example/x", "line one\nline two")


def test_slack_formatting_characters_are_neutralized():
    out = escape_mrkdwn(FORMATTING)
    assert not set("*_~`") & set(out)
    assert "bold" in out and "strike" in out             # the words stay readable
    quoted = escape_mrkdwn("> not a quote\n  >nor this\nbut a > b stays")
    assert not re.search(r"(?m)^\s*(>|&gt;)", quoted) and "a &gt; b" in quoted
    assert escape_mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    # inside a code span only the backtick matters: a feed URL with _ and ~ stays copyable
    assert code("https://e.example/~me/feed_rss`x") == "https://e.example/~me/feed_rssˋx"


def test_an_url_with_a_bidi_or_zero_width_character_is_not_linked():
    assert is_http_url("https://example.com/a")
    assert not is_http_url(f"https://example.com/{BIDI}fdp.exe")
    assert not is_http_url("https://exa\u200bmple.com/")


def test_a_hostile_alert_in_slack_is_one_inert_line():
    msg = bk.alert_group([(change(HOSTILE_TITLE), {"text": f"Line one {BIDI}\n*two* \x1b]0;x\x07"})])
    texts = mrkdwn_texts(msg)
    body = "\n".join(texts)
    assert not HIDDEN.search(body)
    first_line = msg["blocks"][0]["text"]["text"].splitlines()[0]
    # the whole headline, fake alert line included, stays inside the one bold headline line
    assert first_line.startswith(":rotating_light: *Tax") and first_line.endswith("* (2026-01-12)")
    inner = first_line[len(":rotating_light: *"):-len("* (2026-01-12)")]
    assert "BECAME LAW" in inner and ":rotating_light:" not in inner   # no emoji, no bold of its own
    assert not set("*_~`") & set(inner)
    assert "\n" not in msg["text"]
    for t in texts:                                      # nothing the title brought formats anything
        assert not re.search(r"(?m)^\s*&gt;", t)
        assert "<!" not in t


def test_several_alerts_and_the_rest_listed_are_sanitized_too():
    items = [(change(f"{n} {HOSTILE_TITLE}", id=n, key=f"k{n}"), None) for n in range(12)]
    msg = bk.alert_group(items, max_items=2)
    body = json.dumps(msg, ensure_ascii=False)
    assert not HIDDEN.search(json.loads(body)["text"])
    for t in mrkdwn_texts(msg):
        assert not HIDDEN.search(t)
        assert "*H.R." not in t and "\n\n:rotating_light:" not in t


def test_the_console_alert_has_no_terminal_escape_and_one_headline_line():
    text = render_alert(change(HOSTILE_TITLE), {"text": "sum\x1b[2J mary\nsecond\u202eline"})
    assert "\x1b" not in text and "\x07" not in text and not HIDDEN.search(text)
    lines = text.splitlines()
    assert lines[0].startswith("[HIGH] Tax") and "BECAME LAW" in lines[0]
    assert lines[1:] == ["  sum[2J mary", "  secondline", "  https://news.example.com/1"]


def test_console_rendering_of_any_result_strips_escapes():
    out = render(Text("watch\x1b]52;c;ZXZpbA==\x07 list\n" + BIDI + "ok"))
    assert "\x1b" not in out and "\x07" not in out and BIDI not in out
    assert out.splitlines() == ["watch]52;c;ZXZpbA== list", "ok"]

