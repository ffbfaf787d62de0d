"""``legiswatch demo``: the Remote Access Security Act story, end to end, with no network.

The bundled recorded responses (``bot/sandbox/data``) are served on 127.0.0.1 by the same
sandbox the tests use; every source points at it, the clock is fixed at 2026-02-11 (the day a BIS
rule went on public inspection) and the first poll backfills from 2026-01-01, so the story's
alerts — the House vote, the new text, the BIS rules — are fresh. The terminal shows what the team
would see in Slack. The database is left behind for ``legiswatch chat``.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from bot.frontends.console import render_card, render_doc_card
from bot.runtime.delivery import flush
from bot.sandbox.government import GovSandbox
from bot.services.answers import answer
from bot.services.answers import render_text as render_answer
from bot.services.card import bill_card
from bot.services.compare import compare
from bot.services.config import mask_url_password
from bot.services.context import Context
from bot.services.digest import build_digest, render_text
from bot.services.doc_card import doc_card
from bot.services.pipeline import poll
from bot.services.reminders import raise_reminders
from bot.services.summaries import summarize_pending
from bot.services.watchlist import parse_args
from storage.db import make_engine, upgrade

log = logging.getLogger(__name__)

DEMO_DB = "legiswatch-demo.db"
DEMO_NOW = datetime(2026, 2, 11, 18, 0, tzinfo=UTC)      # 13:00 in Washington, after a BIS filing went on display
DEMO_SINCE = date(2026, 1, 1)                           # the first poll backfills the new year
DEMO_ALERT_DAYS = 45                                    # an empty database: the last 45 days count as news
DEMO_WATCHLIST = (["H.R. 2683 119th"], ["H.R. 8152 118th"], ["S. 3519 119th"], ["--term", "remote access"],
                  ["--agency", "industry-and-security-bureau"])
COMPARISONS = (("hr8152-118", "hr2683-119-ih"), ("hr2683-119-ih", "hr2683-119-eh"))
QUESTIONS = ("What is the status of the Remote Access Security Act?",
             "When did the BIS rule on advanced computing take effect?")


def demo_db_url(ctx: Context) -> str:
    """``LEGISWATCH_DB_URL`` when the user set it, else ``legiswatch-demo.db`` here."""
    if "db_url" in ctx.settings.model_fields_set:
        return ctx.settings.db_url
    return f"sqlite:///{DEMO_DB}"


def demo_context(ctx: Context, base_urls: dict[str, str]) -> Context:
    """The user's settings, with every source in the sandbox, console delivery, the offline
    summarizer, no seed watchlist, and the demo clock."""
    settings = ctx.settings.model_copy(update={
        **base_urls, "db_url": demo_db_url(ctx), "watchlist": os.devnull, "congress_api_key": "sandbox",
        "alert_max_age_days": DEMO_ALERT_DAYS,
        "slack_bot_token": "", "slack_app_token": "", "openai_api_key": "", "openai_base_url": ""})
    return Context(settings=settings, now_override=DEMO_NOW)


def _fresh(url: str) -> None:
    """Start the default demo database from scratch, so every run tells the whole story."""
    if url != f"sqlite:///{DEMO_DB}":
        return
    for suffix in ("", "-wal", "-shm"):
        Path(DEMO_DB + suffix).unlink(missing_ok=True)
    engine = make_engine(url)          # migrate now: the process may have migrated this URL before
    try:
        upgrade(url, engine)
    finally:
        engine.dispose()


class _Sections:
    def __init__(self, out: TextIO):
        self.out = out
        self.failed: list[str] = []

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def section(self, title: str, body: Callable[[], str | None]) -> None:
        self.say()
        self.say(f"━━ {title} " + "━" * max(3, 76 - len(title)))
        try:
            text = body()
        except Exception as exc:  # noqa: BLE001 — one missing piece never stops the demo
            log.debug("demo section %s failed", title, exc_info=True)
            self.failed.append(title)
            self.say(f"(not available: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
            return
        if text:
            self.say(text.rstrip())


def run_demo(ctx: Context, out: TextIO) -> int:
    """Replay the flagship story offline and print it; 0 even when a section is unavailable."""
    url = demo_db_url(ctx)
    _fresh(url)
    ui = _Sections(out)
    ui.say("legiswatch demo — the Remote Access Security Act (H.R. 2683), replayed offline")
    ui.say(f"Sources are served from bundled recorded responses on 127.0.0.1; the clock is fixed at "
           f"{DEMO_NOW:%Y-%m-%d %H:%M} UTC and the first poll backfills from {DEMO_SINCE}, so the last "
           f"{DEMO_ALERT_DAYS} days count as news.")
    with GovSandbox() as sandbox:
        demo = demo_context(ctx, sandbox.base_urls())
        try:
            ui.section("Watching", lambda: _watch(demo))
            ui.section("Polling every source", lambda: _poll(demo))
            ui.section("Summaries of what changed", lambda: _summaries(demo))
            ui.section("Alerts (what the alert channel would show)", lambda: _alerts(demo))
            ui.section("/bill H.R. 2683 — status card", lambda: _card(demo))
            for a, b in COMPARISONS:
                ui.section(f'What changed in "remote access": {a} → {b}', lambda a=a, b=b: _compare(demo, a, b))
            ui.section("/doc 2026-00789 — the BIS rule, and what it changed in 15 CFR (eCFR before/after)",
                       lambda: _doc(demo, "2026-00789"))
            ui.section("Weekly digest", lambda: _digest(demo))
            for q in QUESTIONS:
                ui.section(f"Q: {q}", lambda q=q: _ask(demo, q))
        finally:
            demo.close()
    ui.say()
    ui.say("━" * 80)
    ui.say(f"The demo database is kept: explore it with\n  LEGISWATCH_DB_URL={mask_url_password(url)} legiswatch chat")
    if ui.failed:
        ui.say(f"(sections not available yet: {', '.join(ui.failed)})")
    return 0


# ---- sections ---------------------------------------------------------------------------------

def _watch(ctx: Context) -> str:
    lines = []
    for args in DEMO_WATCHLIST:
        spec = parse_args(list(args), today=ctx.today())
        ctx.repo.add_watch(spec.kind, spec.value, label=spec.label, actor="demo")
        lines.append(f"  {spec.kind:<7} {spec.value}" + (f"  ({spec.label})" if spec.label != spec.value else ""))
    return "\n".join(lines)


def _poll(ctx: Context) -> str:
    lines = []
    for r in poll(ctx, since=DEMO_SINCE):
        state = f"{r.records} records, {len(r.changes)} changes" if r.ok else f"FAILED — {r.error}"
        lines.append(f"  {r.name:<18} {state}")
    return "\n".join(lines)


def _summaries(ctx: Context) -> str:
    n = summarize_pending(ctx, limit=500)
    reminders = raise_reminders(ctx)
    return (f"  {n} change summaries written by the offline summarizer (set OPENAI_API_KEY or OPENAI_BASE_URL "
            f"to use an LLM); {len(reminders)} deadline reminders")


def _alerts(ctx: Context) -> str:

    buf = io.StringIO()
    n = flush(ctx, console=buf)
    return buf.getvalue() + f"\n({n} alerts)"


def _card(ctx: Context) -> str:
    return render_card(bill_card(ctx, "hr2683-119"))


def _compare(ctx: Context, a: str, b: str) -> str:
    return compare(ctx, a, b).text()


def _doc(ctx: Context, number: str) -> str:
    return render_doc_card(doc_card(ctx, number))


def _digest(ctx: Context) -> str:
    return render_text(build_digest(ctx))


def _ask(ctx: Context, question: str) -> str:
    return render_answer(answer(ctx, question, where="cli"))
