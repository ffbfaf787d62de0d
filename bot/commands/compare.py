"""The ``compare`` command: two versions or bills → summary and redline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.spec import CLI, Call, Outcome
from bot.services.cfr_compare import parse_request
from bot.services.compare import compare as compare_versions
from bot.services.compare import compare_part
from scrapers.errors import BadInput

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


def compare(ctx: Context, args: Namespace, call: Call) -> Outcome:
    words = [args.a, args.b, *(getattr(args, "dates", None) or [])]
    cfr = parse_request(words) if len(words) > 2 else None
    if cfr is not None:                          # "15 CFR 742" DATE DATE
        return Outcome(compare_part(ctx, cfr))
    if len(words) > 2:
        raise BadInput('compare takes two versions or bills, or a CFR part and two dates: '
                       '"15 CFR 742" 2026-01-14 2026-01-15')
    result = compare_versions(ctx, args.a, args.b, local_files=call.front == CLI)   # files: the terminal only
    if getattr(args, "html", None):
        Path(args.html).write_text(result.html, encoding="utf-8")
    return Outcome(result)
