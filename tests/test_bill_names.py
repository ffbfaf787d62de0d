"""Questions and cards find bills by name through an index (``bill_names``, migration 0007), never by
loading every bill: the statements ``understand`` issues do not grow with the bills stored, none
reads the bills table without a condition, a renamed bill is found by its new name only, the
look-up completes while another connection holds the write lock, and a database made by the code
before the index gets its keys from the upgrade."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from slackkit import flagship_bill, make_ctx
from sqlalchemy import event

from bot.services.retrieval import understand
from storage.db import head_revision

OLD_DB = Path(__file__).resolve().parent / "data" / "upgrade" / "pre_bill_names.sqlite"


def filler(n: int):
    return flagship_bill(bill_id=f"s{n}-118", type="s", number=n, congress=118, short_title=f"Filler Number {n} Act",
                         title=f"A filler bill {n}.", actions=[], cosponsors=[], committees=[], text_versions=[])


@pytest.fixture
def ctx(db_url):
    c = make_ctx(db_url)
    c.repo.record([flagship_bill(), flagship_bill(bill_id="hr4100-119", number=4100, short_title="Chip Security Act",
                                                  title="Chips.")], c.analyzer)
    yield c
    c.close()


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, params, context, executemany):
        self.seen.append(" ".join(statement.split()))


QUESTIONS = ["Where is the Remote Access Security Act?", "What is the status of the RAS Act?",
             "has RASA passed the house", "What does the Chip Security Act require?", "status of H.R. 2683?"]


def test_questions_name_bills_and_the_statements_do_not_grow_with_the_bills_stored(ctx):
    assert [understand(ctx, q).subject for q in QUESTIONS] == ["hr2683-119"] * 3 + ["hr4100-119", "hr2683-119"]
    assert understand(ctx, "What is the Security Act about?").subject is None      # not a stored title
    with Statements(ctx.repo.engine) as few:
        for q in QUESTIONS:
            understand(ctx, q)
    ctx.repo.record([filler(n) for n in range(1, 301)], ctx.analyzer)
    with Statements(ctx.repo.engine) as many:
        got = [understand(ctx, q).subject for q in QUESTIONS]
    assert got == ["hr2683-119"] * 3 + ["hr4100-119", "hr2683-119"]
    assert len(many.seen) == len(few.seen), (few.seen, many.seen)
    scans = [s for s in many.seen if " FROM bills" in s and " WHERE " not in s]
    assert scans == []
    assert not any(s.startswith("BEGIN IMMEDIATE") for s in many.seen), many.seen   # reads begin deferred
    assert understand(ctx, "Is the Filler Number 217 Act law?").subject == "s217-118"


def test_a_number_without_its_congress_is_the_stored_one_and_a_card_lists_same_titles(ctx):
    ctx.repo.record([flagship_bill(bill_id="hr77-118", number=77, congress=118, short_title="Remote Access Security Act",
                                   title="Older.")], ctx.analyzer)
    q = understand(ctx, "What is the status of H.R. 77?")
    assert q.subject == "hr77-118" and "118th" in q.note
    assert ctx.repo.bills_by_short_title("  remote access security act ") == ["hr2683-119", "hr77-118"]
    assert ctx.repo.bills_by_short_title("Remote-Access Security Act") == []     # normalized alike, not equal
    # the newest Congress first when two bills share the name
    assert understand(ctx, "Where is the Remote Access Security Act?").bills[:2] == ["hr2683-119", "hr77-118"]


def test_a_renamed_bill_is_found_by_its_new_name_only(ctx):
    ctx.repo.record([flagship_bill(short_title="Foreign Adversary Access Act")], ctx.analyzer)
    assert understand(ctx, "Where is the Foreign Adversary Access Act?").subject == "hr2683-119"
    assert understand(ctx, "status of the FAA Act").subject == "hr2683-119"
    assert understand(ctx, "Where is the Remote Access Security Act?").subject is None
    assert ctx.repo.bills_by_short_title("Remote Access Security Act") == []


def test_names_are_read_while_another_connection_holds_the_write_lock(ctx, db_url):
    writer = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE bills SET short_title = 'UNCOMMITTED' WHERE id = 'hr2683-119'")
    try:
        t0 = time.perf_counter()
        q = understand(ctx, "What is the status of the RAS Act?")
        also = ctx.repo.bills_by_short_title("Chip Security Act")
        elapsed = time.perf_counter() - t0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert q.subject == "hr2683-119" and also == ["hr4100-119"]
    assert elapsed < 5, elapsed            # a read waiting for the lock would take the 30 s busy timeout


def test_upgrade_fills_the_name_index_from_bills_stored_by_the_previous_code(tmp_path):
    path = tmp_path / "old.sqlite"
    shutil.copy(OLD_DB, path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0006"
    c = make_ctx(f"sqlite:///{path}")
    try:
        with c.repo.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
        assert understand(c, "Where is the RAS Act?").subject == "hr2683-119"
        assert understand(c, "What does the Chip Security Act require?").subject == "hr4100-119"
        assert c.repo.bills_by_short_title("chip security act") == ["hr4100-119"]
    finally:
        c.close()
