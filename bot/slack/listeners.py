"""Slash commands and the App Home: one listener pair per command of the table (thin: parse, ack,
run, respond).

Every command acknowledges at once — with its usage when the words do not parse, with its help
for ``--help``, else with a short notice ("Looking up H.R. 2683 (119th)…") — and does its work
in a lazy listener, so Slack's 3-second limit is never at risk. Every answer is rendered by
``bot.slack.commands`` (escaped); every failure becomes a helpful message, never a stack trace.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.commands import table
from bot.commands.parse import parse_text, usage_for
from bot.commands.run import check, execute
from bot.commands.spec import SLACK, Command, Forbidden, HelpRequested
from bot.services.context import Context
from bot.slack import blocks as bk
from bot.slack.commands import SOMETHING_WRONG, forbidden, messages, slack_call
from bot.slack.escape import clip, code_block
from scrapers.errors import BadInput, LegiswatchError, NotFound

log = logging.getLogger(__name__)


def command_list() -> list[str]:
    """The commands as the App Home lists them."""
    return [usage_for(c, SLACK).removeprefix("usage: ") for c in table.offered(SLACK)]


def _reply(respond, msg: dict, *, public: bool = False) -> None:
    try:
        respond(text=msg["text"], blocks=msg.get("blocks"), response_type="in_channel" if public else "ephemeral")
    except Exception:  # noqa: BLE001 — an expired response_url must not raise out of a listener
        log.exception("could not answer through response_url")


def _help_message(text: str) -> dict:
    body = clip(text.strip(), 2800)
    return bk.message(text.strip().splitlines()[0], [bk.section(f"```{code_block(body)}```")])


def error_message(ctx: Context, exc: BaseException, usage: str, admins: tuple[str, ...] = ()) -> dict:
    if isinstance(exc, Forbidden):
        return forbidden(exc, admins)
    if isinstance(exc, BadInput):
        return bk.error(str(exc), usage)
    if isinstance(exc, NotFound):
        return bk.error(str(exc))
    if isinstance(exc, LegiswatchError):
        log.warning("slack command failed: %s", exc)
        return bk.error(f"{clip(str(exc), 300)} — {SOMETHING_WRONG}")
    log.error("slack command failed", exc_info=exc)
    return bk.error(SOMETHING_WRONG)


def register_command(app: App, ctx: Context, command: Command) -> None:
    usage = usage_for(command, SLACK)

    def acknowledge(ack, command_body, client=None):
        call = slack_call(ctx, command_body, client)
        try:
            args = parse_text(command, command_body.get("text"), SLACK)
            notice = check(command, args, ctx, call)
        except HelpRequested as shown:
            msg = _help_message(shown.text)
            return ack(text=msg["text"], blocks=msg["blocks"])
        except Exception as exc:  # noqa: BLE001 — answered in the ack, never a 500
            msg = error_message(ctx, exc, usage, call.admins)
            return ack(text=msg["text"], blocks=msg["blocks"])
        if notice:
            return ack(text=bk.notice(notice)["text"])
        return ack()

    def answer(respond, command_body, client):
        call = slack_call(ctx, command_body, client)
        try:
            args = parse_text(command, command_body.get("text"), SLACK)
            check(command, args, ctx, call)
        except Exception:  # noqa: BLE001 — already answered in the ack
            return
        try:
            outcome = execute(command, args, ctx, call)
            question = " ".join(getattr(args, "question", []) or [])
            for msg in messages(ctx, outcome.value, question=question):
                _reply(respond, msg, public=command.public)
        except Exception as exc:  # noqa: BLE001 — logged; the user never sees a traceback
            _reply(respond, error_message(ctx, exc, usage, call.admins))

    # Bolt passes listener arguments by name: ``command`` is the slash command's payload
    app.command(f"/{command.name}")(
        ack=lambda ack, command, client: acknowledge(ack, command, client),
        lazy=[lambda respond, command, client: answer(respond, command, client)])


def register(app: App, ctx: Context) -> None:
    """A slash command for every command of the table offered in Slack, and the App Home."""
    for command in table.offered(SLACK):
        register_command(app, ctx, command)

    @app.event("app_home_opened")
    def home(event, client):
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            client.views_publish(user_id=event["user"], view=bk.home_view(ctx.repo.watch_items(), command_list()))
        except Exception:  # noqa: BLE001
            log.exception("could not publish the App Home")
