"""PoliteSession against the real GovSandbox: retries, Retry-After, faults, caps, masking, pacing."""

from __future__ import annotations

import gzip
import logging
import threading
import time

import pytest

from scrapers.errors import HostileContent, NotFound, SourceChanged, SourceRateLimited, SourceUnavailable
from scrapers.http import USER_AGENT, PoliteSession, mask_secrets, parse_retry_after

KEY = "k3y-SECRET/with+chars"
BILL = "/congress/v3/bill/119/hr/2683"


def polite(**overrides) -> PoliteSession:
    options = {"source": "test", "backoff": 0.01, "timeout": 2.0}
    options.update(overrides)
    return PoliteSession(**options)


@pytest.fixture
def sb(gov_sandbox_factory, tmp_path):
    sandbox = gov_sandbox_factory(tmp_path)
    sandbox.route(BILL, {"bill": {"number": "2683", "congress": 119}})
    return sandbox


def test_get_returns_body_headers_and_validators(sb):
    session = polite()
    result = session.get(sb.url + BILL, params={"format": "json"})
    assert result.status == 200 and not result.not_modified
    assert b'"2683"' in result.content
    assert result.etag and result.etag.startswith('"')
    assert result.headers["content-type"].startswith("application/json")
    assert result.headers.get("Content-Type") == result.headers["content-type"]
    assert result.url.endswith(BILL + "?format=json")
    assert session.request_count == 1
    sent = sb.requests[0]
    assert sent.headers["User-Agent"] == USER_AGENT
    assert sent.query == {"format": ["json"]}


def test_429_retry_after_is_honoured_and_counted(sb):
    sb.fault(BILL, "status", status=429, retry_after=0.3)
    session = polite()
    started = time.monotonic()
    data = session.get_json(sb.url + BILL)
    assert data["bill"]["number"] == "2683"
    assert time.monotonic() - started >= 0.3
    assert session.request_count == 2 == sb.count(BILL)


def test_429_every_time_gives_rate_limited_after_retries(sb):
    sb.fault(BILL, "status", status=429, retry_after=0, times=-1)
    session = polite(retries=2)
    with pytest.raises(SourceRateLimited) as info:
        session.get(sb.url + BILL)
    assert info.value.retry_after == 0
    assert info.value.source == "test"
    assert session.request_count == 3 == sb.count(BILL)


def test_retry_after_over_the_cap_gives_up_at_once(sb):
    sb.fault(BILL, "status", status=429, retry_after=500, times=-1)
    session = polite(retry_after_max=120)
    started = time.monotonic()
    with pytest.raises(SourceRateLimited) as info:
        session.get(sb.url + BILL)
    assert info.value.retry_after == 500
    assert time.monotonic() - started < 1
    assert session.request_count == 1 == sb.count(BILL)


def test_retry_after_as_http_date_over_the_cap(sb):
    sb.fault(BILL, "status", status=503, retry_after="Fri, 31 Dec 2100 23:59:59 GMT")
    with pytest.raises(SourceRateLimited) as info:
        polite().get(sb.url + BILL)
    assert info.value.retry_after > 120
    assert sb.count(BILL) == 1


def test_parse_retry_after_forms():
    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now=now) == 30.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now=now) == 0.0  # in the past: go now
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_500_then_200_succeeds_with_two_requests(sb):
    sb.fault(BILL, "status", status=500)
    session = polite()
    assert session.get_json(sb.url + BILL)["bill"]["congress"] == 119
    assert session.request_count == 2 == sb.count(BILL)


def test_persistent_503_is_unavailable_after_retries(sb):
    sb.fault(BILL, "status", status=503, times=-1)
    session = polite(retries=3)
    with pytest.raises(SourceUnavailable) as info:
        session.get(sb.url + BILL)
    assert "503" in str(info.value)
    assert sb.count(BILL) == 4


def test_timeout_is_unavailable(sb):
    sb.fault(BILL, "timeout", delay=1.0, times=-1)
    session = polite(timeout=0.2, retries=1)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="timed out"):
        session.get(sb.url + BILL)
    assert time.monotonic() - started < 0.9
    assert session.request_count == 2


def test_connection_reset_is_retried_then_succeeds(sb):
    sb.fault(BILL, "reset")
    session = polite()
    assert session.get_json(sb.url + BILL)["bill"]["number"] == "2683"
    assert session.request_count == 2


def test_connection_reset_every_time_is_unavailable(sb):
    sb.fault(BILL, "reset", times=-1)
    with pytest.raises(SourceUnavailable, match="connection failed"):
        polite(retries=1).get(sb.url + BILL)
    assert sb.count(BILL) == 2


def test_connection_refused_is_unavailable(sb):
    url = sb.url + BILL
    sb.stop()
    with pytest.raises(SourceUnavailable):
        polite(retries=0).get(url)


def test_truncated_body_is_unavailable(sb):
    sb.fault(BILL, "truncate", times=-1)
    with pytest.raises(SourceUnavailable, match="incomplete|truncated"):
        polite(retries=1).get(sb.url + BILL)
    assert sb.count(BILL) == 2


def test_oversize_body_is_hostile(sb):
    sb.route("/big", b"x" * 5000, content_type="text/plain")
    with pytest.raises(HostileContent, match="exceeds"):
        polite(max_bytes=1000).get(sb.url + "/big")
    assert sb.count("/big") == 1  # not retried


def test_oversize_after_decompression_is_hostile(sb):
    bomb = gzip.compress(b"0" * 2_000_000)
    assert len(bomb) < 10_000
    sb.route("/bomb", bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json")
    with pytest.raises(HostileContent):
        polite(max_bytes=100_000).get(sb.url + "/bomb")


def test_conditional_get_with_etag_and_last_modified(sb):
    session = polite()
    first = session.get(sb.url + BILL)
    again = session.get(sb.url + BILL, etag=first.etag)
    assert again.status == 304 and again.not_modified and again.content == b""
    assert sb.requests[-1].headers["If-None-Match"] == first.etag

    stamp = "Wed, 07 Jan 2026 10:00:00 GMT"
    sb.route("/dated", "<rss/>", headers={"Last-Modified": stamp})
    dated = session.get(sb.url + "/dated")
    assert dated.last_modified == stamp
    assert session.get(sb.url + "/dated", last_modified=stamp).not_modified
    assert sb.requests[-1].headers["If-Modified-Since"] == stamp
    changed = session.get(sb.url + BILL, etag='"stale"')
    assert changed.status == 200 and changed.content == first.content


def test_404_is_not_found_without_retry(sb):
    session = polite()
    with pytest.raises(NotFound):
        session.get(sb.url + "/congress/v3/bill/119/hr/999999", params={"api_key": KEY})
    assert session.request_count == 1


def test_other_4xx_is_unavailable_without_retry_and_quotes_the_body(sb):
    sb.route("/forbidden", {"error": {"code": "API_KEY_INVALID", "message": f"bad key {KEY}"}}, status=403)
    session = polite(secrets=[KEY])
    with pytest.raises(SourceUnavailable) as info:
        session.get(sb.url + "/forbidden", params={"api_key": KEY})
    message = str(info.value)
    assert "403" in message and "API_KEY_INVALID" in message
    assert KEY not in message
    assert sb.count("/forbidden") == 1


def test_api_key_never_reaches_logs_or_errors(sb, caplog):
    caplog.set_level(logging.DEBUG)
    sb.fault(BILL, "status", status=500, times=-1)
    session = polite(secrets=[KEY], retries=2)
    with pytest.raises(SourceUnavailable) as info:
        session.get(sb.url + BILL, params={"api_key": KEY, "format": "json"})
    assert sb.requests[0].query["api_key"] == [KEY]  # it was sent…
    for text in (str(info.value), info.value.url, caplog.text):  # …but never shown
        assert KEY not in text
        assert "api_key=***" in text
    assert "retry 2/2" in caplog.text


def test_mask_secrets_plain_encoded_and_query():
    text = "GET https://x/a?api_key=DEMO_KEY&q=1 token k3y-SECRET%2Fwith%2Bchars and k3y-SECRET/with+chars"
    masked = mask_secrets(text, [KEY, ""])
    assert "DEMO_KEY" not in masked and "SECRET" not in masked
    assert masked.count("***") == 3 and "&q=1" in masked


def test_pacing_between_requests_to_the_same_host(sb):
    session = polite(min_interval=0.25)
    started = time.monotonic()
    session.get(sb.url + BILL)
    session.get(sb.url + BILL)
    assert time.monotonic() - started >= 0.25


def test_pacing_is_thread_safe(sb):
    session = polite(min_interval=0.15)
    started = time.monotonic()
    threads = [threading.Thread(target=session.get, args=(sb.url + BILL,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started >= 0.3
    assert session.request_count == 3


def test_pacing_is_per_host(sb, gov_sandbox_factory, tmp_path):
    other = gov_sandbox_factory(tmp_path)
    session = polite(min_interval=1.0)
    started = time.monotonic()
    with pytest.raises(NotFound):
        session.get(other.url + "/x")
    session.get(sb.url + BILL)
    assert time.monotonic() - started < 0.5


def test_proxy_variables_are_ignored(sb, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("no_proxy")
    assert polite(retries=0).get_json(sb.url + BILL)["bill"]["number"] == "2683"


@pytest.mark.parametrize("kind", ["html200", "badjson"])
def test_get_json_refuses_html_and_bad_json(sb, kind):
    sb.fault(BILL, kind)
    with pytest.raises(SourceChanged):
        polite().get_json(sb.url + BILL)


def test_get_json_refuses_a_non_object(sb):
    sb.route("/list", [1, 2])
    with pytest.raises(SourceChanged, match="JSON object"):
        polite().get_json(sb.url + "/list")


def test_get_xml_parses_with_the_hardened_parser(sb):
    sb.route("/ok.xml", b"<?xml version='1.0'?><bill><title>Remote Access Security Act</title></bill>")
    sb.route("/xxe.xml", b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>')
    sb.route("/page.xml", b"<!DOCTYPE html><html><body>Error</body></html>", content_type="text/html")
    session = polite()
    assert session.get_xml(sb.url + "/ok.xml").findtext("title") == "Remote Access Security Act"
    with pytest.raises(HostileContent):
        session.get_xml(sb.url + "/xxe.xml")
    with pytest.raises(SourceChanged):
        session.get_xml(sb.url + "/page.xml")
