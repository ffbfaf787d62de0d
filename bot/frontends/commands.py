"""The CLI's side of the command table: run a shared command and print its result, and the
commands only a terminal has (config, db, poll, import, chat, run, demo).

Each function imports what it needs when it runs, so ``legiswatch --help`` and a command load
only what that command uses (the one place imports inside functions are allowed)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bot.commands.spec import CLI, EXIT_BAD, EXIT_FAIL, EXIT_OK, Call, Command
from bot.frontends.output import print_json
from scrapers.errors import BadInput

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


def make_context() -> Context:
    """The context for one command, from the environment and ``.env``."""
    from bot.services.context import Context
    return Context()


def cli_call(ctx: Context) -> Call:
    def post(digest) -> tuple[int, str]:
        from bot.runtime.delivery import deliver_now, post_digest  # only when posting (Slack SDK)
        from bot.services.digest import digest_target
        queued = post_digest(ctx, digest)
        print(f"digest queued: {queued} message{'s' if queued != 1 else ''}", flush=True)
        deliver_now(ctx, out=sys.stdout)
        return queued, digest_target(ctx)

    return Call(front=CLI, actor="cli", admin=True, post_digest=post, today=ctx.today())


def run_shared(command: Command, args: Namespace, ctx: Context) -> int:
    """A command of the shared table: execute it, print its result (``--json``: the JSON)."""
    from bot.commands.results import DigestPosted
    from bot.commands.run import execute
    from bot.frontends.console import as_json, render
    outcome = execute(command, args, ctx, cli_call(ctx))
    if getattr(args, "json", False):
        print_json(as_json(outcome.value))
    elif not isinstance(outcome.value, DigestPosted):       # already said while posting
        print(render(outcome.value, front=CLI), file=sys.stderr if outcome.exit_code == EXIT_BAD else sys.stdout)
    return outcome.exit_code


def run_cli_only(command: Command, args: Namespace, ctx: Context) -> int:
    name = command.name if not getattr(args, "action", None) else f"{command.name}_{args.action}"
    return globals()[f"cmd_{name}"](ctx, args)


def cmd_config(ctx: Context, args: Namespace) -> int:
    from bot.services.config import effective
    width = max(len(n) for n, _, _ in effective(ctx.settings))
    for name, value, help_ in effective(ctx.settings):
        print(f"{name:<{width}}  {value or '—'}    # {help_}")
    return EXIT_OK


def cmd_db_upgrade(ctx: Context, args: Namespace) -> int:
    from bot.services.config import mask_url_password
    from storage.db import backend, make_engine, upgrade
    engine = make_engine(ctx.settings.db_url)
    try:
        rev = upgrade(ctx.settings.db_url, engine)
    except Exception as exc:  # noqa: BLE001
        print(f"error: migration failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        engine.dispose()
    print(f"database {mask_url_password(ctx.settings.db_url)} ({backend(engine)}) is at revision {rev}")
    return EXIT_OK


def cmd_poll(ctx: Context, args: Namespace) -> int:
    from bot.services.pipeline import SOURCES, poll
    names = args.sources or list(SOURCES)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise BadInput(f"unknown source {unknown[0]!r} (sources: {', '.join(SOURCES)})")
    if args.since:
        from bot.frontends.progress import backfill
        reports = backfill(ctx, names, args.since)
    else:
        reports = poll(ctx, names)
    _after_poll(ctx)
    for r in reports:
        if r.ok:
            print(f"{r.name}: ok, {r.records} records, {len(r.changes)} changes, {r.requests} requests")
        else:
            print(f"{r.name}: FAILED — {r.error}")
        for note in r.notes:
            print(f"  note: {note}")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAIL


def _after_poll(ctx: Context) -> None:
    """Summaries and console alerts after a manual poll (the scheduler runs these as jobs)."""
    from bot.runtime.delivery import deliver_now
    from bot.services.summaries import summarize_pending
    summarize_pending(ctx)
    deliver_now(ctx, out=sys.stdout)


def cmd_import(ctx: Context, args: Namespace) -> int:
    from bot.services.importer import import_paths
    report = import_paths(ctx, args.paths)
    for f in report.files:
        if f.ok:
            extra = f", {f.actions} actions, stage {f.stage or '—'}" if f.kind == "billstatus" else ""
            print(f"{f.path}: {f.kind} {f.id}{extra}, {f.changes} new changes")
        else:
            print(f"{f.path}: FAILED — {f.error}", file=sys.stderr)
    return report.exit_code


def cmd_chat(ctx: Context, args: Namespace) -> int:
    from bot.frontends.chat import run_chat
    return run_chat(ctx, sys.stdin, sys.stdout)


def cmd_run(ctx: Context, args: Namespace) -> int:
    from bot.runtime.runner import run
    return run(ctx, http_port=args.http, host=args.host)


def cmd_demo(ctx: Context, args: Namespace) -> int:
    from bot.frontends.demo import run_demo
    return run_demo(ctx, sys.stdout)
