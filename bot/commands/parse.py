"""Words → arguments, the same way for every front end: argparse built from the table.

Errors raise :class:`BadInput` with one clear line (never argparse's exit), ``--help`` raises
:class:`HelpRequested` with the help text, so the CLI prints it, ``chat`` shows it and Slack
answers with it.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterable
from datetime import date

from bot.commands.spec import Arg, Command, HelpRequested
from scrapers.errors import BadInput

SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
HELP_WORDS = ("-h", "--help", "help")


def split_args(text: str | None) -> list[str]:
    """Shell-like words (quotes group words); smart quotes count as quotes; an unbalanced quote
    is taken literally rather than refused."""
    text = (text or "").translate(SMART_QUOTES).strip()
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


class CommandParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print the usage and exit 2
        raise BadInput(f"{self.prog}: {message}")

    def print_help(self, file=None) -> None:  # noqa: ARG002 — the front end shows it
        raise HelpRequested(self.format_help())

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            raise BadInput(message.strip())
        raise HelpRequested(self.format_help())


def add_arguments(parser: argparse.ArgumentParser, command: Command, front: str, prog: str) -> None:
    """Add ``command``'s arguments (and subcommands) offered on ``front`` to ``parser``."""
    for arg in command.args:
        _add(parser, arg, front)
    subs = [s for s in command.subcommands if s.offered(front)]
    if subs:
        group = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=CommandParser,
                                      required=True)
        for sub in subs:
            p = group.add_parser(sub.name, help=sub.help, description=describe(sub, front),
                                 prog=f"{prog} {sub.name}", formatter_class=argparse.RawDescriptionHelpFormatter)
            add_arguments(p, sub, front, f"{prog} {sub.name}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


TYPES = {"date": _date}


def _add(parser: argparse.ArgumentParser, arg: Arg, front: str) -> None:
    if front not in arg.fronts:
        return
    options = dict(arg.options)
    if isinstance(options.get("type"), str):
        options["type"] = TYPES[options["type"]]
    if arg.positional:
        parser.add_argument(arg.name, help=arg.help, **options)
    else:
        parser.add_argument(*arg.flags, dest=arg.name, help=arg.help, **options)


def describe(command: Command, front: str) -> str:
    text = command.help[:1].upper() + command.help[1:] + "."
    prefix = "legiswatch " if front == "cli" else "/"
    if command.examples:
        text += "\n\nexamples:\n" + "\n".join(f"  {prefix}{e}" for e in command.examples)
    return text


def parser_for(command: Command, front: str, prog: str | None = None) -> CommandParser:
    prog = prog or (command.name if front == "cli" else f"/{command.name}")
    parser = CommandParser(prog=prog, description=describe(command, front),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser, command, front, prog)
    return parser


def usage_for(command: Command, front: str, prog: str | None = None) -> str:
    """``usage: /bill ID [ID ...]`` — the usage line without the help flag."""
    return " ".join(parser_for(command, front, prog).format_usage().replace(" [-h]", "").split())


def parse_words(command: Command, words: Iterable[str], front: str) -> argparse.Namespace:
    """Parse ``words`` (already split) for ``command`` as offered on ``front``."""
    words = [w.strip(",") for w in words if w.lower() not in command.filler and w.strip(",")]
    words = [command.aliases.get(w.lower(), w) if i < 2 else w for i, w in enumerate(words)]
    if command.default and not words:
        words = [command.default]
    return parser_for(command, front).parse_args(words)


def parse_text(command: Command, text: str | None, front: str) -> argparse.Namespace:
    """Parse a chat line or a slash command's text. A ``raw`` command takes the whole text as its
    one positional argument, unless the text is a request for help."""
    text = (text or "").strip()
    if command.raw:
        if text.lower() in HELP_WORDS:
            raise HelpRequested(parser_for(command, front).format_help())
        positional = next(a for a in command.args if a.positional)
        defaults = parse_words(command, [text or "?"], front)
        setattr(defaults, positional.name, [text] if text else [])
        return defaults
    if text.lower() == "help":
        raise HelpRequested(parser_for(command, front).format_help())
    return parse_words(command, split_args(text), front)
