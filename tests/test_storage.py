"""Storage on SQLite only: migrations agree with the models, the pragmas, deadlines moved by a new
version. The behaviour shared with PostgreSQL (idempotent recording, versions, bill diffs, the
outbox, events, leases, search, concurrent writers) is tested on both backends in
``tests/test_postgres.py`` (its SQLite half always runs)."""

from datetime import date

import pytest
from alembic import command

from bot.analysis.analyzer import Analyzer
from scrapers.records import DocumentRecord
from storage.db import alembic_config, current_revision, head_revision
from storage.repo import open_repo


@pytest.fixture
def repo(tmp_path):
    r = open_repo(f"sqlite:///{tmp_path}/test.db", analyzer=Analyzer())
    yield r
    r.dispose()


def fr_doc(**over):
    base = dict(kind="fr_document", external_id="2026-00789", title="Revision to License Review Policy",
                url="https://www.federalregister.gov/d/2026-00789", source="federal_register",
                content={"comments_close_on": None, "title": "Revision"}, text="advanced computing commodities",
                meta={"type": "Rule", "effective_on": "2026-01-15",
                      "matched": [{"watch": "agency:industry-and-security-bureau"}]}, date=date(2026, 1, 15))
    base.update(over)
    return DocumentRecord(**base)


def test_migrations_on_an_empty_file_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    r = open_repo(url, analyzer=Analyzer())
    assert current_revision(r.engine) == head_revision()
    command.check(alembic_config(url))   # raises if models and migrations disagree
    r.dispose()


def test_sqlite_pragmas(repo):
    with repo.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_moved_deadline_supersedes_the_old_date(repo):
    repo.record([fr_doc(meta={"comments_close_on": "2026-03-16"}, content={"v": 1})])
    repo.record([fr_doc(meta={"comments_close_on": "2026-04-15"}, content={"v": 2})])
    due = [d["due"] for d in repo.deadlines(start=date(2026, 3, 1), end=date(2026, 5, 1))]
    assert due == [date(2026, 4, 15)]
