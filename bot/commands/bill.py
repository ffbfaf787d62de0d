"""The ``bill`` command: bill ids or title words → cards (only the card service is imported)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.results import BillCards, BillMatches
from bot.commands.spec import Call, Outcome
from bot.services.card import bill_card
from scrapers.errors import BadBillId, BadInput, NotFound
from scrapers.ids import BILL_TYPES, BillId, parse_bill_id

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


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
