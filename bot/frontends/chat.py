"""``legiswatch chat``: a terminal conversation with the same services as Slack.

Each line is a question (answered from the stored record, with sources) or a command:
``/bill ID``, ``/watch list|add|remove …`` (the terminal user is trusted), ``/compare A B``,
``/digest [--since DATE]``, ``/ask QUESTION``, ``/help``. The session is one conversation
thread, so follow-ups ("and in the Senate?") keep their subject. ``exit``, ``quit`` or end of
input leave; an error prints one line and the conversation goes on.
"""

from __future__ import annotations

import logging
import shlex
import uuid
from datetime import date
from typing import TextIO

from bot.frontends.console import render_card
from bot.services.answers import answer, render_text
from bot.services.card import bill_card
from bot.services.compare import compare
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.digest import render_text as render_digest
from bot.services.watchlist import USAGE, parse_args
from scrapers.errors import BadInput, LegiswatchError, NotFound

log = logging.getLogger(__name__)
MAX_LINE = 2000
HELP = """Ask a question about bills, Federal Register documents or the news, e.g.
  What is the status of H.R. 2683?    When do comments close on 2026-01234?
or use a command:
  /bill ID                  the status card (e.g. /bill hr2683-119)
  /watch list | add … | remove …   the watchlist (add BILL, --term "TEXT", --agency SLUG, --feed URL)
  /compare A B              what changed between two versions or bills
  /digest [--since DATE]    the digest preview
  /ask QUESTION             a question (same as typing it)
  exit                      leave"""
COMMANDS = ("/bill", "/watch", "/compare", "/digest", "/ask", "/help")


def split_args(text: str) -> list[str]:
    """Shell-like words (quotes group); smart quotes count as quotes; unbalanced quotes are tolerated."""
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _watch(ctx: Context, args: list[str]) -> str:
    action = args[0].lower() if args else "list"
    if action in ("list", "ls"):
        items = ctx.repo.watch_items()
        if not items:
            return "The watchlist is empty (/watch add BILL | --term TEXT | --agency SLUG | --feed URL)."
        return "\n".join(f"{i['kind']:<7} {i['value']}" + (f"  ({i['label']})" if i["label"] and i["label"] != i["value"]
                                                           else "") for i in items)
    if action not in ("add", "remove", "rm"):
        raise BadInput(f"unknown watch action {action!r} ({USAGE})")
    spec = parse_args(args[1:], today=ctx.today())
    if action == "add":
        added = ctx.repo.add_watch(spec.kind, spec.value, label=spec.label, actor="chat")
        return f"{'Now watching' if added else 'Already watching'} {spec.kind} {spec.value}"
    removed = ctx.repo.remove_watch(spec.kind, spec.value, actor="chat")
    return f"{'Stopped watching' if removed else 'Not watched:'} {spec.kind} {spec.value}"


def _compare(ctx: Context, args: list[str]) -> str:
    if len(args) != 2:
        raise BadInput("usage: /compare A B (e.g. /compare hr2683-119-ih hr2683-119-eh)")
    return compare(ctx, args[0], args[1]).text()


def _digest(ctx: Context, args: list[str]) -> str:
    since = None
    if args:
        if args[0] != "--since" or len(args) != 2:
            raise BadInput("usage: /digest [--since YYYY-MM-DD]")
        try:
            since = date.fromisoformat(args[1])
        except ValueError:
            raise BadInput(f"not a date: {args[1]!r} (YYYY-MM-DD)") from None
    return render_digest(build_digest(ctx, since=since))


def _question(ctx: Context, text: str, session: str) -> str:
    if not text.strip():
        raise BadInput("ask a question, e.g. /ask What is the status of H.R. 2683?")
    return render_text(answer(ctx, text, where="chat", thread=session))


def handle(ctx: Context, line: str, session: str) -> str:
    """The reply to one line of the conversation (raises LegiswatchError for bad input)."""
    if not line.startswith("/"):
        return _question(ctx, line, session)
    name, _, rest = line.partition(" ")
    name = name.lower()
    if name == "/help":
        return HELP
    if name == "/ask":
        return _question(ctx, rest, session)
    if name == "/bill":
        if not rest.strip():
            raise BadInput("usage: /bill ID (e.g. /bill hr2683-119, /bill H.R. 2683, /bill S. 3519)")
        return render_card(bill_card(ctx, rest.strip()))
    args = split_args(rest)
    if name == "/watch":
        return _watch(ctx, args)
    if name == "/compare":
        return _compare(ctx, args)
    if name == "/digest":
        return _digest(ctx, args)
    raise BadInput(f"unknown command {name} (commands: {', '.join(COMMANDS)}; anything else is a question)")


def run_chat(ctx: Context, stdin: TextIO, stdout: TextIO) -> int:
    """Read lines from ``stdin`` until exit/EOF, answering each on ``stdout``; returns 0."""
    session = f"chat:{uuid.uuid4().hex[:12]}"
    interactive = bool(getattr(stdin, "isatty", lambda: False)())
    print("legiswatch chat — ask a question, or /help for the commands; exit to leave.", file=stdout)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        line = " ".join(line.split())[:MAX_LINE]
        if not line:
            continue
        if line.lower() in ("exit", "quit", "/exit", "/quit", "bye"):
            break
        try:
            reply = handle(ctx, line, session)
        except (BadInput, NotFound) as exc:
            reply = f"error: {exc}"
        except LegiswatchError as exc:
            log.warning("chat: %s failed: %s", line[:80], exc)
            reply = f"error: {exc}"
        except Exception as exc:  # noqa: BLE001 — the conversation goes on
            log.exception("chat: %s failed", line[:80])
            reply = f"error: something went wrong ({type(exc).__name__}); the conversation goes on"
        print(reply, file=stdout)
        print(file=stdout, flush=True)
    print("bye", file=stdout, flush=True)
    return 0
