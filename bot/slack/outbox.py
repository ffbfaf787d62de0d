"""Outbox delivery to Slack: pending deliveries for Slack channels → ``chat.postMessage``.

Each delivery row is unique per (target, purpose, ref), so an alert is queued once; here each is
*claimed* before it is posted and marked sent after, so it is posted once even across restarts
and with several instances (``bot/services/outbox.py``: one flush at a time, stale claims
released). Console deliveries are printed by ``bot/runtime/delivery.py``. Alerts pending for one channel go out as one grouped
message; posting is paced to one message per second per channel; a 429 is honoured
(``Retry-After``: a short wait inline, a long one as the delivery's ``not_before``); other errors
back off and give up after ``MAX_ATTEMPTS``.

Exactly once across crashes: every message carries its idempotency key in Slack message
``metadata`` (``event_type`` ``legiswatch_delivery``, ``event_payload.key``; an alert group also
lists each alert's part key in ``event_payload.keys``). A delivery tried before (its claimant
died between Slack's receipt and the commit, or a post failed) is looked up in the channel's
recent history (``conversations.history`` with ``include_all_metadata``) before it is posted
again: found, it is marked sent with the ``ts`` Slack has; not found, posted. Where the lookup is
impossible (no ``channels:history``/``groups:history`` scope, a channel the bot cannot read) the
message is re-posted with a visible "(resent)" marker and a warning is logged — never dropped. A
post to a public channel the bot is not in joins it (``conversations.join``) and posts again.
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
from bot.services.outbox import DIGEST, RENDERED, keep_lease, outbox_lease, parts_of, posted_keys
from bot.slack import blocks as bk
from storage.repo import ChangeInfo
from storage.repo.base import utcnow

log = logging.getLogger(__name__)
PACE_SECONDS = 1.0               # chat.postMessage: about one message per second per channel
INLINE_RETRY_MAX = 3.0           # a Retry-After up to this is waited out within the flush
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)
FALLBACK_ERRORS = {"invalid_blocks", "msg_blocks_too_long", "invalid_blocks_format"}
EVENT_TYPE = "legiswatch_delivery"
RESENT = "(resent)"
HISTORY_MARGIN = timedelta(minutes=2)     # looked up from the earlier claim minus this
HISTORY_PAGES = 5                        # at most 5 × 200 recent messages

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
    history = _History(web, target, deliveries)
    for batch, msg, group_ref in jobs:
        claimed = [d for d in batch if repo.claim_delivery(d["id"])]
        if not claimed:
            continue
        resent = False
        if any(history.tried(d) for d in claimed):
            found = history.keys()
            if found is None:
                resent = True
            else:
                already = [d for d in claimed if _part_key(d) in found]
                for d in already:
                    repo.delivery_sent([d["id"]], slack_ts=found[_part_key(d)])
                    log.info("outbox: %s already in %s (ts %s); not posted again", _part_key(d), target,
                             found[_part_key(d)])
                sent += len(already)
                claimed = [d for d in claimed if d not in already]
                if not claimed:
                    continue
        ids = [d["id"] for d in claimed]
        if len(claimed) != len(batch):       # another instance took some (or Slack has them): render what is left
            msg = _alert_message(repo, AlertGroup(target, claimed, [changes.get(d["change_id"]) for d in claimed]))
        keys = [_part_key(d) for d in claimed]
        meta = {"key": keys[0] if len(keys) == 1 else f"group:{target}:{','.join(map(str, ids))}", "keys": keys}
        if resent:
            msg = _resent(msg, target, keys)
        try:
            keep_lease(ctx)
            ts = _post(web, target, msg, sleep, meta)
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
    tried = d["attempts"] > 0
    if not repo.claim_delivery(d["id"]):
        return 0
    done = posted_keys(d)
    ts = d.get("slack_ts")
    found = _History(web, target, [d]).keys() if tried else {}
    try:
        for p in parts_of(d):
            for n, msg in enumerate(slack_messages(p), start=1):
                key = f"{p['key']}#{n}"
                if key in done:
                    continue
                if found is not None and key in found:
                    log.info("outbox: %s already in %s (ts %s); not posted again", key, target, found[key])
                    ts = found[key]
                else:
                    keep_lease(ctx)
                    ts = _post(web, target, _resent(msg, target, [key]) if found is None else msg, sleep,
                               {"key": key, "keys": [key]}) or ts
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


def _part_key(d: dict) -> str:
    parts = parts_of(d)
    return parts[0]["key"] if parts else f"{d['purpose']}:{d['target']}:{d['ref']}"


def _resent(msg: dict, target: str, keys: list[str]) -> dict:
    """The message marked as possibly sent before (the history lookup was impossible)."""
    log.warning("outbox: cannot read %s's history to check whether Slack already has %s; "
                "posting again marked %s", target, ", ".join(keys), RESENT)
    blocks = msg.get("blocks") or []
    marked = {"text": f"{RESENT} {msg.get('text') or ''}".strip()}
    if blocks:
        marked["blocks"] = [bk.context(f"_{RESENT}_ this may repeat a message sent before a restart"), *blocks]
    return marked


class _History:
    """The idempotency keys a channel's recent messages carry (looked up once, only when needed)."""

    def __init__(self, web: WebClient, channel: str, deliveries: list[dict]) -> None:
        self.web, self.channel = web, channel
        stamps = [d.get("claimed_at") or d.get("created_at") for d in deliveries if self.tried(d)]
        stamps = [s for s in stamps if s is not None]
        self.oldest = (min(stamps) - HISTORY_MARGIN) if stamps else None
        self._keys: dict[str, str] | None = None
        self._looked = False

    @staticmethod
    def tried(d: dict) -> bool:
        return d["attempts"] > 0

    def keys(self) -> dict[str, str] | None:
        """key → ts of the messages Slack has; None when the history cannot be read."""
        if not self._looked:
            self._looked = True
            self._keys = _history_keys(self.web, self.channel, self.oldest)
        return self._keys


def _history_keys(web: WebClient, channel: str, oldest: datetime | None) -> dict[str, str] | None:
    found: dict[str, str] = {}
    cursor, joined = None, False
    for _ in range(HISTORY_PAGES):
        kwargs = {"channel": channel, "limit": 200, "include_all_metadata": True}
        if oldest is not None:
            kwargs["oldest"] = f"{oldest.timestamp():.6f}"
        if cursor:
            kwargs["cursor"] = cursor
        try:
            resp = web.conversations_history(**kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error == "not_in_channel" and not joined and _join(web, channel):
                joined = True
                continue
            log.warning("outbox: conversations.history for %s failed (%s)", channel, error or exc)
            return None
        except Exception as exc:  # noqa: BLE001 — treated as unreadable: the message is resent, marked
            log.warning("outbox: conversations.history for %s failed (%s)", channel, _reason(exc))
            return None
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            if meta.get("event_type") != EVENT_TYPE:
                continue
            payload = meta.get("event_payload") or {}
            for key in [payload.get("key"), *(payload.get("keys") or [])]:
                if isinstance(key, str):
                    found.setdefault(key, m.get("ts"))
        cursor = ((resp.get("response_metadata") or {}).get("next_cursor")) or None
        if not resp.get("has_more") or not cursor:
            break
    return found


def _join(web: WebClient, channel: str) -> bool:
    """Join a public channel (``channels:join``); False when Slack refuses (a private channel…)."""
    try:
        web.conversations_join(channel=channel)
    except SlackApiError as exc:
        log.warning("outbox: could not join %s (%s)", channel,
                    exc.response.get("error") if exc.response is not None else exc)
        return False
    log.info("outbox: joined %s to post there", channel)
    return True


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


def _post(web: WebClient, channel: str, msg: dict, sleep: Callable[[float], None],
          meta: dict | None = None) -> str | None:
    """chat.postMessage, paced per channel, carrying ``meta`` (the idempotency keys) as message
    metadata; one inline retry for a short Retry-After, one text-only retry when Slack rejects
    the blocks, and one after joining a public channel the bot is not in."""
    retried_429 = joined = False
    use_blocks = bool(msg.get("blocks"))
    while True:
        _pace(web.base_url, channel, sleep)
        try:
            kwargs = {"channel": channel, "text": msg.get("text") or " ", "unfurl_links": False,
                      "unfurl_media": False}
            if use_blocks:
                kwargs["blocks"] = msg["blocks"]
            if meta:
                kwargs["metadata"] = {"event_type": EVENT_TYPE, "event_payload": meta}
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
            if exc.response is not None and exc.response.get("error") == "not_in_channel" and not joined:
                joined = True
                if _join(web, channel):
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
