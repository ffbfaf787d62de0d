"""Outbox delivery to Slack: pending deliveries for Slack channels → ``chat.postMessage``.

Each delivery row is unique per (target, purpose, ref), so an alert is queued once; here each is
*claimed* before it is posted and marked sent after, so it is posted once even across restarts
and with several instances (``bot/services/outbox.py``: one flush at a time, stale claims
released). Console deliveries are printed by ``bot/runtime/delivery.py``. Alerts pending for one channel go out as one grouped
message; posting is paced to one message per second per channel; a 429 is honoured
(``Retry-After``: a short wait inline, a long one as the delivery's ``not_before``); other errors
back off and give up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.services.alerts import ALERT_PURPOSES, MAX_ITEMS_PER_MESSAGE, AlertGroup, group_alerts
from bot.services.context import Context
from bot.services.digest import digest_from_dict
from bot.services.outbox import DIGEST, RENDERED, outbox_lease, parts_of, posted_keys
from bot.slack import blocks as bk
from storage.repo import ChangeInfo
from storage.repo.base import utcnow

log = logging.getLogger(__name__)
PACE_SECONDS = 1.0               # chat.postMessage: about one message per second per channel
INLINE_RETRY_MAX = 3.0           # a Retry-After up to this is waited out within the flush
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)
FALLBACK_ERRORS = {"invalid_blocks", "msg_blocks_too_long", "invalid_blocks_format"}

_pace_lock = threading.Lock()
_last_post: dict[tuple[str, str], float] = {}


class _RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited (Retry-After {retry_after:g}s)")
        self.retry_after = retry_after


def outbox_client(ctx: Context, client: WebClient | None = None) -> WebClient:
    """A WebClient for the outbox: like ``client`` (or built from settings) but without the SDK's
    blocking 429 retry, because the outbox handles ``Retry-After`` itself."""
    s = ctx.settings
    base = client or WebClient(token=s.slack_bot_token, base_url=s.slack_api_url)
    handlers = [h for h in base.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    return WebClient(token=base.token, base_url=base.base_url, timeout=base.timeout, retry_handlers=handlers,
                     logger=base.logger)


def post_pending(ctx: Context, *, client: WebClient | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], datetime] = utcnow, leased: bool = False) -> int:
    """Post what is pending for Slack channels; returns the number of deliveries marked sent.

    Takes the outbox lease unless the caller holds it (``leased``); ``sleep`` and ``clock`` are
    injectable for tests."""
    if leased:
        return _post_all(ctx, client, sleep, clock)
    with outbox_lease(ctx) as held:
        return _post_all(ctx, client, sleep, clock) if held else 0


def _post_all(ctx: Context, client: WebClient | None, sleep: Callable[[float], None],
              clock: Callable[[], datetime]) -> int:
    pending = [d for d in ctx.repo.pending_deliveries(now=clock()) if d["target"] != "console"]
    if not pending:
        return 0
    if client is None and not ctx.settings.slack_enabled:
        log.warning("outbox: %d Slack deliveries pending but Slack is not configured", len(pending))
        return 0
    web = outbox_client(ctx, client)
    sent = 0
    for target in dict.fromkeys(d["target"] for d in pending):
        sent += _flush_channel(ctx, web, target, [d for d in pending if d["target"] == target], sleep, clock)
    return sent


def _flush_channel(ctx: Context, web: WebClient, target: str, deliveries: list[dict],
                   sleep: Callable[[float], None], clock: Callable[[], datetime]) -> int:
    """Post one channel's pending deliveries: grouped alerts first, then the others in order."""
    repo = ctx.repo
    change_ids = [d["change_id"] for d in deliveries if d.get("change_id")]
    changes = {c.id: c for c in repo.changes(ids=change_ids)} if change_ids else {}
    jobs: list[tuple[list[dict], dict, str | None]] = []      # (deliveries, message, group_ref)
    for group in group_alerts(deliveries, changes, clock()):
        jobs.append((group.deliveries, _alert_message(repo, group), group.ref if len(group.ids) > 1 else None))
    sent = 0
    for batch, msg, group_ref in jobs:
        claimed = [d for d in batch if repo.claim_delivery(d["id"])]
        if not claimed:
            continue
        ids = [d["id"] for d in claimed]
        if len(claimed) != len(batch):       # another instance took some: render what we hold
            msg = _alert_message(repo, AlertGroup(target, claimed, [changes.get(d["change_id"]) for d in claimed]))
        try:
            ts = _post(web, target, msg, sleep)
        except _RateLimited as exc:
            repo.delivery_failed(ids, str(exc), retry_at=clock() + timedelta(seconds=exc.retry_after))
            log.warning("outbox: %s rate limited; %d deliveries wait %gs", target, len(ids), exc.retry_after)
            return sent                     # this channel waits; the others go on
        except Exception as exc:  # noqa: BLE001 — recorded on the delivery, never raised to the scheduler
            attempts = max(d["attempts"] for d in claimed) + 1
            give_up = attempts >= MAX_ATTEMPTS
            reason = _reason(exc)
            repo.delivery_failed(ids, reason, give_up=give_up, retry_at=clock() + BACKOFF * 2 ** (attempts - 1))
            log.log(logging.ERROR if give_up else logging.WARNING, "outbox: posting to %s failed (%s), attempt %d%s",
                    target, reason, attempts, "; giving up" if give_up else "")
            continue
        repo.delivery_sent(ids, slack_ts=ts, group_ref=group_ref)
        sent += len(ids)
    for d in deliveries:
        if d["purpose"] in ALERT_PURPOSES:
            continue
        outcome = _post_parts(ctx, web, target, d, sleep, clock)
        if outcome is None:
            break                           # rate limited: this channel waits
        sent += outcome
    return sent


def slack_messages(part: dict) -> list[dict]:
    """A non-alert part rendered for a Slack channel, now (a digest may be several messages)."""
    kind, data = part["kind"], part["data"]
    if kind == DIGEST:
        return bk.digest_messages(digest_from_dict(data))
    if kind == RENDERED:
        return [{"text": data.get("text") or " ", "blocks": data.get("blocks") or []}]
    return [{"text": data.get("text") or " ", "blocks": []}]


def _post_parts(ctx: Context, web: WebClient, target: str, d: dict, sleep: Callable[[float], None],
                clock: Callable[[], datetime]) -> int | None:
    """Post one delivery's messages in order, each under its own key (``<part key>#<n>``), skipping
    the ones already posted; 1 when the delivery is complete, 0 when it is not (yet), None when
    Slack rate-limited the channel."""
    repo = ctx.repo
    if not repo.claim_delivery(d["id"]):
        return 0
    done = posted_keys(d)
    ts = d.get("slack_ts")
    try:
        for p in parts_of(d):
            for n, msg in enumerate(slack_messages(p), start=1):
                key = f"{p['key']}#{n}"
                if key in done:
                    continue
                ts = _post(web, target, msg, sleep) or ts
                repo.delivery_part_posted(d["id"], key)
    except _RateLimited as exc:
        repo.delivery_failed([d["id"]], str(exc), retry_at=clock() + timedelta(seconds=exc.retry_after))
        log.warning("outbox: %s rate limited; delivery %s waits %gs", target, d["id"], exc.retry_after)
        return None
    except Exception as exc:  # noqa: BLE001 — recorded on the delivery, never raised to the scheduler
        attempts = d["attempts"] + 1
        give_up = attempts >= MAX_ATTEMPTS
        reason = _reason(exc)
        repo.delivery_failed([d["id"]], reason, give_up=give_up, retry_at=clock() + BACKOFF * 2 ** (attempts - 1))
        log.log(logging.ERROR if give_up else logging.WARNING, "outbox: posting to %s failed (%s), attempt %d%s",
                target, reason, attempts, "; giving up" if give_up else "")
        return 0
    repo.delivery_sent([d["id"]], slack_ts=ts)
    return 1


def _alert_message(repo, group: AlertGroup) -> dict:
    items = []
    for d, change in zip(group.deliveries, group.changes, strict=True):
        if change is None:
            items.append((_missing_change(d), None))
            continue
        summary = repo.summary(change.summary_id) if change.summary_id else None
        items.append((change, summary))
    return bk.alert_group(items, max_items=MAX_ITEMS_PER_MESSAGE)


def _missing_change(d: dict):
    text = (d.get("payload") or {}).get("text") or f"alert {d['ref']}"
    return ChangeInfo(id=0, key=d["ref"], kind="note", subject=text, headline=text, materiality="normal",
                      change_date=None, detected_at=utcnow())


def _post(web: WebClient, channel: str, msg: dict, sleep: Callable[[float], None]) -> str | None:
    """chat.postMessage, paced per channel; one inline retry for a short Retry-After, and one
    text-only retry when Slack rejects the blocks."""
    retried_429 = False
    use_blocks = bool(msg.get("blocks"))
    while True:
        _pace(web.base_url, channel, sleep)
        try:
            kwargs = {"channel": channel, "text": msg.get("text") or " ", "unfurl_links": False,
                      "unfurl_media": False}
            if use_blocks:
                kwargs["blocks"] = msg["blocks"]
            resp = web.chat_postMessage(**kwargs)
            return resp.get("ts")
        except SlackApiError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status == 429:
                wait = _retry_after(exc)
                if wait <= INLINE_RETRY_MAX and not retried_429:
                    retried_429 = True
                    log.info("outbox: 429 from Slack for %s; retrying in %gs", channel, wait)
                    sleep(wait)
                    continue
                raise _RateLimited(wait) from None
            if use_blocks and exc.response is not None and exc.response.get("error") in FALLBACK_ERRORS:
                log.warning("outbox: Slack rejected the blocks (%s); sending the text only",
                            exc.response.get("error"))
                use_blocks = False
                continue
            raise


def _pace(base_url: str, channel: str, sleep: Callable[[float], None]) -> None:
    key = (base_url, channel)
    with _pace_lock:
        last = _last_post.get(key)
        now = time.monotonic()
        wait = (last + PACE_SECONDS - now) if last is not None else 0.0
        _last_post[key] = max(now, now + wait)
    if wait > 0:
        sleep(wait)


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers or {}
    for k, v in headers.items():
        if k.lower() == "retry-after":
            value = v[0] if isinstance(v, list) else v
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return 1.0


def _reason(exc: Exception) -> str:
    """An error line without secrets (Slack errors carry only the error code)."""
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return f"slack: {exc.response.get('error') or exc.response.status_code}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
