"""Slash commands and the App Home (thin: ack, call the services, respond).

Every command acknowledges at once and does its work in a lazy listener, so Slack's 3-second
limit is never at risk. Every answer is built by ``bot.slack.blocks`` (escaped); every failure
becomes a helpful message, never a stack trace.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Callable
from datetime import date

from slack_bolt import App

from bot.services.card import bill_card
from bot.services.compare import compare
from bot.services.context import Context
from bot.services.digest import build_digest, digest_target, queue_digest
from bot.services.watchlist import parse_args
from bot.slack import blocks as bk
from bot.slack.escape import clip, escape_mrkdwn
from bot.slack.outbox import post_pending
from scrapers.errors import BadInput, LegiswatchError, NotFound
from scrapers.ids import parse_bill_id

log = logging.getLogger(__name__)
BILL_USAGE = "usage: /bill ID — e.g. /bill H.R. 2683, /bill hr2683-119, /bill S. 3519"
COMPARE_USAGE = ("usage: /compare A B — two text versions or bills, e.g. /compare hr2683-119-ih hr2683-119-eh, "
                 "/compare hr8152-118 hr2683-119")
DIGEST_USAGE = "usage: /digest (a preview for you) | /digest --since YYYY-MM-DD | /digest post (admins)"
WATCH_USAGE = ("usage: /watch list | /watch add BILL | /watch add --term \"TEXT\" | /watch add --agency SLUG | "
               "/watch add --feed URL | /watch remove …")
COMMANDS = ["/bill ID", "/watch list | add | remove", "/compare A B", "/digest [post]", "/ask QUESTION"]
SOMETHING_WRONG = "Something went wrong; the team can check `legiswatch status`."
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,20}$")


def split_args(text: str | None) -> list[str]:
    """Split command text like a shell (quotes group words); smart quotes count as quotes."""
    text = (text or "").replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'").strip()
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def is_admin(ctx: Context, user_id: str | None) -> bool:
    return bool(user_id) and user_id in ctx.settings.admin_ids


def guarded(respond, work: Callable[[], None], usage: str | None = None) -> None:
    """Run ``work``; bad input answers with the usage, anything else with a short apology."""
    try:
        work()
    except BadInput as exc:
        _reply(respond, bk.error(str(exc), usage))
    except NotFound as exc:
        _reply(respond, bk.error(str(exc)))
    except LegiswatchError as exc:
        log.warning("slack command failed: %s", exc)
        _reply(respond, bk.error(f"{clip(str(exc), 300)} — {SOMETHING_WRONG}"))
    except Exception:  # noqa: BLE001 — logged here; the user never sees a traceback
        log.exception("slack command failed")
        _reply(respond, bk.error(SOMETHING_WRONG))


def _reply(respond, msg: dict, *, public: bool = False) -> None:
    try:
        respond(text=msg["text"], blocks=msg.get("blocks"), response_type="in_channel" if public else "ephemeral")
    except Exception:  # noqa: BLE001 — an expired response_url must not raise out of a listener
        log.exception("could not answer through response_url")


def register(app: App, ctx: Context) -> None:
    """Add /bill, /watch, /compare, /digest and the App Home to ``app``."""

    # ---- /bill ---------------------------------------------------------------------------
    def ack_bill(ack, command):
        text = (command.get("text") or "").strip()
        try:
            bill = parse_bill_id(text, today=ctx.today())
        except BadInput as exc:
            msg = bk.error(str(exc) if text else "Which bill?", BILL_USAGE)
            return ack(text=msg["text"], blocks=msg["blocks"])
        ack(text=bk.notice(f"Looking up {bill.display}…")["text"])

    def answer_bill(respond, command):
        text = (command.get("text") or "").strip()
        try:
            parse_bill_id(text, today=ctx.today())
        except BadInput:
            return          # already answered in the ack

        def work():
            _reply(respond, bk.status_card(bill_card(ctx, text)), public=True)
        guarded(respond, work, BILL_USAGE)

    app.command("/bill")(ack=ack_bill, lazy=[answer_bill])

    # ---- /watch --------------------------------------------------------------------------
    def ack_now(ack):
        ack()

    def answer_watch(respond, command):
        guarded(respond, lambda: _watch(ctx, respond, command), WATCH_USAGE)

    app.command("/watch")(ack=ack_now, lazy=[answer_watch])

    # ---- /compare ------------------------------------------------------------------------
    def answer_compare(respond, command):
        guarded(respond, lambda: _compare(ctx, respond, command), COMPARE_USAGE)

    app.command("/compare")(ack=ack_now, lazy=[answer_compare])

    # ---- /digest -------------------------------------------------------------------------
    def answer_digest(respond, command, client):
        guarded(respond, lambda: _digest(ctx, respond, command, client), DIGEST_USAGE)

    app.command("/digest")(ack=ack_now, lazy=[answer_digest])

    # ---- App Home ------------------------------------------------------------------------
    @app.event("app_home_opened")
    def home(event, client):
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            client.views_publish(user_id=event["user"], view=bk.home_view(ctx.repo.watch_items(), COMMANDS))
        except Exception:  # noqa: BLE001
            log.exception("could not publish the App Home")


# ---- command bodies -----------------------------------------------------------------------

def _watch(ctx: Context, respond, command: dict) -> None:
    args = split_args(command.get("text"))
    action = args[0].lower() if args else ""
    if action in ("", "list", "ls"):
        _reply(respond, bk.watch_list(ctx.repo.watch_items()))
        return
    if action not in ("add", "remove", "rm"):
        raise BadInput(f"unknown action {clip(action, 40)!r}")
    user = command.get("user_id")
    if not is_admin(ctx, user):
        who = ", ".join(bk.user_ref(a) for a in sorted(ctx.settings.admin_ids))
        text = ("Only watchlist admins can add or remove items"
                + (f" — ask {who}." if who else " (none are set: LEGISWATCH_SLACK_ADMINS)."))
        _reply(respond, {"text": text, "blocks": [bk.section(f":no_entry: {text}"),
                                                   bk.context("Everyone can see the list: `/watch list`.")]})
        return
    spec = parse_args(args[1:], today=ctx.today())
    actor = f"slack:{user}"
    if action == "add":
        channel = command.get("channel_id") or ""
        channel = channel if _CHANNEL.match(channel) else None
        added = ctx.repo.add_watch(spec.kind, spec.value, label=spec.label, channel=channel, actor=actor)
        where = f"; alerts go to {bk.channel_ref(channel)}" if channel and added else ""
        verb = "Now watching" if added else "Already watching"
    else:
        removed = ctx.repo.remove_watch(spec.kind, spec.value, actor=actor)
        verb, where = ("Stopped watching", "") if removed else ("Not watched", "")
    text = f"{verb} {spec.kind} {spec.value}"
    log.info("watchlist: %s by %s", text, actor)
    _reply(respond, bk.message(text, [bk.section(escape_mrkdwn(text) + where)]))


def _compare(ctx: Context, respond, command: dict) -> None:
    text = (command.get("text") or "").strip()
    parts = [p.strip() for p in re.split(r"\s+(?:vs\.?|versus|to)\s+|,", text) if p.strip()]
    if len(parts) != 2:
        parts = split_args(text)
    if len(parts) != 2:
        raise BadInput("give two versions or bills" if text else "compare what?")
    result = compare(ctx, parts[0], parts[1])
    url = None
    base = ctx.settings.redline_base_url.rstrip("/")
    if base:
        url = f"{base}/redline/{result.a_id}/{result.b_id}"
    _reply(respond, bk.compare_result(result, redline_url=url), public=True)


def _digest(ctx: Context, respond, command: dict, client) -> None:
    args = split_args(command.get("text"))
    post = bool(args) and args[0].lower() == "post"
    rest = args[1:] if post else args
    since = None
    if rest:
        if rest[0] != "--since" or len(rest) != 2:
            raise BadInput(f"unexpected {clip(' '.join(rest), 60)!r}")
        try:
            since = date.fromisoformat(rest[1])
        except ValueError:
            raise BadInput(f"not a date: {clip(rest[1], 30)!r} (YYYY-MM-DD)") from None
    if post and not is_admin(ctx, command.get("user_id")):
        _reply(respond, bk.error("Only admins can post the digest; `/digest` shows you a preview."))
        return
    digest = build_digest(ctx, since=since)
    if not post:
        for msg in bk.digest_messages(digest):
            _reply(respond, msg)
        return
    target = digest_target(ctx)
    if target == "console":
        _reply(respond, bk.error("No channel to post to: set LEGISWATCH_DIGEST_CHANNEL."))
        return
    queued = queue_digest(ctx, digest, bk.digest_messages(digest))
    post_pending(ctx, client=client)
    text = (f"Digest posted to {bk.channel_ref(target)} ({queued} message{'s' if queued != 1 else ''})."
            if queued else "Today's digest was already posted.")
    _reply(respond, {"text": text, "blocks": [bk.section(text)]})
