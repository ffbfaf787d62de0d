"""``Repo``: the only place with SQL (besides ``storage/search.py``).

Every method opens its own short transaction (``BEGIN IMMEDIATE`` on SQLite) and never spans a
network call. Writes are idempotent: natural unique keys + ``ON CONFLICT DO NOTHING`` mean a
retried poll, a re-delivered Slack event or a crashed run never duplicates a row.

The class is assembled from one mixin per area so each module stays small:
``documents`` (documents, versions, passages, changes), ``bills`` (typed bill tables, stages), ``names`` (bills found by name through ``bill_names``),
``ops`` (sources, watchlist, outbox, Slack events, job runs, leases, key/values),
``summaries`` (summary cache, LLM call log, answer log).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from storage.db import ensure_migrated, make_engine
from storage.repo.base import ChangeInfo, RepoBase, SourceState
from storage.repo.bills import BillsMixin
from storage.repo.documents import DocumentsMixin
from storage.repo.names import NamesMixin
from storage.repo.ops import OpsMixin
from storage.repo.summaries import SummariesMixin

__all__ = ["Repo", "ChangeInfo", "SourceState", "open_repo"]


class Repo(DocumentsMixin, NamesMixin, BillsMixin, OpsMixin, SummariesMixin, RepoBase):
    """All reads and writes of legiswatch's database."""


def open_repo(url: str, *, migrate: bool = True, engine: Engine | None = None, analyzer=None) -> Repo:
    """Open the database at ``url``, applying pending migrations first (every command does).
    ``analyzer`` (``bot.analysis.analyzer.Analyzer``) is what ``record`` classifies with by default."""
    engine = engine or make_engine(url)
    if migrate:
        ensure_migrated(url, engine)
    repo = Repo(engine, url=url)
    repo.analyzer = analyzer
    return repo
