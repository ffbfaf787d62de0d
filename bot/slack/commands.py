"""The command table's results as Slack messages, and the ``Call`` a Slack user makes.

Every message is built by ``bot.slack.blocks`` (escaped). Whether the answer is shown to the
channel or only to the caller comes from the table (``public``)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.commands.results import BillCards, BillMatches, DigestPosted, WatchChanged, WatchItems
from bot.commands.spec import SLACK, Call, Forbidden
from bot.services.answers import Answer
from bot.services.compare import CompareResult
from bot.services.context import Context
from bot.services.digest import Digest, digest_target, queue_digest
from bot.services.doc_card import DocCard
from bot.slack import blocks as bk
from bot.slack.ask import answer_message
from bot.slack.escape import clip, escape_mrkdwn
from bot.slack.outbox import post_pending
from scrapers.errors import BadInput

SOMETHING_WRONG = "Something went wrong; the team can check `legiswatch status`."


def is_admin(ctx: Context, user_id: str | None) -> bool:
    return bool(user_id) and user_id in ctx.settings.admin_ids


def slack_call(ctx: Context, command: dict, client: WebClient | None) -> Call:
    user = command.get("user_id")
    channel = command.get("channel_id") or ""
    channel = channel if bk.is_channel_id(channel) else None

    def post(digest: Digest) -> tuple[int, str]:
        target = digest_target(ctx)
        if target == "console":
            raise BadInput("No channel to post to: set LEGISWATCH_DIGEST_CHANNEL.")
        queued = queue_digest(ctx, digest)
        post_pending(ctx, client=client)
        return queued, target

    return Call(front=SLACK, actor=f"slack:{user}", admin=is_admin(ctx, user), channel=channel,
                thread=f"slack:{command.get('channel_id')}:{user}:ask", admins=tuple(sorted(ctx.settings.admin_ids)),
                post_digest=post, today=ctx.today())


def messages(ctx: Context, value, *, question: str = "") -> list[dict]:
    """The Slack messages for one command's result."""
    if isinstance(value, BillCards):
        return [bk.status_card(card) for card in value.cards]
    if isinstance(value, DocCard):
        return [bk.doc_card(value)]
    if isinstance(value, BillMatches):
        return [bk.bill_matches(value.query, value.matches, value.total)]
    if isinstance(value, WatchItems):
        return [bk.watch_list(value.items)]
    if isinstance(value, WatchChanged):
        where = f"; alerts go to {bk.channel_ref(value.channel)}" if value.channel else ""
        return [bk.message(value.text, [bk.section(escape_mrkdwn(value.text) + where)])]
    if isinstance(value, CompareResult):
        base = ctx.settings.redline_base_url.rstrip("/")
        url = f"{base}/redline/{value.a_id}/{value.b_id}" if base else None
        return [bk.compare_result(value, redline_url=url)]
    if isinstance(value, Digest):
        return bk.digest_messages(value)
    if isinstance(value, DigestPosted):
        text = (f"Digest posted to {bk.channel_ref(value.target)} ({value.queued} "
                f"message{'s' if value.queued != 1 else ''})." if value.queued else "Today's digest was already posted.")
        return [{"text": text, "blocks": [bk.section(text)]}]       # built from trusted parts only
    if isinstance(value, Answer):
        return [answer_message(value, question=question)]
    return [bk.notice(str(value))]


def forbidden(exc: Forbidden, admins: tuple[str, ...]) -> dict:
    """Who may do this instead, and what everyone can do."""
    who = ", ".join(bk.user_ref(a) for a in admins)
    if "digest" in str(exc):
        return bk.error(f"{exc}.")
    text = f"{exc}" + (f" — ask {who}." if who else " (none are set: LEGISWATCH_SLACK_ADMINS).")
    return {"text": text, "blocks": [bk.section(f":no_entry: {escape_mrkdwn(clip(text, 1500))}"),
                                     bk.context("Everyone can see the list: `/watch list`.")]}
