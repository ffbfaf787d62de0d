"""The ``doc`` command: one Federal Register document's card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.spec import Call, Outcome
from bot.services.doc_card import doc_card, parse_number

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


def check_doc(ctx: Context, args: Namespace, call: Call) -> str:
    return f"Looking up Federal Register document {parse_number(args.number)}…"


def doc(ctx: Context, args: Namespace, call: Call) -> Outcome:
    return Outcome(doc_card(ctx, args.number))
