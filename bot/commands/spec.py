"""What a command is: its arguments, where it is offered, who may run it, and what running it gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scrapers.errors import BadInput, LegiswatchError, NotFound

EXIT_OK, EXIT_FAIL, EXIT_BAD = 0, 1, 2
CLI, CHAT, SLACK = "cli", "chat", "slack"
EVERYWHERE = frozenset({CLI, CHAT, SLACK})


class Forbidden(LegiswatchError):
    """The caller may not do this here (a Slack user who is not an admin); the message says who may."""


class HelpRequested(Exception):  # noqa: N818 — not an error: the answer is the help text
    """``--help`` was asked for; ``text`` is the help to show."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Arg:
    """One argument: ``flags`` (``("--since",)``) or a positional ``name``, with argparse options."""

    name: str
    help: str
    flags: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    fronts: frozenset[str] = EVERYWHERE

    @property
    def positional(self) -> bool:
        return not self.flags


@dataclass(frozen=True)
class Command:
    """A command (or a subcommand: ``watch add``).

    ``run`` names the function that runs it, ``"module:function"``, loaded only when it runs; it
    takes ``(ctx, args, call)`` and returns an :class:`Outcome`. ``check`` (optional, same form) is
    a cheap validation run before acknowledging in Slack; it returns the acknowledgement text.
    ``raw`` commands take the rest of the line as their one positional argument (a question keeps
    its apostrophes). ``aliases`` rewrite words before parsing (``/digest post`` = ``--post``)."""

    name: str
    help: str
    args: tuple[Arg, ...] = ()
    run: str = ""
    fronts: frozenset[str] = EVERYWHERE
    subcommands: tuple[Command, ...] = ()
    check: str = ""
    raw: bool = False
    public: bool = False              # Slack: the answer is shown to the channel, not only to the caller
    aliases: dict[str, str] = field(default_factory=dict)
    default: str = ""                 # the subcommand run when none is given (``watch`` = ``watch list``)
    filler: frozenset[str] = frozenset()   # words dropped before parsing (``/compare A vs B``)
    examples: tuple[str, ...] = ()
    exit_codes: str = "0 done; 1 not found or failed; 2 bad input"

    def offered(self, front: str) -> bool:
        return front in self.fronts

    def sub(self, name: str) -> Command | None:
        return next((s for s in self.subcommands if s.name == name), None)


@dataclass
class Call:
    """Who runs a command, from where, and what that front end can do for it."""

    front: str
    actor: str
    admin: bool = True                  # the terminal user is trusted; Slack users are checked
    channel: str | None = None
    thread: str | None = None
    admins: tuple[str, ...] = ()
    post_digest: Callable[[Any], tuple[int, str]] | None = None   # queue and deliver a digest: (queued, target)
    today: Any = None


@dataclass
class Outcome:
    """A command's result (data for the front end to render) and its exit status."""

    value: Any
    exit_code: int = EXIT_OK


def exit_code_for(exc: BaseException) -> int:
    """The one mapping from an error to an exit status, for every front end."""
    if isinstance(exc, BadInput):
        return EXIT_BAD
    return EXIT_FAIL


def message_for(exc: BaseException) -> str:
    """The one line a person sees for an error (never a traceback)."""
    if isinstance(exc, NotFound):
        return f"not found: {exc}"
    if isinstance(exc, LegiswatchError):
        return f"error: {exc}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"error: {type(exc).__name__}: {text}".rstrip(": ")
