"""Slack acknowledgement latency over HTTP: ``/bill`` and an Events API delivery.

The app runs as in production HTTP mode (Bolt behind waitress on 127.0.0.1, signature checked,
event dedupe in the SQLite database) with its WebClient pointed at the local Slack fake, so
everything is offline. Each request is signed like Slack signs it; the time measured is from
sending the request to receiving the HTTP answer (the ack Slack waits for, 3 s at most). The
baseline is ``GET /healthz`` on the same server (HTTP + one database read, no Slack work).

    python bench/bench_slack_ack.py [--requests N] [--json]     (default 200 of each; target p99 < 100 ms)
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import requests
from common import Row, parse_args, percentile, quiet, result, run_script, verdict
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack_fake import SlackFake
from bot.services.config import Settings
from bot.services.context import Context
from bot.slack.app import build_app
from bot.slack.server import serve_http
from scrapers.records import ActionRecord, BillRecord, CosponsorRecord

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TARGET_MS = 100.0


def _flagship():
    return BillRecord(bill_id="hr2683-119", congress=119, type="hr", number=2683,
                      title="To amend the Export Control Reform Act of 2018 to prevent foreign adversaries from "
                            "exploiting United States technology through remote access, and for other purposes.",
                      short_title="Remote Access Security Act", introduced=date(2025, 4, 7),
                      sponsor={"name": "Rep. Lawler, Michael [R-NY-17]", "party": "R", "state": "NY"},
                      latest_action=ActionRecord(date(2026, 1, 12), "Passed House 369 - 22"),
                      url="https://www.congress.gov/bill/119th-congress/house-bill/2683",
                      actions=[ActionRecord(date(2025, 4, 7), "Introduced in House", code="Intro-H")],
                      cosponsors=[CosponsorRecord("J000305", "Rep. Jackson, Jeff [D-NC-14]", "D", "NC")])


def _signed(body: bytes, content_type: str) -> dict:
    ts = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body.decode())}


def _measure(session, url: str, bodies: list[tuple[bytes, str]]) -> list[float]:
    """Milliseconds from send to answer, one request at a time (bodies are signed just before sending)."""
    out = []
    for body, content_type in bodies:
        headers = _signed(body, content_type)
        start = time.perf_counter()
        resp = session.post(url, data=body, headers=headers, timeout=10)
        out.append((time.perf_counter() - start) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"unexpected {resp.status_code} from {url}: {resp.text[:200]}")
    return out


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__.splitlines()[0],
                      lambda p: p.add_argument("--requests", type=int, default=200, help="requests of each kind"))
    quiet()


    n = args.requests
    with tempfile.TemporaryDirectory() as tmp, SlackFake() as fake:
        ctx = Context(settings=Settings(db_url=f"sqlite:///{Path(tmp) / 'bench.db'}", watchlist=str(Path(tmp) / "none"),
                                        slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.url))
        ctx.repo.record([_flagship()], ctx.analyzer)
        app = build_app(ctx, client=WebClient(token=TOKEN, base_url=fake.url))
        server = serve_http(app, ctx, "127.0.0.1", 0)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        session = requests.Session()
        session.trust_env = False
        try:
            def bill(i: int) -> tuple[bytes, str]:
                return (urlencode({"command": "/bill", "text": "hr2683-119", "user_id": "UBENCH", "channel_id": "C1",
                                   "team_id": "T1", "response_url": fake.response_url(f"b{i}"),
                                   "trigger_id": f"t{i}"}).encode(), "application/x-www-form-urlencoded")

            def event(i: int) -> tuple[bytes, str]:
                return (json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
                                    "event_id": f"EvBench{i:06d}", "event_time": int(time.time()),
                                    "event": {"type": "app_home_opened", "user": "UBENCH", "tab": "home"}}).encode(),
                        "application/json")

            _measure(session, base + "/slack/events", [bill(-i - 1) for i in range(10)])      # warm-up
            bill_ms = _measure(session, base + "/slack/events", [bill(i) for i in range(n)])
            event_ms = _measure(session, base + "/slack/events", [event(i) for i in range(n)])
            health_ms = []
            for _ in range(n):
                start = time.perf_counter()
                session.get(base + "/healthz", timeout=10)
                health_ms.append((time.perf_counter() - start) * 1000)
            fake.wait_for("response_url", n + 10, timeout=60)     # the lazy answers all arrived
        finally:
            session.close()
            server.close()
            thread.join(5)
            ctx.close()
    base_p50 = percentile(health_ms, 50)
    rows = []
    for label, values in (("/bill ack", bill_ms), ("event ack", event_ms)):
        p99 = percentile(values, 99)
        rows.append(Row(f"{label} p50 ({n} signed requests)", percentile(values, 50), "ms", baseline=base_p50,
                        note="baseline: GET /healthz p50 on the same server" if label == "/bill ack" else ""))
        rows.append(Row(f"{label} p99 ({n} signed requests)", p99, "ms", baseline=percentile(health_ms, 99),
                        target=f"< {TARGET_MS:g} ms", verdict=verdict(p99 < TARGET_MS)))
    return result("slack_ack", rows, requests=n)


if __name__ == "__main__":
    raise SystemExit(run_script(main))
