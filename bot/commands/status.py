"""The ``status`` command: health of sources and jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.results import StatusReport
from bot.commands.spec import EXIT_FAIL, Call, Outcome
from bot.services.health import status_report

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


def status(ctx: Context, args: Namespace, call: Call) -> Outcome:
    report = status_report(ctx)
    return Outcome(StatusReport(report), EXIT_FAIL if report["failing"] else 0)
