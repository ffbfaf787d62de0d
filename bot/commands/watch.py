"""The ``watch`` commands: list, add, remove, import, export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.results import Text, WatchChanged, WatchImported, WatchItems
from bot.commands.spec import EXIT_BAD, Call, Forbidden, Outcome
from bot.services import watch_check, watchlist
from scrapers.errors import BadInput

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


WATCH_ADMINS = "Only watchlist admins can add or remove items"


def _target(ctx: Context, args: Namespace) -> watchlist.WatchSpec:
    given = [(k, v) for k, v in (("term", " ".join(args.term or [])), ("agency", args.agency),
                                 ("feed", args.feed), ("cfr", " ".join(getattr(args, "cfr", None) or [])))
             if v]
    if args.bill:
        given.insert(0, ("bill", " ".join(args.bill)))
    if len(given) != 1:
        raise BadInput(("name one item to watch" if not given else "name only one item at a time")
                       + f" ({watchlist.USAGE})")
    kind, value = given[0]
    return watchlist.normalise(kind, value, today=ctx.today())


def watch_list(ctx: Context, args: Namespace, call: Call) -> Outcome:
    items = ctx.repo.watch_items()
    known = ctx.repo.known_bills([i["value"] for i in items if i["kind"] == "bill"])
    for i in items:           # bills show their titles (when stored)
        title = (known.get(i["value"]) or {}).get("short_title") if i["kind"] == "bill" else ""
        if title and title not in (i["label"] or ""):
            i["label"] = f"{i['label']} — {title}" if i["label"] else title
    return Outcome(WatchItems(items))


def watch_add(ctx: Context, args: Namespace, call: Call) -> Outcome:
    if not call.admin:
        raise Forbidden(WATCH_ADMINS)
    spec = _target(ctx, args)
    checked = watch_check.check(ctx, spec)          # BadInput (exit 2): a Congress not begun, no such bill/agency
    added = ctx.repo.add_watch(spec.kind, spec.value, label=spec.label, channel=call.channel, actor=call.actor)
    return Outcome(WatchChanged("add", spec.kind, spec.value, added, call.channel if added else None,
                                title=checked.title, warning=checked.warning))


def watch_remove(ctx: Context, args: Namespace, call: Call) -> Outcome:
    if not call.admin:
        raise Forbidden(WATCH_ADMINS)
    spec = _target(ctx, args)
    removed = ctx.repo.remove_watch(spec.kind, spec.value, actor=call.actor)
    return Outcome(WatchChanged("remove", spec.kind, spec.value, removed), 0 if removed else EXIT_BAD)


def watch_import(ctx: Context, args: Namespace, call: Call) -> Outcome:
    n = watchlist.import_file(ctx.repo, Path(args.file), actor=call.actor, today=ctx.today())
    return Outcome(WatchImported(n))


def watch_export(ctx: Context, args: Namespace, call: Call) -> Outcome:
    return Outcome(Text(watchlist.export_toml(ctx.repo)))
