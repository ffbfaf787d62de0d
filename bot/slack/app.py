"""The Bolt app: the Web API client, event dedupe, the listeners.

``build_app`` is transport-agnostic: ``bot.slack.server`` serves it over HTTP (signed requests,
``POST /slack/events``) and ``bot.slack.socket`` over Socket Mode.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.services.config import mask_url_password
from bot.services.context import Context
from bot.slack import ask, listeners
from scrapers.errors import LegiswatchError

log = logging.getLogger(__name__)
RECENT_EVENTS = 10_000      # event ids remembered in memory (Slack retries within minutes)


class _ClientGivenOnPurpose(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN "will be unused" whenever a client is passed while the
    variable is set — always, here: the client carries that same token and our base URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


BOLT_LOG = logging.getLogger("bot.slack.bolt")
if not any(isinstance(f, _ClientGivenOnPurpose) for f in BOLT_LOG.filters):
    BOLT_LOG.addFilter(_ClientGivenOnPurpose())


class SlackUnavailable(LegiswatchError):
    """Slack could not be used: the token was refused, or the Web API could not be reached."""


def make_client(ctx: Context) -> WebClient:
    """A WebClient for the configured workspace that retries connection errors and honours 429s."""
    s = ctx.settings
    return WebClient(token=s.slack_bot_token or None, base_url=s.slack_api_url,
                     retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2),
                                     RateLimitErrorRetryHandler(max_retry_count=3)])


def build_app(ctx: Context, *, client: WebClient | None = None, token_verification: bool = True,
              listener_executor: ThreadPoolExecutor | None = None) -> App:
    """The Bolt ``App`` with every listener registered.

    ``client`` defaults to :func:`make_client`; ``token_verification`` (``auth.test`` at start)
    can be turned off for offline tools; ``listener_executor`` runs the listeners (a pool of 8
    threads by default). Events API deliveries are deduplicated by ``event_id`` (in memory and in
    the database), so Slack's retries and duplicate deliveries are answered 200 and dropped; the
    ack never writes (the id is recorded in the listener pool), so it never waits behind a poll."""
    client = client or make_client(ctx)
    secret = ctx.settings.slack_signing_secret
    _ = ctx.repo   # open (and migrate) the database now, on this thread, not inside a listener
    pool = listener_executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack-listener")
    try:
        app = App(client=client, signing_secret=secret or None, process_before_response=False,
                  token_verification_enabled=token_verification, request_verification_enabled=bool(secret),
                  ignoring_self_events_enabled=True, logger=BOLT_LOG,
                  listener_executor=pool)
    except BoltError as exc:            # auth.test answered: the token is wrong, revoked or of another kind
        reason = str(exc).split("'error': '")[-1].split("'")[0] if "'error': '" in str(exc) else "refused"
        raise SlackUnavailable(f"Slack refused SLACK_BOT_TOKEN ({reason}): check the bot token (xoxb-…) of the "
                               "installed app, or reinstall it (docs/slack.md)") from None
    except OSError as exc:              # auth.test never answered: DNS, refused, TLS, proxy…
        raise SlackUnavailable(f"Slack is unreachable at {mask_url_password(client.base_url)} "
                               f"({getattr(exc, 'reason', exc)}): check the network, a proxy, or "
                               "LEGISWATCH_SLACK_API_URL") from None
    recent: OrderedDict[str, None] = OrderedDict()     # event ids this process has taken (retries in flight)
    guard = threading.Lock()

    def remember(event_id: str) -> None:
        try:
            ctx.repo.first_time_event(event_id)     # in the listener pool: may wait for a poll's write, after the ack
        except Exception:  # noqa: BLE001 — the id stays known to this process
            log.exception("could not record Slack event %s", event_id)

    @app.middleware
    def dedupe_events(body, next):  # noqa: A002 — Bolt passes ``next`` by this name
        # On PostgreSQL the id is claimed here, exactly (an insert on its unique key waits only for
        # another instance claiming the same id, never behind a poll's other writes). On SQLite
        # nothing here writes, so the ack never waits behind a poll's write lock: a retry is dropped
        # when this process has taken the id or the database has it (a deferred read), and the id
        # is recorded in the listener pool; acting is claimed once more where it matters (an
        # answer's ``ask:`` key).
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id:
            event_id = str(event_id)[:128]
            with guard:
                duplicate = event_id in recent
                recent[event_id] = None
                while len(recent) > RECENT_EVENTS:
                    recent.popitem(last=False)
            if not duplicate and ctx.repo.dialect == "postgresql":
                try:
                    duplicate = not ctx.repo.first_time_event(event_id)
                except Exception:  # noqa: BLE001 — a database hiccup must not drop the event
                    log.exception("event dedupe failed for %s; handling it anyway", event_id)
                if duplicate:
                    log.info("duplicate delivery of event %s dropped", event_id)
                    return BoltResponse(status=200, body="")
                return next()
            if not duplicate:
                try:
                    duplicate = ctx.repo.event_seen(event_id)
                except Exception:  # noqa: BLE001 — a database hiccup must not drop the event
                    log.exception("event dedupe failed for %s; handling it anyway", event_id)
            if duplicate:
                log.info("duplicate delivery of event %s dropped", event_id)
                return BoltResponse(status=200, body="")
            pool.submit(remember, event_id)
        return next()

    @app.error
    def on_error(error):
        log.error("unhandled error in a Slack listener: %s: %s", type(error).__name__, error, exc_info=error)

    listeners.register(app, ctx)
    ask.register(app, ctx)
    return app
