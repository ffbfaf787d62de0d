"""The shared commands' bodies, one module per command so a command imports only its own services
(``bot/commands/bill.py``, ``doc.py``, ``watch.py``, ``compare.py``, ``digest.py``, ``ask.py``,
``status.py``; the table names those modules). This module keeps the old names importable.
Nothing here prints or renders; the front ends do (``bot/frontends/console.py``, ``bot/slack``)."""

from __future__ import annotations

from bot.commands.ask import ask, check_ask
from bot.commands.bill import TITLE_LIMIT, bill, bill_ids, check_bill, title_words
from bot.commands.compare import compare
from bot.commands.digest import DIGEST_ADMINS, digest
from bot.commands.doc import check_doc, doc
from bot.commands.status import status
from bot.commands.watch import WATCH_ADMINS, watch_add, watch_export, watch_import, watch_list, watch_remove

__all__ = ["DIGEST_ADMINS", "TITLE_LIMIT", "WATCH_ADMINS", "ask", "bill", "bill_ids", "check_ask", "check_bill",
           "check_doc", "compare", "digest", "doc", "status", "title_words", "watch_add", "watch_export",
           "watch_import", "watch_list", "watch_remove"]
