"""``legiswatch poll --since DATE``: a backfill with a progress bar on stderr.

The pipeline commits each batch together with its cursor, and every write is keyed, so a
backfill interrupted with Ctrl-C keeps what it stored and can simply be run again: nothing is
duplicated, and watermarks only move forward.
"""

from __future__ import annotations

import logging
from datetime import date

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bot.services.context import Context
from bot.services.pipeline import SourceReport, poll

log = logging.getLogger(__name__)


def _line(name: str, records: int, changes: int, state: str) -> str:
    return f"{name:<18} {records:>6} records  {changes:>5} changes  {state}"


def backfill(ctx: Context, names: list[str], since: date, *, console: Console | None = None) -> list[SourceReport]:
    """Poll ``names`` from ``since`` one source at a time, showing records and changes per source."""
    console = console or Console(stderr=True)
    reports: list[SourceReport] = []
    with Progress(SpinnerColumn(finished_text="•"), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        tasks = {n: bar.add_task(_line(n, 0, 0, "waiting"), total=1, start=False) for n in names}

        def progress(name: str, records: int, changes: int) -> None:
            bar.update(tasks[name], description=_line(name, records, changes, "…"))

        for name in names:
            bar.start_task(tasks[name])
            bar.update(tasks[name], description=_line(name, 0, 0, f"since {since.isoformat()} …"))
            try:
                (report,) = poll(ctx, [name], since=since, progress=progress)
            except KeyboardInterrupt:
                bar.update(tasks[name], description=_line(name, 0, 0, "interrupted"))
                bar.stop()
                console.print("interrupted: what was stored is kept; run the same command again to resume "
                              "(nothing is duplicated)")
                raise
            state = "done" if report.ok else f"FAILED: {report.error}"
            bar.update(tasks[name], completed=1,
                       description=_line(name, report.records, len(report.changes), state))
            reports.append(report)
    return reports
