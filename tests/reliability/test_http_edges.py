"""The HTTP endpoint as an attacker sees it: whatever the headers and body, signed or not, every
request is answered 2xx, 400, 401, 404, 405 or 413 — never a 500 — and 200 slow-loris
connections do not lock out ``/healthz`` or a signed request."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relkit import settings_for
from slackkit import ADMIN, BOT_TOKEN, SECRET, HttpApp, command_body, signed_headers

from bot.sandbox.government import GovSandbox
from bot.sandbox.slack_fake import SlackFake
from bot.services.context import Context

pytestmark = pytest.mark.reliability

ALLOWED = {200, 201, 202, 204, 400, 401, 404, 405, 413}
KEYS = ["type", "event", "event_id", "team_id", "team", "user", "channel", "text", "actions", "payload", "view",
        "authorizations", "enterprise", "message", "channel_type", "command", "response_url", "challenge",
        "container", "value", "action_id", "ts", "subtype", "bot_id", "id", "blocks", "state", "item"]
TYPES = ["event_callback", "url_verification", "block_actions", "view_submission", "shortcut", "message",
         "app_mention", "app_home_opened", "im"]
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                   st.text(max_size=12), st.sampled_from(TYPES + ["D1", "C1", "U1", "T1", "hr2683-119", "<!channel>"]))
JSONISH = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                       max_leaves=14)
OBJECT = st.dictionaries(st.sampled_from(KEYS), JSONISH, max_size=6)
# Headers arrive as latin-1 text; anything but CR, LF and NUL can be sent.
HEADER = st.one_of(st.text(st.characters(min_codepoint=1, max_codepoint=255, blacklist_characters="\r\n"), max_size=40),
                   st.sampled_from(["\u00b2", "1\u00b9\u00b2", "9" * 5000, "-1", "0x10", " 1", "1e9", "v0=\u00e9",
                                    "\u0661\u0662", str(10**20)])).map(lambda v: v.lstrip(" \t\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"))
CTYPE = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", "", "application/json; charset=utf-8"])


def _bodies() -> st.SearchStrategy[bytes]:
    json_body = JSONISH.map(lambda v: json.dumps(v).encode())
    object_body = OBJECT.map(lambda v: json.dumps(v).encode())
    payload = JSONISH.map(lambda v: urlencode({"payload": json.dumps(v)}).encode())
    form = st.dictionaries(st.sampled_from(KEYS), st.text(max_size=20), max_size=6).map(lambda d: urlencode(d).encode())
    deep = st.integers(30, 20_000).flatmap(lambda n: st.sampled_from([b"[" * n + b"]" * n,
                                                                       b'{"a":' * n + b"1" + b"}" * n]))
    return st.one_of(st.binary(max_size=200), json_body, object_body, payload, form, deep)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with SlackFake() as fake, GovSandbox() as sb:
        ctx = Context(settings=settings_for(sb, f"sqlite:///{tmp_path_factory.mktemp('edges')}/e.db",
                                            slack_bot_token=BOT_TOKEN, slack_api_url=fake.url,
                                            slack_signing_secret=SECRET, slack_admins=ADMIN, alert_channel="CALERTS"))
        app = HttpApp(ctx, fake)
        yield app
        app.close()
        ctx.close()


def _post(app: HttpApp, body: bytes, headers: dict) -> int:
    return app.session.post(app.url + "/slack/events", data=body, headers=headers, timeout=15).status_code


def _sign(body: bytes, ts: str) -> str:
    return "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("body,ctype", [
    (b"[1]", "application/json"), (b'"x"', "application/json"), (b"null", "application/json"),
    (b"[" * 10_000 + b"]" * 10_000, "application/json"), (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "application/json"),
    (json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T1", "event": [1]}).encode(), "application/json"),
    (b"payload=[1]", "application/x-www-form-urlencoded"),
    (urlencode({"payload": json.dumps({"type": "block_actions", "actions": "x", "user": {"id": "U1"}})}).encode(),
     "application/x-www-form-urlencoded"),
    (json.dumps({"type": "event_callback", "event_id": "Ev2", "team_id": "T1",
                 "event": {"type": "message", "channel_type": "im", "user": "U1", "channel": "D1", "text": 5}}).encode(),
     "application/json"),
])
def test_signed_but_malformed_payloads_are_400(served, body, ctype):
    assert served.post(body, content_type=ctype).status_code == 400


@pytest.mark.parametrize("timestamp", ["\u00b2", "1\u00b9\u00b2", "9" * 5000, "\u0661\u0662\u0663"])
def test_odd_timestamps_are_401(served, timestamp):
    headers = {"X-Slack-Request-Timestamp": timestamp.encode("utf-8"), "X-Slack-Signature": "v0=00",
               "Content-Type": "application/json"}
    assert _post(served, b"{}", headers) == 401
    headers["X-Slack-Request-Timestamp"] = timestamp.encode("latin-1", "replace")
    assert _post(served, b"{}", headers) == 401


def test_a_non_ascii_signature_is_401(served):
    ts = str(int(time.time()))
    for sig in ("v0=\u00e9\u00e9".encode("latin-1"), "v0=\u00e9".encode(), b"v0=" + bytes(range(128, 200))):
        assert _post(served, b"{}", {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}) == 401


FUZZ_EXAMPLES = 600


def test_fuzzed_requests_are_never_answered_500(served):
    """Signed and unsigned requests with fuzzed headers and bodies; every answer is one we allow."""
    tried: list[int] = []

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(body=_bodies(), ctype=CTYPE, signed=st.booleans(), timestamp=st.one_of(st.none(), HEADER),
           signature=st.one_of(st.none(), HEADER))
    def one(body, ctype, signed, timestamp, signature):
        ts = str(int(time.time())) if signed or timestamp is None else timestamp
        headers = {"Content-Type": ctype, "X-Slack-Request-Timestamp": ts.encode("utf-8"),
                   "X-Slack-Signature": (_sign(body, ts) if signed else (signature or "")).encode("utf-8")}
        status = _post(served, body, headers)
        tried.append(status)
        assert status in ALLOWED, (status, body[:80], headers)
        if not signed and signature is not None:      # refused by waitress (400) or by the signature check
            assert status in (400, 401)

    one()
    served.settle(30)
    assert len(tried) >= FUZZ_EXAMPLES // 2
    assert 500 not in tried
    print(f"\nfuzzed requests: {len(tried)}; statuses: {sorted(set(tried))}")


# ---- slow-loris ----------------------------------------------------------------------------------------

SLOW = 200


def test_200_slow_connections_do_not_lock_out_health_or_signed_requests(served):
    port = int(served.url.rsplit(":", 1)[1])
    socks = []
    try:
        for i in range(SLOW):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if i % 2:       # half stop inside the headers, half inside the body
                s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slack-Request-Timestamp: 1")
            else:
                s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n"
                          b"Content-Type: application/json\r\n\r\n{\"type\":")
            socks.append(s)
        t0 = time.monotonic()
        health = requests.get(served.url + "/healthz", timeout=10)
        assert health.status_code == 200 and health.json() == {"ok": True}
        body = command_body("/bill", "--help", "http://127.0.0.1:9/unused")
        signed = requests.post(served.url + "/slack/events", data=body, timeout=10,
                               headers=signed_headers(body, content_type="application/x-www-form-urlencoded"))
        assert signed.status_code == 200
        print(f"\n{SLOW} slow connections open: /healthz and a signed /bill answered in "
              f"{time.monotonic() - t0:.2f}s")
        # the slow connections are still open (not simply dropped to make room)
        still_open = sum(1 for s in socks if _open(s))
        assert still_open == SLOW
    finally:
        for s in socks:
            s.close()
        served.settle(30)


def _open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
