"""The shared commands' bodies: read the parsed arguments, call the services, return data.
Nothing here prints or renders; the front ends do (``bot/frontends/console.py``, ``bot/slack``)."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from bot.commands.results import (
    BillCards,
    BillMatches,
    DigestPosted,
    StatusReport,
    Text,
    WatchChanged,
    WatchImported,
    WatchItems,
)
from bot.commands.spec import CLI, EXIT_BAD, EXIT_FAIL, Call, Forbidden, Outcome
from bot.services import watch_check, watchlist
from bot.services.answers import answer
from bot.services.card import bill_card
from bot.services.compare import compare as compare_versions
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.doc_card import doc_card, parse_number
from bot.services.health import status_report
from scrapers.errors import BadBillId, BadInput, NotFound
from scrapers.ids import BILL_TYPES, BillId, parse_bill_id

WATCH_ADMINS = "Only watchlist admins can add or remove items"
DIGEST_ADMINS = "Only admins can post the digest; `/digest` shows you a preview"


# ---- bill -----------------------------------------------------------------------------------

def bill_ids(words: list[str], *, today=None) -> list[BillId]:
    """Words → bill ids, each id as many words as it needs: ``H.R. 2683 S. 3519`` is two bills,
    ``hr 2683 118`` one. Raises ``BadBillId`` (with the accepted forms) for words that are none."""
    words = [w for part in words for w in part.replace(",", " ").split()]
    found: list[BillId] = []
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            try:
                bill = parse_bill_id(" ".join(words[i:j]), today=today)
            except BadInput:
                continue
            if bill not in found:
                found.append(bill)
            i = j
            break
        else:
            parse_bill_id(words[i], today=today)       # raises with the accepted forms
            raise BadBillId(f"not a bill id: {words[i]!r}")     # pragma: no cover — parse raised
    return found


_TYPE_WORDS = {sp for sps in BILL_TYPES.values() for sp in sps}
TITLE_LIMIT = 20


def title_words(words: list[str]) -> list[str] | None:
    """The words of a title search, or None when the words are a (mistyped) bill id: a title search
    is two or more words, one of them three or more letters that is not a bill type, and none a
    whole bill id (``HX 1``, ``nonsense`` and ``hr2683-119 nonsense`` stay bad ids, exit 2)."""
    split = [w.strip("\"'“”.,;:()") for part in words for w in part.split()]
    split = [w for w in split if w]
    if len(split) < 2 or not any(len(w) >= 3 and w.isalpha() and w.lower() not in _TYPE_WORDS for w in split):
        return None
    if any(_is_bill_id(w) for w in split):
        return None
    return split


def _is_bill_id(word: str) -> bool:
    try:
        parse_bill_id(word)
    except BadInput:
        return False
    return True


def _ids_or_title(ctx: Context, words: list[str]) -> tuple[list[BillId], list[str] | None]:
    try:
        return bill_ids(words, today=ctx.today()), None
    except BadInput:
        title = title_words(words)
        if title is None:
            raise
        return [], title


def check_bill(ctx: Context, args: Namespace, call: Call) -> str:
    """Before Slack's acknowledgement: the ids must parse (or be title words); the ack names them."""
    if not args.ids:
        raise BadInput("Which bill?")
    bills, title = _ids_or_title(ctx, args.ids)
    if title is not None:
        return f"Searching bill titles for “{' '.join(title)}”…"
    return f"Looking up {', '.join(b.display for b in bills)}…"


def bill(ctx: Context, args: Namespace, call: Call) -> Outcome:
    bills, title = _ids_or_title(ctx, args.ids)
    if title is None:
        return Outcome(BillCards([bill_card(ctx, str(b)) for b in bills]))
    matches, total = ctx.repo.bills_by_title(title, limit=TITLE_LIMIT)
    query = " ".join(title)
    if not matches:
        raise NotFound(f"no stored bill has “{query}” in its title (bill ids work too: H.R. 2683, hr2683-119)")
    if total == 1:
        return Outcome(BillCards([bill_card(ctx, matches[0]["id"], fetch=False)]))
    return Outcome(BillMatches(query, matches, total))


# ---- doc ------------------------------------------------------------------------------------

def check_doc(ctx: Context, args: Namespace, call: Call) -> str:
    return f"Looking up Federal Register document {parse_number(args.number)}…"


def doc(ctx: Context, args: Namespace, call: Call) -> Outcome:
    return Outcome(doc_card(ctx, args.number))


# ---- watch ----------------------------------------------------------------------------------

def _target(ctx: Context, args: Namespace) -> watchlist.WatchSpec:
    given = [(k, v) for k, v in (("term", " ".join(args.term or [])), ("agency", args.agency),
                                 ("feed", args.feed)) if v]
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


# ---- compare, digest, ask, status -------------------------------------------------------------

def compare(ctx: Context, args: Namespace, call: Call) -> Outcome:
    result = compare_versions(ctx, args.a, args.b, local_files=call.front == CLI)   # files: the terminal only
    if getattr(args, "html", None):
        Path(args.html).write_text(result.html, encoding="utf-8")
    return Outcome(result)


def digest(ctx: Context, args: Namespace, call: Call) -> Outcome:
    post = bool(getattr(args, "post", False))
    if post and not call.admin:
        raise Forbidden(DIGEST_ADMINS)
    built = build_digest(ctx, since=args.since)
    if not post:
        return Outcome(built)
    if call.post_digest is None:
        raise BadInput("the digest cannot be posted from here")
    queued, target = call.post_digest(built)
    return Outcome(DigestPosted(queued, target))


def check_ask(ctx: Context, args: Namespace, call: Call) -> str:
    if not " ".join(args.question).strip():
        raise BadInput("Ask a question.")
    return "Looking that up…"


def ask(ctx: Context, args: Namespace, call: Call) -> Outcome:
    question = " ".join(args.question).strip()
    if not question:
        raise BadInput("ask a question, e.g. What is the status of H.R. 2683?")
    return Outcome(answer(ctx, question, where=call.front, thread=call.thread))


def status(ctx: Context, args: Namespace, call: Call) -> Outcome:
    report = status_report(ctx)
    return Outcome(StatusReport(report), EXIT_FAIL if report["failing"] else 0)
