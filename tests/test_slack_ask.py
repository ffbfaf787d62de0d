"""Questions over Slack through the real HTTP app (waitress on 127.0.0.1:0, signed requests) and the
Slack Web API fake: mentions answered once in their thread (even when Slack retries), follow-ups,
direct messages, ``/ask``, escaping of untrusted text."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from answer_fixtures import NOW, build_store
from slackkit import http_app, make_ctx

from scrapers.records import DocumentRecord, Passage

CHANNEL = "CPOLICY"


@pytest.fixture
def served(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    ctx.now_override = NOW
    build_store(ctx, polled=False)
    with http_app(ctx, slack_fake) as app:
        yield app
    ctx.close()


def mention(text: str, ts: str, thread_ts: str | None = None, channel: str = CHANNEL) -> dict:
    ev = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": ts, "channel": channel,
          "event_ts": ts}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def posted(body: dict) -> str:
    return body.get("text", "") + json.dumps(body.get("blocks", []), ensure_ascii=False)


class TestMentions:
    def test_answered_once_in_its_thread_with_citations_even_when_slack_retries(self, served, slack_fake):
        ev = mention("what is the status of H.R. 2683?", "1700000100.000100")
        started = time.monotonic()
        assert served.event("Ev0001", ev).status_code == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert served.event("Ev0001", ev, extra=retry).status_code == 200
        assert served.event("Ev0001", ev, extra={**retry, "X-Slack-Retry-Num": "2"}).status_code == 200
        (call,) = slack_fake.wait_for("chat.postMessage", 1, timeout=5)
        assert time.monotonic() - started < 3
        served.settle()
        assert len(slack_fake.calls_to("chat.postMessage")) == 1
        body = call.body
        assert body["channel"] == CHANNEL and body["thread_ts"] == "1700000100.000100"
        text = posted(body)
        assert "is at stage Passed House, reached 2026-01-12 [1]" in text and "369 - 22" in text
        assert ("[1] <https://www.congress.gov/bill/119th-congress/house-bill/2683|"
                "H.R. 2683 (119th): Remote Access Security Act>") in text
        assert "fetched " in text and "From the stored record (no AI)" in text
        assert [a["where"] for a in served.ctx.repo.answers()] == ["slack"]

    def test_the_same_message_under_another_event_id_is_not_answered_twice(self, served, slack_fake):
        ev = mention("status of hr2683-119", "1700000200.000100")
        served.event("Ev0002", ev)
        served.event("Ev0003", ev)
        slack_fake.wait_for("chat.postMessage", 1, timeout=5)
        served.settle()
        assert len(slack_fake.calls_to("chat.postMessage")) == 1

    def test_a_follow_up_in_the_thread_keeps_the_subject(self, served, slack_fake):
        served.event("Ev0010", mention("where is the Remote Access Security Act?", "1700000300.000100"))
        slack_fake.wait_for("chat.postMessage", 1, timeout=5)
        served.event("Ev0011", mention("and in the Senate?", "1700000301.000100", thread_ts="1700000300.000100"))
        second = slack_fake.wait_for("chat.postMessage", 2, timeout=5)[1].body
        assert second["thread_ts"] == "1700000300.000100"
        text = posted(second)
        assert "In the Senate (2026-01-13): Received in the Senate" in text and "S. 3519 (119th)" in text

    def test_untrusted_text_is_escaped_and_only_http_links_are_made(self, served, slack_fake):
        title = "<!here> Remote access & chips <https://evil.example|official notice>"
        served.ctx.repo.record([DocumentRecord(
            kind="news", external_id="evil000000000001", title=title, url="javascript:alert(1)", source="news",
            content={"t": title}, text=f"{title}. Quantum remote access chips are discussed.", date=date(2026, 2, 1),
            passages=[Passage("", title, f"{title}. Quantum remote access chips are discussed.")])])
        served.event("Ev0020", mention("<!channel> what does the news say about quantum remote access chips?",
                                       "1700000400.000100"))
        body = slack_fake.wait_for("chat.postMessage", 1, timeout=5)[0].body
        text = posted(body)
        assert "<!here>" not in text and "<!channel>" not in text and "<https://evil.example" not in text
        assert "&lt;!here&gt;" in text and "&amp;" in text
        assert "javascript:" not in text


class TestDirectMessages:
    def test_a_direct_message_is_answered_in_the_conversation(self, served, slack_fake):
        served.event("Ev0030", {"type": "message", "channel_type": "im", "channel": "D0001", "user": "U1",
                                "text": "What changed in H.R. 2683?", "ts": "1700000500.000100"})
        body = slack_fake.wait_for("chat.postMessage", 1, timeout=5)[0].body
        assert body["channel"] == "D0001" and not body.get("thread_ts")
        assert "from hr2683-119-ih to hr2683-119-eh" in posted(body)

    def test_bot_messages_and_edits_are_ignored(self, served, slack_fake):
        base = {"type": "message", "channel_type": "im", "channel": "D0001", "text": "status of hr2683-119"}
        served.event("Ev0031", {**base, "bot_id": "B999", "ts": "1700000600.000100"})
        served.event("Ev0032", {**base, "user": "U1", "subtype": "message_changed", "ts": "1700000601.000100"})
        served.event("Ev0033", {**base, "user": "U1", "channel_type": "channel", "ts": "1700000602.000100"})
        served.settle()
        assert slack_fake.calls_to("chat.postMessage") == []


class TestAskCommand:
    def test_ask_acknowledges_then_answers(self, served, slack_fake):
        resp = served.command("/ask", "When do comments close on 2026-01234?", slack_fake.response_url("ask"))
        assert resp.status_code == 200 and "Looking that up…" in resp.text
        body = slack_fake.wait_for("response_url", 1, timeout=5)[0].body
        assert body["response_type"] == "ephemeral"
        text = posted(body)
        assert "*Q:* When do comments close on 2026-01234?" in text
        assert "no Federal Register document 2026-01234" in text       # FR is not polled in this store

    def test_ask_without_a_question_shows_the_usage(self, served, slack_fake):
        resp = served.command("/ask", "   ", slack_fake.response_url("empty"))
        assert "usage: /ask QUESTION" in resp.text
        served.settle()
        assert slack_fake.calls_to("response_url") == []
