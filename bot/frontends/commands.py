"""CLI command handlers: parse nothing, call the services, print. Each returns an exit code.

Each handler imports the services it needs when it runs, so ``legiswatch --help`` and a command
load only what that command uses (the one place imports inside functions are allowed)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bot.frontends.output import EXIT_BAD, EXIT_FAIL, EXIT_OK, print_json
from scrapers.errors import BadInput

if TYPE_CHECKING:
    from bot.services.context import Context


def make_context() -> Context:
    """The context for one command, from the environment and ``.env``."""
    from bot.services.context import Context
    return Context()


def cmd_config(ctx: Context, args) -> int:
    from bot.services.config import effective
    width = max(len(n) for n, _, _ in effective(ctx.settings))
    for name, value, help_ in effective(ctx.settings):
        print(f"{name:<{width}}  {value or '—'}    # {help_}")
    return EXIT_OK


def cmd_db(ctx: Context, args) -> int:
    from storage.db import backend, make_engine, upgrade
    engine = make_engine(ctx.settings.db_url)
    try:
        rev = upgrade(ctx.settings.db_url, engine)
    except Exception as exc:  # noqa: BLE001
        print(f"error: migration failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        engine.dispose()
    from bot.services.config import mask_url_password
    print(f"database {mask_url_password(ctx.settings.db_url)} ({backend(engine)}) is at revision {rev}")
    return EXIT_OK


def cmd_watch(ctx: Context, args) -> int:
    from pathlib import Path

    from bot.services import watchlist
    repo = ctx.repo
    if args.action == "list":
        items = repo.watch_items()
        if not items:
            print("the watchlist is empty (legiswatch watch add BILL | --term TEXT | --agency SLUG | --feed URL)")
        for i in items:
            where = f"  → {i['channel']}" if i["channel"] else ""
            label = f"  ({i['label']})" if i["label"] and i["label"] != i["value"] else ""
            print(f"{i['kind']:<7} {i['value']}{label}{where}")
        return EXIT_OK
    if args.action == "export":
        print(watchlist.export_toml(repo), end="")
        return EXIT_OK
    if args.action == "import":
        if len(args.args) != 1:
            raise BadInput("usage: watch import FILE")
        n = watchlist.import_file(repo, Path(args.args[0]), actor="cli", today=ctx.today())
        print(f"imported {n} new watch item{'s' if n != 1 else ''}")
        return EXIT_OK
    spec = watchlist.parse_args(args.args, today=ctx.today())
    if args.action == "add":
        added = repo.add_watch(spec.kind, spec.value, label=spec.label, actor="cli")
        print(f"{'now watching' if added else 'already watching'} {spec.kind} {spec.value}")
        return EXIT_OK
    removed = repo.remove_watch(spec.kind, spec.value, actor="cli")
    if not removed:
        print(f"not watched: {spec.kind} {spec.value}", file=sys.stderr)
        return EXIT_BAD
    print(f"stopped watching {spec.kind} {spec.value}")
    return EXIT_OK


def cmd_poll(ctx: Context, args) -> int:
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
    from bot.services.summaries import summarize_pending
    summarize_pending(ctx)
    _deliver(ctx)


def _deliver(ctx: Context) -> None:
    """Send what the outbox holds now: to Slack when configured, else print it."""
    from bot.runtime.delivery import deliver_now
    deliver_now(ctx, out=sys.stdout)


def cmd_bill(ctx: Context, args) -> int:
    from bot.frontends.console import render_card
    from bot.services.card import bill_card
    card = bill_card(ctx, " ".join(args.id))
    if args.json:
        print_json(card)
    else:
        print(render_card(card))
    return EXIT_OK


def cmd_compare(ctx: Context, args) -> int:
    from bot.services.compare import compare
    result = compare(ctx, args.a, args.b)
    if args.html:
        with open(args.html, "w", encoding="utf-8") as fh:
            fh.write(result.html)
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.text())
    return EXIT_OK


def cmd_digest(ctx: Context, args) -> int:
    from bot.runtime.delivery import post_digest
    from bot.services.digest import build_digest
    digest = build_digest(ctx, since=args.since)
    if args.json:
        print_json(digest.to_dict())
    elif not args.post:
        from bot.services.digest import render_text
        print(render_text(digest))
    if args.post:
        n = post_digest(ctx, digest)
        print(f"digest queued: {n} message{'s' if n != 1 else ''}")
        _deliver(ctx)
    return EXIT_OK


def cmd_ask(ctx: Context, args) -> int:
    from bot.services.answers import answer, render_text
    result = answer(ctx, " ".join(args.question), where="cli")
    if args.json:
        print_json(result.to_dict())
    else:
        print(render_text(result))
    return EXIT_OK


def cmd_chat(ctx: Context, args) -> int:
    from bot.frontends.chat import run_chat
    return run_chat(ctx, sys.stdin, sys.stdout)


def cmd_run(ctx: Context, args) -> int:
    from bot.runtime.runner import run
    return run(ctx, http_port=args.http, host=args.host)


def cmd_status(ctx: Context, args) -> int:
    from bot.services.health import render_status, status_report
    report = status_report(ctx)
    if args.json:
        print_json(report)
    else:
        print(render_status(report))
    return EXIT_FAIL if report["failing"] else EXIT_OK


def cmd_demo(ctx: Context, args) -> int:
    from bot.frontends.demo import run_demo
    return run_demo(ctx, sys.stdout)


__all__ = ["EXIT_BAD", "EXIT_FAIL", "EXIT_OK"]
