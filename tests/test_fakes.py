"""The three local fakes answer like the real services and record what they received."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

import openai
import pytest
import requests
from pydantic import BaseModel
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.sandbox import DATA_DIR
from bot.sandbox.government import GovSandbox, find_file

BILL = "/congress/v3/bill/119/hr/2683"
FR_DOCS = "/fr/api/v1/documents.json"
BIS_AGENCY = "conditions%5Bagencies%5D%5B%5D=industry-and-security-bureau"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    root = tmp_path / "data"
    write(root / "congress/v3/bill/119/hr/2683.json", '{"bill": {"number": "2683"}}')
    write(root / "congress/v3/bill/119/hr/2683/actions.json", '{"actions": [], "page": 1}')
    write(root / "congress/v3/bill/119/hr/2683/actions@offset=250.json", '{"actions": [], "page": 2}')
    write(root / "fr/api/v1/documents.json", '{"count": 0}')
    write(root / f"fr/api/v1/documents.json@{BIS_AGENCY}.json", '{"count": 1}')
    write(root / f"fr/api/v1/documents.json@{BIS_AGENCY}&page=2.json", '{"count": 2}')
    write(root / "govinfo/content/pkg/BILLS-119hr2683ih/xml/BILLS-119hr2683ih.xml", "<bill/>")
    write(root / "govinfo/content/pkg/CREC-2026-01-12/html/CREC-2026-01-12-pt1-PgH621-5.htm", "<pre>x</pre>")
    write(root / "news/rss/search@q=%22Remote%20Access%20Security%20Act%22.rss", "<rss version='2.0'/>")
    write(root / "bis/press-releases/index.html", "<html><body>BIS</body></html>")
    write(root / "notes/readme.txt", "plain")
    return root


@pytest.fixture
def sb(gov_sandbox_factory, data_dir) -> GovSandbox:
    return gov_sandbox_factory(data_dir)


def get(url: str, **kwargs) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(url, timeout=5, **kwargs)


# ---- GovSandbox ------------------------------------------------------------------------------
def test_files_are_served_with_extension_and_content_type(sb):
    bill = get(sb.url + BILL, params={"api_key": "DEMO_KEY", "format": "json"})
    assert bill.status_code == 200 and bill.json() == {"bill": {"number": "2683"}}
    assert bill.headers["Content-Type"].startswith("application/json")
    cases = {
        "/govinfo/content/pkg/BILLS-119hr2683ih/xml/BILLS-119hr2683ih.xml": "application/xml",
        "/govinfo/content/pkg/CREC-2026-01-12/html/CREC-2026-01-12-pt1-PgH621-5.htm": "text/html",
        "/bis/press-releases/": "text/html",
        "/bis/press-releases": "text/html",
        "/notes/readme": "text/plain",
    }
    for path, ctype in cases.items():
        response = get(sb.url + path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith(ctype), path


def test_query_variants_most_specific_wins(sb):
    assert get(sb.url + BILL + "/actions").json()["page"] == 1
    assert get(sb.url + BILL + "/actions", params={"offset": 250, "limit": 250}).json()["page"] == 2
    agency = {"conditions[agencies][]": "industry-and-security-bureau"}
    assert get(sb.url + FR_DOCS).json()["count"] == 0
    assert get(sb.url + FR_DOCS, params=agency).json()["count"] == 1
    assert get(sb.url + FR_DOCS, params={**agency, "page": 2, "per_page": 100}).json()["count"] == 2
    rss = get(sb.url + "/news/rss/search", params={"q": '"Remote Access Security Act"', "hl": "en-US"})
    assert rss.status_code == 200 and rss.headers["Content-Type"].startswith("application/rss+xml")
    assert get(sb.url + "/news/rss/search", params={"q": "other"}).status_code == 404


def test_unknown_path_is_a_404_json_error(sb):
    response = get(sb.url + "/congress/v3/bill/119/hr/1")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_path_traversal_is_refused(sb, data_dir):
    write(data_dir.parent / "outside.json", '{"secret": true}')
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    conn.request("GET", "/../outside.json")
    assert conn.getresponse().status == 404
    conn.close()
    assert find_file(data_dir, "/congress/../../outside", {}) is None


def test_etag_and_if_none_match(sb):
    first = get(sb.url + BILL)
    etag = first.headers["ETag"]
    assert get(sb.url + BILL, headers={"If-None-Match": etag}).status_code == 304
    assert get(sb.url + BILL, headers={"If-None-Match": '"other"'}).status_code == 200


def test_routes_win_over_files_and_match_query(sb):
    sb.route(BILL, {"bill": {"number": "routed"}})
    sb.route(BILL, "<html>page two</html>", query={"page": "2"}, status=503)
    assert get(sb.url + BILL).json()["bill"]["number"] == "routed"
    second = get(sb.url + BILL, params={"page": 2})
    assert second.status_code == 503 and second.headers["Content-Type"].startswith("text/html")
    sb.clear_routes()
    assert get(sb.url + BILL).json()["bill"]["number"] == "2683"


def test_requests_are_logged(sb):
    get(sb.url + BILL, params={"api_key": "K", "format": "json"}, headers={"X-Test": "1"})
    with requests.Session() as session:
        session.trust_env = False
        session.post(sb.url + "/govinfo-api/search", json={"query": "x"}, timeout=5)
    first, second = sb.requests
    assert (first.method, first.path, first.query) == ("GET", BILL, {"api_key": ["K"], "format": ["json"]})
    assert first.headers["X-Test"] == "1"
    assert second.method == "POST" and json.loads(second.body) == {"query": "x"}
    assert sb.count() == 2 and sb.count("/congress") == 1 and sb.count("/fr") == 0
    sb.reset_log()
    assert sb.requests == []


def test_status_fault_with_retry_after_then_recovers(sb):
    sb.fault("/congress", "status", status=429, retry_after=7, times=2)
    for _ in range(2):
        limited = get(sb.url + BILL)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    assert get(sb.url + BILL).status_code == 200


def test_fault_until_cleared(sb):
    sb.fault("/congress", "status", status=502, times=-1)
    assert [get(sb.url + BILL).status_code for _ in range(3)] == [502, 502, 502]
    assert get(sb.url + FR_DOCS).status_code == 200  # other prefixes are unaffected
    sb.clear_faults()
    assert get(sb.url + BILL).status_code == 200


def test_content_faults(sb):
    sb.fault(BILL, "html200")
    page = get(sb.url + BILL)
    assert page.status_code == 200 and page.text.lstrip().startswith("<!DOCTYPE html>")
    sb.fault(BILL, "badjson")
    with pytest.raises(ValueError):
        get(sb.url + BILL).json()
    sb.fault(BILL, "schema")
    assert get(sb.url + BILL).json() == {"unexpected": True}
    with pytest.raises(ValueError):
        sb.fault(BILL, "explode")


def test_connection_faults(sb):
    sb.fault(BILL, "reset")
    with pytest.raises(requests.ConnectionError):
        get(sb.url + BILL)
    sb.fault(BILL, "truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(sb.url + BILL)
    sb.fault(BILL, "timeout", delay=0.5)
    with pytest.raises(requests.Timeout):
        with requests.Session() as session:
            session.trust_env = False
            session.get(sb.url + BILL, timeout=0.1)
    sb.fault(BILL, "timeout", delay=0.1)
    assert get(sb.url + BILL).status_code == 200  # slow, then a normal answer


def test_base_urls_and_bundled_sandbox(gov_sandbox):
    urls = gov_sandbox.base_urls()
    assert urls["congress_api_url"] == gov_sandbox.url + "/congress/v3"
    assert set(urls) == {"congress_api_url", "govinfo_url", "govinfo_api_url", "federal_register_url",
                         "bis_url", "ecfr_url", "news_search_url"}
    assert gov_sandbox.data_dir == DATA_DIR
    assert get(gov_sandbox.url + "/no/such/thing").status_code == 404


def test_stop_closes_the_port(data_dir):
    sandbox = GovSandbox(data_dir).start()
    url = sandbox.url + BILL
    assert get(url).status_code == 200
    sandbox.stop()
    with pytest.raises(requests.ConnectionError):
        get(url)


# ---- SlackFake -------------------------------------------------------------------------------
def test_web_client_posts_a_message(slack_fake):
    client = WebClient(token="xoxb-test", base_url=slack_fake.url)
    assert client.auth_test()["user_id"] == "UBOT"
    first = client.chat_postMessage(channel="C42", text="H.R. 2683 passed the House",
                                    blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}])
    second = client.chat_postMessage(channel="C42", text="again", thread_ts=first["ts"])
    assert first["ok"] and first["channel"] == "C42"
    assert float(second["ts"]) > float(first["ts"])
    calls = slack_fake.calls_to("chat.postMessage")
    assert [c.body["text"] for c in calls] == ["H.R. 2683 passed the House", "again"]
    assert calls[0].body["blocks"][0]["type"] == "section"
    assert calls[1].body["thread_ts"] == first["ts"]
    assert calls[0].headers["Authorization"] == "Bearer xoxb-test"
    assert [c.method for c in slack_fake.calls] == ["auth.test", "chat.postMessage", "chat.postMessage"]


def test_get_and_form_calls_are_parsed(slack_fake):
    client = WebClient(token="xoxb-test", base_url=slack_fake.url)
    assert client.users_info(user="U7")["user"]["id"] == "U7"
    assert client.conversations_info(channel="C9")["channel"]["id"] == "C9"
    client.api_call("views.publish", data={"user_id": "U7", "view": '{"type": "home"}'})
    assert slack_fake.calls_to("users.info")[0].body["user"] == "U7"
    assert slack_fake.calls_to("views.publish")[0].body == {"user_id": "U7", "view": '{"type": "home"}'}


def test_scripted_responses_come_first(slack_fake):
    slack_fake.script("chat.postMessage", [
        (429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}),
        {"ok": False, "error": "channel_not_found"},
    ])
    client = WebClient(token="xoxb-test", base_url=slack_fake.url)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="a")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["retry-after"] in ("1", ["1"])
    with pytest.raises(SlackApiError) as missing:
        client.chat_postMessage(channel="C1", text="b")
    assert missing.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="c")["ok"]


def test_response_url_and_wait_for(slack_fake):
    url = slack_fake.response_url("abc")
    timer = threading.Timer(0.1, lambda: WebhookClient(url).send(text="Working on it…"))
    timer.start()
    calls = slack_fake.wait_for("response_url", 1, timeout=3)
    timer.join()
    assert calls[0].body["text"] == "Working on it…"
    started = time.monotonic()
    with pytest.raises(AssertionError, match="chat.update"):
        slack_fake.wait_for("chat.update", 1, timeout=0.2)
    assert time.monotonic() - started < 1


# ---- OpenAIFake ------------------------------------------------------------------------------
def client_for(fake, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key="x", max_retries=kwargs.pop("max_retries", 0),
                         timeout=kwargs.pop("timeout", 5.0))


def ask(client: openai.OpenAI, text: str = "Summarize the change."):
    return client.chat.completions.create(model="test-model",
                                          messages=[{"role": "user", "content": text}])


def test_openai_client_gets_scripted_reply_and_usage(llm_fake):
    llm_fake.queue("Section 2 was reworded.", usage=(120, 8))
    llm_fake.queue({"summary": "ok"})
    client = client_for(llm_fake)
    reply = ask(client)
    assert reply.choices[0].message.content == "Section 2 was reworded."
    assert reply.choices[0].finish_reason == "stop"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens) == (120, 8, 128)
    assert reply.model == "test-model"
    assert json.loads(ask(client).choices[0].message.content) == {"summary": "ok"}
    assert llm_fake.requests[0]["messages"][0]["content"] == "Summarize the change."


def test_default_reply_and_rough_prompt_tokens(llm_fake):
    client = client_for(llm_fake)
    reply = ask(client, "x" * 400)
    assert reply.choices[0].message.content == "{}"
    assert reply.usage.prompt_tokens == 100
    llm_fake.default = lambda request: f"echo {len(request['messages'])}"
    assert ask(client).choices[0].message.content == "echo 1"


def test_structured_output_request_is_recorded(llm_fake):
    class Summary(BaseModel):
        headline: str

    llm_fake.queue({"headline": "Passed the House"})
    parsed = client_for(llm_fake).chat.completions.parse(
        model="m", messages=[{"role": "user", "content": "?"}], response_format=Summary)
    assert parsed.choices[0].message.parsed == Summary(headline="Passed the House")
    assert llm_fake.requests[0]["response_format"]["type"] == "json_schema"


def test_errors_are_not_retried_unless_asked(llm_fake):
    llm_fake.queue_error(500)
    with pytest.raises(openai.InternalServerError):
        ask(client_for(llm_fake, max_retries=2))
    assert len(llm_fake.requests) == 1
    llm_fake.queue_error(503, retry=True)
    llm_fake.queue("second time lucky")
    assert ask(client_for(llm_fake, max_retries=1)).choices[0].message.content == "second time lucky"
    assert len(llm_fake.requests) == 3


def test_delay_and_malformed_replies(llm_fake):
    llm_fake.queue_delay(1.0, "too late")
    with pytest.raises(openai.APITimeoutError):
        ask(client_for(llm_fake, timeout=0.2))
    llm_fake.queue_raw("this is not json")
    with pytest.raises(ValueError):  # openai 3.x lets the JSONDecodeError through
        ask(client_for(llm_fake))
    llm_fake.queue_raw('{"error": {"message": "overloaded"}}', status=500)
    with pytest.raises(openai.InternalServerError, match="overloaded"):
        ask(client_for(llm_fake))
    assert llm_fake.pending == 0


def test_models_endpoint(llm_fake):
    assert [m.id for m in client_for(llm_fake).models.list()] == ["fake-model"]
