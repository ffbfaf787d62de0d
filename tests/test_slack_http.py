"""The Slack app in HTTP mode: waitress on 127.0.0.1:0, signed requests, the Web API fake."""

from __future__ import annotations

import json
import logging
import time

import pytest
from slackkit import ADMIN, BOT_TOKEN, SECRET, command_body, flagship_bill, http_app, make_ctx, signed_headers

from bot.services.digest import MARKER
from bot.services.pipeline import route_alerts

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def served(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    with http_app(ctx, slack_fake) as app:
        yield app
    ctx.close()


def reply(fake, count: int = 1) -> dict:
    """The ``count``-th answer posted to a response_url (the fake records them in order)."""
    return fake.wait_for("response_url", count, timeout=5)[count - 1].body


def everything(body: dict) -> str:
    return body.get("text", "") + json.dumps(body.get("blocks", []), ensure_ascii=False)


class TestBill:
    def test_bill_renders_the_status_card(self, served, slack_fake):
        served.ctx.repo.record([flagship_bill()], served.ctx.analyzer)
        resp = served.command("/bill", "hr2683-119", slack_fake.response_url("bill"))
        assert resp.status_code == 200 and "Looking up H.R. 2683 (119th)" in resp.text
        body = reply(slack_fake)
        text = everything(body)
        assert body["response_type"] == "in_channel"
        assert body["blocks"][0]["type"] == "header"
        assert "Remote Access Security Act" in body["blocks"][0]["text"]["text"]
        for part in ("*Stage:* In committee", "● Introduced", "○ Passed Senate", "Latest action", "369 - 22",
                     "Cosponsors:* 2 (1 D, 1 R)", "Foreign Affairs Committee", "hr2683-119-ih",
                     "<https://www.congress.gov/bill/119th-congress/house-bill/2683|Congress.gov>", "as of"):
            assert part in text, part

    def test_a_malformed_id_answers_with_the_accepted_forms(self, served, slack_fake):
        resp = served.command("/bill", "hr", slack_fake.response_url("bad"))
        assert resp.status_code == 200
        assert "accepted forms" in resp.text and "H.R. 2683" in resp.text
        served.settle()
        assert slack_fake.calls_to("response_url") == []

    def test_no_argument_shows_the_usage(self, served, slack_fake):
        resp = served.command("/bill", "", slack_fake.response_url("none"))
        assert "usage: /bill ID" in resp.text

    def test_a_bill_not_stored_is_fetched_on_demand_and_unknown_says_so(self, db_url, slack_fake, gov_sandbox):
        ctx = make_ctx(db_url, slack_fake, **gov_sandbox.base_urls())
        with http_app(ctx, slack_fake) as app:
            app.command("/bill", "H.R. 2683", slack_fake.response_url("fetch"))
            found = reply(slack_fake)
            app.command("/bill", "hr9999-119", slack_fake.response_url("unknown"))
            unknown = reply(slack_fake, 2)
        assert "*Stage:* Passed House" in everything(found) and "hr2683-119-eh" in everything(found)
        assert unknown["response_type"] == "ephemeral"
        assert "9999" in unknown["text"] and "not found" in unknown["text"]
        assert "Traceback" not in everything(unknown)


class TestCompareAndRedline:
    def test_compare_shows_the_summary_an_excerpt_and_links_the_served_redline(self, db_url, slack_fake,
                                                                              gov_sandbox):
        ctx = make_ctx(db_url, slack_fake, redline_base_url="https://legiswatch.example.org/",
                       **gov_sandbox.base_urls())
        with http_app(ctx, slack_fake) as app:
            app.command("/compare", "hr2683-119-ih hr2683-119-eh", slack_fake.response_url("cmp"))
            body = reply(slack_fake)
            page = app.session.get(app.url + "/redline/hr2683-119-ih/hr2683-119-eh", timeout=10)
            bad = app.session.get(app.url + "/redline/nonsense/hr2683-119-eh", timeout=10)
        text = everything(body)
        assert body["response_type"] == "in_channel"
        assert "Compare hr2683-119-ih → hr2683-119-eh" in text and "Redline excerpt" in text
        assert "remote access" in text
        assert "<https://legiswatch.example.org/redline/hr2683-119-ih/hr2683-119-eh|Full redline>" in text
        for b in body["blocks"]:
            assert len(b.get("text", {}).get("text", "")) <= 3000
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert "<ins" in page.text or "<del" in page.text
        assert bad.status_code == 400


class TestSignaturesAndRetries:
    def test_a_forged_signature_is_rejected(self, served, slack_fake):
        body = command_body("/bill", "hr2683-119", slack_fake.response_url("forged"))
        headers = signed_headers(body, content_type=FORM, secret="not-the-secret")
        resp = served.session.post(served.url + "/slack/events", data=body, headers=headers, timeout=5)
        assert resp.status_code == 401

    def test_a_stale_timestamp_is_rejected(self, served, slack_fake):
        resp = served.post(b'{"type":"event_callback","event_id":"Ev0","event":{"type":"app_home_opened"}}',
                           content_type="application/json", timestamp=int(time.time()) - 600)
        assert resp.status_code == 401

    def test_a_tampered_body_is_rejected(self, served, slack_fake):
        body = command_body("/watch", "list", slack_fake.response_url("t"))
        headers = signed_headers(body, content_type=FORM)
        resp = served.session.post(served.url + "/slack/events", data=body.replace(b"list", b"add+hr1"),
                                   headers=headers, timeout=5)
        assert resp.status_code == 401
        served.settle()
        assert slack_fake.calls_to("response_url") == []

    def test_the_same_event_delivered_twice_is_handled_once(self, served, slack_fake):
        event = {"type": "app_home_opened", "user": "U123", "channel": "D123", "tab": "home"}
        assert served.event("Ev0001", event).status_code == 200
        retry = served.event("Ev0001", event, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status_code == 200
        slack_fake.wait_for("views.publish", 1)
        served.settle()
        assert len(slack_fake.calls_to("views.publish")) == 1
        assert served.event("Ev0002", event).status_code == 200          # a new event is handled
        slack_fake.wait_for("views.publish", 2)

    def test_healthz_and_other_paths(self, served):
        assert served.session.get(served.url + "/healthz", timeout=5).status_code == 200
        assert served.session.get(served.url + "/slack/events", timeout=5).status_code == 405
        assert served.session.get(served.url + "/nothing", timeout=5).status_code == 404


class TestWatch:
    def test_a_non_admin_cannot_add(self, served, slack_fake):
        served.command("/watch", "add H.R. 2683", slack_fake.response_url("w"), user="UINTRUDER")
        body = reply(slack_fake)
        assert "Only watchlist admins can add or remove items" in body["text"]
        assert f"<@{ADMIN}>" in body["text"]
        assert served.ctx.repo.watch_items() == []
        assert served.ctx.repo.watch_events() == []

    def test_an_admin_adds_in_a_channel_and_alerts_route_there(self, served, slack_fake):
        served.command("/watch", "add H.R. 2683 119", slack_fake.response_url("a"), channel="CPOLICY")
        assert "Now watching bill hr2683-119" in reply(slack_fake)["text"]
        (item,) = served.ctx.repo.watch_items()
        assert item["channel"] == "CPOLICY"
        (event,) = served.ctx.repo.watch_events()
        assert event["actor"] == f"slack:{ADMIN}" and event["action"] == "add"
        changes = served.ctx.repo.record([flagship_bill()], served.ctx.analyzer)
        for c in changes:
            served.ctx.repo.update_change(c.id, materiality="high")
        assert route_alerts(served.ctx, served.ctx.repo.changes(ids=[c.id for c in changes]))
        assert {d["target"] for d in served.ctx.repo.deliveries(purpose="alert")} == {"CPOLICY"}

    def test_terms_with_quotes_and_remove_and_list(self, served, slack_fake):
        served.command("/watch", "add --term “remote access”", slack_fake.response_url("t1"))
        assert "Now watching term remote access" in reply(slack_fake)["text"]
        served.command("/watch", "list", slack_fake.response_url("t2"), user="USOMEONE")
        listing = everything(reply(slack_fake, 2))
        assert "remote access" in listing and "Terms" in listing
        served.command("/watch", 'remove --term "remote access"', slack_fake.response_url("t3"))
        assert "Stopped watching term remote access" in reply(slack_fake, 3)["text"]
        assert [e["action"] for e in served.ctx.repo.watch_events()] == ["add", "remove"]

    def test_bad_arguments_show_the_usage_and_echo_nothing_raw(self, served, slack_fake):
        served.command("/watch", "add --agency <!channel>", slack_fake.response_url("bad"))
        body = reply(slack_fake)
        text = everything(body)
        assert "<!channel>" not in text and "&lt;!channel&gt;" in text
        assert "usage: /watch" in text
        ack = served.command("/watch", "frobnicate", slack_fake.response_url("bad2"))
        assert "usage: /watch" in ack.text and "invalid choice" in ack.text     # answered in the ack
        served.settle()
        assert len(slack_fake.calls_to("response_url")) == 1


class TestDigestAndCompare:
    def test_digest_preview_is_ephemeral_and_moves_nothing(self, served, slack_fake):
        served.command("/digest", "", slack_fake.response_url("d"), user="USOMEONE")
        body = reply(slack_fake)
        assert body["response_type"] == "ephemeral" and "legiswatch digest" in body["text"]
        assert served.ctx.repo.kv_get(MARKER) is None
        assert slack_fake.calls_to("chat.postMessage") == []

    def test_digest_post_is_for_admins(self, served, slack_fake):
        served.command("/digest", "post", slack_fake.response_url("p1"), user="USOMEONE")
        assert "Only admins can post the digest" in reply(slack_fake)["text"]
        served.command("/digest", "post", slack_fake.response_url("p2"))
        assert "Digest posted to <#CDIGEST>" in reply(slack_fake, 2)["text"]
        (post,) = slack_fake.calls_to("chat.postMessage")
        assert post.body["channel"] == "CDIGEST" and "legiswatch digest" in post.body["text"]
        assert served.ctx.repo.kv_get(MARKER)

    def test_digest_bad_arguments(self, served, slack_fake):
        ack = served.command("/digest", "--since yesterday", slack_fake.response_url("db"))
        assert "usage: /digest" in ack.text and "not a date" in ack.text

    def test_help_is_answered_in_the_ack(self, served, slack_fake):
        ack = served.command("/watch", "add --help", slack_fake.response_url("h"))
        assert "--term TEXT" in ack.text and "--agency SLUG" in ack.text
        served.settle()
        assert slack_fake.calls_to("response_url") == []

    def test_compare_without_two_ids_shows_the_usage(self, served, slack_fake):
        ack = served.command("/compare", "hr2683-119", slack_fake.response_url("c"))
        assert "usage: /compare A B" in ack.text and "Traceback" not in ack.text


def test_tokens_and_the_signing_secret_never_reach_logs_or_messages(db_url, slack_fake, caplog):
    caplog.set_level(logging.DEBUG)
    ctx = make_ctx(db_url, slack_fake)
    ctx.repo.record([flagship_bill()], ctx.analyzer)
    with http_app(ctx, slack_fake) as app:
        app.command("/bill", "hr2683-119", slack_fake.response_url("s1"))
        app.command("/watch", "add --feed notaurl", slack_fake.response_url("s2"))
        app.event("EvS1", {"type": "app_home_opened", "user": "U1", "tab": "home"})
        slack_fake.wait_for("response_url", 2)
        slack_fake.wait_for("views.publish", 1)
    for secret in (BOT_TOKEN, SECRET):
        assert secret not in caplog.text
        for call in slack_fake.calls:
            assert secret not in json.dumps(call.body)
