"""Helpers for the Slack tests: a Context wired to the Slack fake, the HTTP app served by waitress
on 127.0.0.1 port 0, signed requests, and a stored flagship bill."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from urllib.parse import urlencode

import requests
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.services.config import Settings
from bot.services.context import Context
from bot.slack.app import build_app
from bot.slack.server import serve_http
from scrapers.records import ActionRecord, BillRecord, CommitteeRecord, CosponsorRecord, TextVersionRecord

SECRET = "test-signing-secret-5f1e"
BOT_TOKEN = "xoxb-test-token-9a7c"
ADMIN = "UADMIN1"


def make_ctx(db_url: str, fake=None, **over) -> Context:
    fields = dict(db_url=db_url, watchlist="no-watchlist.toml", slack_signing_secret=SECRET,
                  slack_admins=ADMIN, alert_channel="CALERTS", digest_channel="CDIGEST",
                  # `watch add` checks bills and agencies: unless a sandbox is given, nothing answers
                  # (the item is added with a warning) — never the internet
                  congress_api_url="http://127.0.0.1:9/v3", federal_register_url="http://127.0.0.1:9/api/v1",
                  http_retries=0)
    if fake is not None:
        fields.update(slack_bot_token=BOT_TOKEN, slack_api_url=fake.url)
    fields.update(over)
    return Context(settings=Settings(**fields))


def client_for(fake) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake.url)


def signed_headers(body: bytes, *, content_type: str, secret: str = SECRET, timestamp: int | None = None,
                   extra: dict | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body.decode("utf-8"))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            **(extra or {})}


def command_body(command: str, text: str, response_url: str, *, user: str = ADMIN, channel: str = "CPOLICY") -> bytes:
    return urlencode({"token": "legacy", "team_id": "T1", "team_domain": "test", "channel_id": channel,
                      "channel_name": "policy", "user_id": user, "user_name": user.lower(), "command": command,
                      "text": text, "api_app_id": "A1", "response_url": response_url,
                      "trigger_id": "1.2.3"}).encode()


def event_body(event_id: str, event: dict) -> bytes:
    return json.dumps({"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]}).encode()


class TrackingExecutor(ThreadPoolExecutor):
    """The listener pool, counting work not yet finished: ``settle()`` returns once every listener
    (and lazy listener) submitted so far has run, so a test can assert that nothing was posted
    without waiting a fixed time. Bolt submits a request's listeners before it answers the
    request, so after the response arrives, ``settle()`` covers all of that request's work."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="slack-listener")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def settle(self, timeout: float = 10.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise AssertionError(f"{self._pending} Slack listeners still running after {timeout}s")


class HttpApp:
    """The app served over HTTP by waitress on 127.0.0.1:0 in a thread."""

    def __init__(self, ctx: Context, fake) -> None:
        self.ctx = ctx
        self.listeners = TrackingExecutor()
        self.app = build_app(ctx, client=client_for(fake), listener_executor=self.listeners)
        self.server = serve_http(self.app, ctx, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.session = requests.Session()
        self.session.trust_env = False

    def post(self, body: bytes, *, content_type: str, path: str = "/slack/events", **kw) -> requests.Response:
        return self.session.post(self.url + path, data=body,
                                 headers=signed_headers(body, content_type=content_type, **kw), timeout=10)

    def command(self, command: str, text: str, response_url: str, **kw) -> requests.Response:
        return self.post(command_body(command, text, response_url, **kw),
                         content_type="application/x-www-form-urlencoded")

    def event(self, event_id: str, event: dict, **kw) -> requests.Response:
        return self.post(event_body(event_id, event), content_type="application/json", **kw)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every listener started by the requests answered so far has finished."""
        self.listeners.settle(timeout)

    def close(self) -> None:
        self.session.close()
        self.server.close()
        self.thread.join(5)
        self.listeners.shutdown(wait=True)


@contextmanager
def http_app(ctx: Context, fake):
    served = HttpApp(ctx, fake)
    try:
        yield served
    finally:
        served.close()


def flagship_bill(**over) -> BillRecord:
    """H.R. 2683 (119th) as Congress.gov describes it (the fields the card shows)."""
    base = dict(
        bill_id="hr2683-119", congress=119, type="hr", number=2683,
        title="To amend the Export Control Reform Act of 2018 to prevent foreign adversaries from exploiting "
              "United States technology through remote access, and for other purposes.",
        short_title="Remote Access Security Act", introduced=date(2025, 4, 7), origin_chamber="House",
        sponsor={"bioguide_id": "L000566", "name": "Rep. Lawler, Michael [R-NY-17]", "party": "R", "state": "NY"},
        latest_action=ActionRecord(date(2026, 1, 12), "On motion to suspend the rules and pass the bill, as amended "
                                                      "Agreed to by the Yeas and Nays: (2/3 required): 369 - 22"),
        update_date="2026-01-13T10:00:00Z", url="https://www.congress.gov/bill/119th-congress/house-bill/2683",
        raw={"number": "2683", "updateDate": "2026-01-13T10:00:00Z"},
        actions=[ActionRecord(date(2025, 4, 7), "Introduced in House", code="Intro-H", chamber="House"),
                 ActionRecord(date(2025, 4, 7), "Referred to the House Committee on Foreign Affairs.",
                              code="H11100", chamber="House")],
        cosponsors=[CosponsorRecord("J000305", "Rep. Jackson, Jeff [D-NC-14]", "D", "NC"),
                    CosponsorRecord("M001136", "Rep. McClain, Lisa [R-MI-9]", "R", "MI")],
        committees=[CommitteeRecord("hsfa00", "Foreign Affairs Committee", "House",
                                    [("Referred to", date(2025, 4, 7))])],
        text_versions=[TextVersionRecord("ih", "Introduced in House", date(2025, 4, 7),
                                         "https://www.govinfo.gov/content/pkg/BILLS-119hr2683ih/xml/BILLS-119hr2683ih.xml")],
    )
    base.update(over)
    return BillRecord(**base)
