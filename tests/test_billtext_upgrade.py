"""Upgrade safety of the faithful parser: a database made by the code before issue 17 (its bill text
versions hashed over the old, lossy parse), upgraded and polled again, gains no version, change,
delivery or passage; its stored versions now hold the new parse (read from the XML they were
stored with), so a later diff compares like with like."""

from __future__ import annotations

import json
import shutil
import sqlite3

from scrapers.billtext import parse_bill_text
from scrapers.records import billtext_to_dict
from tests.upgrade_fixture import APPROPRIATIONS, DATA, poll, refetch

PRE17 = DATA / "upgrade" / "pre17.sqlite"


def _rows(path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 — fixed names
                for t in ("documents", "document_versions", "changes", "deliveries", "passages")}
    finally:
        con.close()


def _rfs_content(path) -> dict:
    con = sqlite3.connect(path)
    try:
        (content,) = con.execute("SELECT v.content_json FROM document_versions v JOIN documents d ON "
                                 "d.id = v.document_id WHERE d.external_id = 'hr2683-119-rfs'").fetchone()
        return json.loads(content)
    finally:
        con.close()


def test_the_fixture_was_made_by_the_lossy_parser():
    old = _rfs_content(PRE17)
    new = billtext_to_dict(parse_bill_text(APPROPRIATIONS.read_bytes(), bill_id="hr2683-119", version_code="rfs"))
    assert old["sections"] != new["sections"]          # else the upgrade test below could not fail
    assert len(json.dumps(new)) > 2 * len(json.dumps(old))


def test_upgraded_and_polled_again_gains_nothing(tmp_path, gov_sandbox):
    db = tmp_path / "pre17.sqlite"
    shutil.copy(PRE17, db)
    before = _rows(db)
    ctx = poll(f"sqlite:///{db}", gov_sandbox)          # opening the context applies migration 0004
    try:
        refetch(ctx)                                    # every stored text version fetched and recorded again
        assert [c.key for c in ctx.repo.changes() if c.key.startswith("text_revised:")] == []
    finally:
        ctx.close()
    after = _rows(db)
    assert {k: v for k, v in after.items() if k != "passages"} == {k: v for k, v in before.items() if k != "passages"}
    stored = _rfs_content(db)
    expected = billtext_to_dict(parse_bill_text(APPROPRIATIONS.read_bytes(), bill_id="hr2683-119", version_code="rfs"))
    assert stored == json.loads(json.dumps(expected))   # re-parsed in place from the stored XML
    assert "$1,864,550,000" in json.dumps(stored)       # an amount the lossy parse had dropped
    # polling and fetching again is as quiet
    ctx = poll(f"sqlite:///{db}", gov_sandbox)
    refetch(ctx)
    ctx.close()
    assert _rows(db) == after


def test_without_the_migration_a_refetch_would_mint_versions(tmp_path, gov_sandbox):
    """The control: the same database marked as migrated without re-parsing gains a version per
    re-parsed text — what the migration prevents."""
    db = tmp_path / "stamped.sqlite"
    shutil.copy(PRE17, db)
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '0004'")
    con.commit()
    con.close()
    before = _rows(db)["document_versions"]
    ctx = poll(f"sqlite:///{db}", gov_sandbox)
    refetch(ctx)
    ctx.close()
    assert _rows(db)["document_versions"] > before
