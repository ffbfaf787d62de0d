"""The ``digest`` command: build it, or post it (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.results import DigestPosted
from bot.commands.spec import Call, Forbidden, Outcome
from bot.services.digest import build_digest
from scrapers.errors import BadInput

if TYPE_CHECKING:
    from argparse import Namespace

    from bot.services.context import Context


DIGEST_ADMINS = "Only admins can post the digest; `/digest` shows you a preview"


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
