"""The ``ask`` command: a question answered from the stored record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.spec import Call, Outcome
from bot.services.answers import answer
from scrapers.errors import BadInput

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


def check_ask(ctx: Context, args: Namespace, call: Call) -> str:
    if not " ".join(args.question).strip():
        raise BadInput("Ask a question.")
    return "Looking that up…"


def ask(ctx: Context, args: Namespace, call: Call) -> Outcome:
    question = " ".join(args.question).strip()
    if not question:
        raise BadInput("ask a question, e.g. What is the status of H.R. 2683?")
    return Outcome(answer(ctx, question, where=call.front, thread=call.thread))
