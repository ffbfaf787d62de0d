"""Questions in Slack: @mentions (answered in the mention's thread) and direct
messages. Thin listeners over ``bot.services.answers``; every piece of text from outside (the question,
titles, quotes, the answer itself) is escaped, and links come only from stored http(s) URLs.

Slack retries an event it thinks was not delivered; the app's event-id dedupe drops those, and
each message is also answered at most once by its own ``(channel, ts)`` key, so a mention that
arrives twice under different event ids still gets one answer.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.services.answers import EXTRACTIVE, Answer, answer
from bot.services.context import Context
from bot.services.retrieval import clean_question, day
from bot.slack import blocks as bk
from bot.slack.escape import clip, escape_mrkdwn, link

log = logging.getLogger(__name__)
SORRY = "Something went wrong while answering; the team can check `legiswatch status`."
MAX_SOURCES = 8


def answer_message(a: Answer, *, question: str | None = None) -> dict:
    """The answer as a Slack message: the text, the numbered sources (linked, with fetch dates)
    and how it was produced."""
    blocks = []
    if question:
        blocks.append(bk.context(f"*Q:* {escape_mrkdwn(clip(question, 500))}"))
    blocks.append(bk.section(escape_mrkdwn(clip(a.text, 2900))))
    lines = []
    for c in a.citations[:MAX_SOURCES]:
        ref = f" — {escape_mrkdwn(clip(c.ref, 160))}" if c.ref and c.ref != c.url else ""
        fetched = f" · fetched {day(c.fetched_at)}" if c.fetched_at else ""
        lines.append(f"[{c.n}] {link(c.url, clip(c.title, 160))}{ref}{fetched}")
    if lines:
        blocks.append(bk.section("*Sources*\n" + "\n".join(lines)))
    how = ("From the stored record (no AI)" if a.model == EXTRACTIVE
           else f"Written by {escape_mrkdwn(clip(a.model, 60))} from the sources above and checked against them")
    if a.as_of:
        how += f" · as of {day(a.as_of)}"
    blocks.append(bk.context(how))
    return bk.message(a.text, blocks)


def _safe_answer(ctx: Context, text: str, *, thread: str, question: str | None = None) -> dict:
    try:
        return answer_message(answer(ctx, text, where="slack", thread=thread), question=question)
    except Exception:  # noqa: BLE001 — logged; the asker gets a short apology, never a traceback
        log.exception("answering %r failed", text[:80])
        return bk.error(SORRY)


def _post_answer(ctx: Context, client, event: dict, *, thread_ts: str | None, thread: str) -> None:
    """Answer one message event once (by channel + ts), in ``thread_ts`` when given."""
    channel, ts = event.get("channel"), event.get("ts")
    if not channel or not ts:
        return
    if not ctx.repo.first_time_event(f"ask:{channel}:{ts}"):
        log.info("message %s/%s was already answered", channel, ts)
        return
    msg = _safe_answer(ctx, clean_question(event.get("text")), thread=thread)
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=msg["text"], blocks=msg["blocks"],
                                unfurl_links=False, unfurl_media=False)
    except Exception:  # noqa: BLE001 — Slack refused or is down; logged for review
        log.exception("could not post the answer to %s/%s", channel, ts)


def _is_direct_message(event: dict) -> bool:
    return (event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype")
            and bool((event.get("text") or "").strip()))


def register(app: App, ctx: Context) -> None:
    """Add the ``app_mention`` and direct-message listeners to ``app`` (``/ask`` is a command of
    the table, registered by ``bot.slack.listeners``)."""


    @app.event("app_mention")
    def on_mention(event, client):
        thread_ts = event.get("thread_ts") or event.get("ts")
        _post_answer(ctx, client, event, thread_ts=thread_ts, thread=f"slack:{event.get('channel')}:{thread_ts}")

    @app.event("message", matchers=[lambda event: _is_direct_message(event)])
    def on_direct_message(event, client):
        thread_ts = event.get("thread_ts")       # a DM is one conversation unless the user opened a thread
        key = f"slack:{event.get('channel')}" + (f":{thread_ts}" if thread_ts else "")
        _post_answer(ctx, client, event, thread_ts=thread_ts, thread=key)
