"""Running a command from the table: load its function (only now), call it, return its outcome."""

from __future__ import annotations

import importlib
from argparse import Namespace
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.commands.spec import Call, Command, Outcome

if TYPE_CHECKING:
    from bot.services.context import Context


def load(target: str) -> Callable:
    """``"bot.commands.bill:bill"`` → the function (its module is imported on first use)."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def resolve(command: Command, args: Namespace) -> Command:
    """The subcommand the arguments chose (``watch add``), or the command itself."""
    action = getattr(args, "action", None)
    return (command.sub(action) or command) if command.subcommands and action else command


def execute(command: Command, args: Namespace, ctx: Context, call: Call) -> Outcome:
    return load(resolve(command, args).run)(ctx, args, call)


def check(command: Command, args: Namespace, ctx: Context, call: Call) -> str:
    """The command's cheap pre-check (for Slack's acknowledgement); "" when it has none."""
    chosen = resolve(command, args)
    return load(chosen.check)(ctx, args, call) if chosen.check else ""
