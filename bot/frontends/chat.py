"""``legiswatch chat``: a terminal conversation over the same command table as the CLI and Slack.

Each line is a question (answered from the stored record, with sources) or a command from the
table — ``/bill``, ``/watch`` (the terminal user is trusted), ``/compare``, ``/digest``,
``/status``, ``/ask`` — each with ``--help``. Typed at a terminal, lines can be edited and
recalled (``readline``: arrows, Ctrl-R). ``help`` lists the commands, ``clear`` clears the screen
and starts a new conversation, ``quit``/``exit`` (or end of input) leave. The session is one
conversation thread, so follow-ups ("and in the Senate?") keep their subject; an error prints
one line and the conversation goes on.
"""

from __future__ import annotations

import logging
import os
import readline
import uuid
from pathlib import Path
from typing import TextIO

from bot.commands import table
from bot.commands.parse import parse_text, usage_for
from bot.commands.run import execute
from bot.commands.spec import CHAT, Call, HelpRequested, message_for
from bot.frontends.console import render
from bot.services.context import Context
from scrapers.errors import BadInput, LegiswatchError

log = logging.getLogger(__name__)
MAX_LINE = 2000
QUIT = ("exit", "quit", "/exit", "/quit", "bye")
HELP_WORDS = ("help", "/help", "?")
CLEAR = ("clear", "/clear")
HISTORY = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "legiswatch" / "chat_history"


def help_text() -> str:
    lines = ["Ask a question about bills, Federal Register documents or the news, e.g.",
             "  What is the status of H.R. 2683?    When do comments close on 2026-01234?",
             "or use a command (each has --help):"]
    for command in table.offered(CHAT):
        subs = [c for c in command.subcommands if c.offered(CHAT)]
        for usage, what in ([(f"/{command.name} {c.name}", c.help) for c in subs] if subs else
                            [(usage_for(command, CHAT).removeprefix("usage: "), command.help)]):
            lines.append(f"  {usage:<32} {what}")
    lines += ["  help · clear (a new conversation) · quit"]
    return "\n".join(lines)


def handle(ctx: Context, line: str, session: str) -> str:
    """The reply to one line of the conversation (raises LegiswatchError for bad input)."""
    call = Call(front=CHAT, actor="chat", admin=True, thread=session, today=ctx.today())
    if not line.startswith("/"):
        command, rest = table.lookup("ask"), line
    else:
        name, _, rest = line.partition(" ")
        command = table.lookup(name)
        if command is None or not command.offered(CHAT):
            names = ", ".join(f"/{c.name}" for c in table.offered(CHAT))
            raise BadInput(f"unknown command {name} (commands: {names}; anything else is a question)")
    try:
        args = parse_text(command, rest, CHAT)
    except HelpRequested as shown:
        return shown.text.rstrip()
    return render(execute(command, args, ctx, call).value, front=CHAT)


def _reader(stdin: TextIO, interactive: bool):
    """Lines from ``stdin``; at a terminal through ``input()``, so readline edits and recalls them."""
    if not interactive:
        return lambda: stdin.readline()

    def read() -> str:
        try:
            return input("> ") + "\n"
        except EOFError:
            return ""
    return read


def _load_history() -> None:
    try:
        readline.read_history_file(HISTORY)
    except OSError:
        pass
    readline.set_history_length(1000)


def _save_history() -> None:
    try:
        HISTORY.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(HISTORY)
    except OSError:
        log.debug("chat history not saved to %s", HISTORY, exc_info=True)


def run_chat(ctx: Context, stdin: TextIO, stdout: TextIO) -> int:
    """Read lines until quit/exit/EOF, answering each on ``stdout``; returns 0."""
    session = f"chat:{uuid.uuid4().hex[:12]}"
    interactive = bool(getattr(stdin, "isatty", lambda: False)()) and bool(getattr(stdout, "isatty", lambda: False)())
    if interactive:
        _load_history()
    read = _reader(stdin, interactive)
    print("legiswatch chat — ask a question, or help for the commands; quit to leave.", file=stdout)
    try:
        while True:
            line = read()
            if not line:
                break
            line = " ".join(line.split())[:MAX_LINE]
            if not line:
                continue
            word = line.lower()
            if word in QUIT:
                break
            if word in HELP_WORDS:
                reply = help_text()
            elif word in CLEAR:
                session = f"chat:{uuid.uuid4().hex[:12]}"
                if interactive:
                    print("\033[H\033[2J", end="", file=stdout)
                reply = "(a new conversation: earlier questions are forgotten)"
            else:
                reply = _answer(ctx, line, session)
            print(reply, file=stdout)
            print(file=stdout, flush=True)
    finally:
        if interactive:
            _save_history()
    print("bye", file=stdout, flush=True)
    return 0


def _answer(ctx: Context, line: str, session: str) -> str:
    try:
        return handle(ctx, line, session)
    except LegiswatchError as exc:
        log.info("chat: %s: %s", line[:80], exc)
        return _as_error(message_for(exc))
    except Exception as exc:  # noqa: BLE001 — the conversation goes on
        log.exception("chat: %s failed", line[:80])
        return f"error: something went wrong ({type(exc).__name__}); the conversation goes on"


def _as_error(message: str) -> str:
    return message if message.startswith("error: ") else f"error: {message}"
