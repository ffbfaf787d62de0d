"""Delivering the outbox, by target: Slack channels through ``bot/slack/outbox.py``, the
``console`` target printed on a stream (when Slack is not configured), both under one lease
(``bot/services/outbox.py``) so each delivery goes out once."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from slack_sdk import WebClient

from bot.services.context import Context
from bot.services.digest import Digest, digest_from_dict, queue_digest, render_text
from bot.services.outbox import ALERT, DIGEST, outbox_lease, parts_of
from bot.slack.escape import sanitize
from bot.slack.outbox import post_pending
from storage.repo.base import utcnow


def flush(ctx: Context, *, client: WebClient | None = None, sleep: Callable[[float], None] = time.sleep,
          console: TextIO | None = None, clock: Callable[[], datetime] = utcnow) -> int:
    """Deliver what is pending; returns the number of deliveries marked sent.

    ``console`` receives deliveries whose target is ``"console"`` (left pending without it);
    Slack deliveries are posted when Slack is configured or ``client`` is given."""
    with outbox_lease(ctx) as held:
        if not held:
            return 0
        sent = print_pending(ctx, console) if console is not None else 0
        return sent + post_pending(ctx, client=client, sleep=sleep, clock=clock, leased=True)


def deliver_now(ctx: Context, *, client: WebClient | None = None, out: TextIO | None = None) -> int:
    """Send what the outbox holds now: to Slack when configured, else print it on ``out``."""
    if client is not None or ctx.settings.slack_enabled:
        return flush(ctx, client=client)
    return flush(ctx, console=out or sys.stdout)


def post_digest(ctx: Context, digest: Digest) -> int:
    """Queue the digest (as data: it is rendered for its target when delivered) and move the
    marker; 1 when queued now, 0 when today's was already queued."""
    return queue_digest(ctx, digest)


def _d(v) -> str:
    return v.isoformat() if hasattr(v, "isoformat") else (str(v) if v else "—")


def render_alert(change, summary: dict | None) -> str:
    head = f"[{change.materiality.upper()}] {sanitize(change.headline, oneline=True)}"
    if change.change_date:
        head += f" ({_d(change.change_date)})"
    out = [head]
    if summary and summary.get("text"):
        out += ["  " + ln for ln in sanitize(summary["text"]).splitlines()]
    url = change.detail.get("url")
    if url:
        out.append(f"  {sanitize(url, oneline=True)}")
    return "\n".join(out)


def console_text(repo, p: dict) -> str:
    """One part rendered for the terminal, now."""
    kind, data = p["kind"], p["data"]
    if kind == ALERT:
        found = repo.changes(ids=[data["change_id"]])
        if not found:
            return f"alert {data['change_id']} (its change is no longer stored)"
        summary = repo.summary(found[0].summary_id) if found[0].summary_id else None
        return render_alert(found[0], summary)
    if kind == DIGEST:
        return render_text(digest_from_dict(data))
    return data.get("text") or ""


def print_pending(ctx: Context, out: TextIO) -> int:
    """Print pending console deliveries once each; the caller holds the outbox lease."""
    repo = ctx.repo
    n = 0
    for d in repo.pending_deliveries():
        if d["target"] != "console" or not repo.claim_delivery(d["id"]):
            continue
        for p in parts_of(d):
            print(sanitize(console_text(repo, p)), file=out)
        repo.delivery_sent([d["id"]])
        n += 1
    return n
