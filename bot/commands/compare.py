"""The ``compare`` command: two versions or bills → summary and redline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.spec import CLI, Call, Outcome
from bot.services.compare import compare as compare_versions

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


def compare(ctx: Context, args: Namespace, call: Call) -> Outcome:
    result = compare_versions(ctx, args.a, args.b, local_files=call.front == CLI)   # files: the terminal only
    if getattr(args, "html", None):
        Path(args.html).write_text(result.html, encoding="utf-8")
    return Outcome(result)
