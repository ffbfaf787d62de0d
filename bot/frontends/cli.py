"""The ``legiswatch`` command: the command table (``bot/commands``) plus the commands that only a
terminal has. Bad input: one clear line on stderr, exit 2; never a traceback. Output into a
closed pipe (``legiswatch status | head -1``) ends quietly."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot import __version__
from bot.commands import table
from bot.commands.parse import CommandParser, add_arguments, describe, usage_for
from bot.commands.spec import (
    CHAT,
    CLI,
    EXIT_BAD,
    EXIT_OK,
    SLACK,
    Arg,
    Command,
    HelpRequested,
    exit_code_for,
    message_for,
)
from bot.frontends import commands
from scrapers.errors import LegiswatchError

log = logging.getLogger("legiswatch")
EXIT_PIPE = 128 + 13                  # as a shell reports a process ended by SIGPIPE

CLI_ONLY: tuple[Command, ...] = (
    Command("config", "effective settings, secrets masked", run="config", fronts=frozenset({CLI})),
    Command("db", "the database", fronts=frozenset({CLI}), subcommands=(
        Command("upgrade", "apply migrations (the program also does this on start)", run="db_upgrade",
                fronts=frozenset({CLI})),)),
    Command("poll", "poll all sources once, or the named ones", (
        Arg("sources", "a source to poll: congress, federal_register, public_inspection, bis, news, ecfr "
                       "(repeatable; all by default)", ("--source",), {"action": "append", "metavar": "NAME"}),
        Arg("since", "backfill from DATE (YYYY-MM-DD), with a progress bar", ("--since",),
            {"metavar": "DATE", "type": "date"})), run="poll", fronts=frozenset({CLI}),
        examples=("poll", "poll --source congress", "poll --since 2026-01-01")),
    Command("import", "record local files as a poll would (govinfo BILLSTATUS XML, bill text XML, Federal "
                      "Register document JSON): versions, actions, stages, changes; idempotent; never alerts, "
                      "never adds to the watchlist", (
        Arg("paths", "a file to import (repeatable)", (), {"nargs": "+", "metavar": "PATH"}),),
        run="import", fronts=frozenset({CLI}),
        examples=("import BILLSTATUS-117hr2471.xml", "import BILLS-117hr2471enr.xml 2024-02812.json")),
    Command("chat", "a terminal conversation: questions and /bill, /watch, /compare, /digest, /status",
            run="chat", fronts=frozenset({CLI})),
    Command("run", "the scheduler and Slack (or console delivery), until SIGTERM or Ctrl-C", (
        Arg("http", "serve Slack over HTTP on PORT (else Socket Mode, or the console)", ("--http",),
            {"type": int, "metavar": "PORT"}),
        Arg("host", "the address to listen on with --http", ("--host",), {"default": "127.0.0.1"})),
        run="run", fronts=frozenset({CLI})),
    Command("demo", "the flagship story offline, end to end, on bundled recorded data", run="demo",
            fronts=frozenset({CLI})),
)


ORDER = ("config", "db", "watch", "poll", "import", "bill", "compare", "digest", "ask", "chat", "run", "status", "demo")


def all_commands() -> tuple[Command, ...]:
    """Every command the CLI offers: the shared table's and the terminal's own, in ``--help`` order."""
    every = {c.name: c for c in (*table.offered(CLI), *CLI_ONLY)}
    return tuple(every[n] for n in ORDER if n in every) + tuple(c for n, c in every.items() if n not in ORDER)


def commands_markdown() -> str:
    """The README's command list: every command and subcommand, its usage, where it is offered."""
    rows = ["| command | what it does | also in |", "|---|---|---|"]

    def where(c: Command, name: str) -> str:
        fronts = [label for f, label in ((CHAT, "chat"), (SLACK, "Slack")) if c.offered(f)]
        return f"`/{name}` in {' and '.join(fronts)}" if fronts else "—"

    for command in all_commands():
        subs = command.subcommands
        for c, name in ([(s, f"{command.name} {s.name}") for s in subs] if subs else [(command, command.name)]):
            usage = usage_for(c, CLI, prog=f"legiswatch {name}").removeprefix("usage: ")
            rows.append(f"| `{usage}` | {c.help} | {where(c, name)} |")
    return "\n".join(rows)


def build_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="legiswatch", description="Legislative and regulatory monitoring with Slack alerts.")
    p.add_argument("--version", action="version", version=f"legiswatch {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", parser_class=CommandParser, metavar="COMMAND")
    for command in all_commands():
        sp = sub.add_parser(command.name, help=command.help, prog=f"legiswatch {command.name}",
                            description=describe(command, CLI), formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=f"exit status: {command.exit_codes}")
        add_arguments(sp, command, CLI, f"legiswatch {command.name}")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()              # a closed pipe shows here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except HelpRequested as shown:
        print(shown.text, end="")
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 — BadInput from the parser, one line
        print(message_for(exc), file=sys.stderr)
        return EXIT_BAD
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.command:
        print(parser.format_help(), end="")
        return EXIT_OK
    command = next(c for c in all_commands() if c.name == args.command)
    ctx = None
    try:
        ctx = commands.make_context()
        if command in CLI_ONLY:
            return commands.run_cli_only(command, args, ctx)
        return commands.run_shared(command, args, ctx)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise
    except Exception as exc:  # noqa: BLE001 — never a traceback for users; details with -v
        log.debug("%s failed", args.command, exc_info=True)
        hint = "" if isinstance(exc, LegiswatchError) else " (run with -v for details)"
        print(message_for(exc) + hint, file=sys.stderr)
        return exit_code_for(exc)
    finally:
        if ctx is not None:
            ctx.close()


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
