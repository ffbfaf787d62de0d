"""Stored and shown links are the public ones (issue 22, links): the demo fetches govinfo through
its sandbox on 127.0.0.1, but documents, changes, cards and digests name https://www.govinfo.gov/…,
which still works once the demo has ended; the sandbox address stays provenance (fetched_url)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from bot.frontends.cli import main
from bot.frontends.demo import DEMO_NOW, DEMO_SINCE, demo_context
from bot.sandbox.government import GovSandbox
from bot.services.card import bill_card
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.pipeline import poll
from bot.slack.blocks import digest_messages, status_card
from scrapers.govinfo import GovinfoClient

FIXTURE = Path(__file__).resolve().parent / "data" / "upgrade" / "pre_public_links.sqlite"
LOCAL = "127.0.0.1"


def _rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _kinds(db: Path, table: str) -> list[str]:
    return [k for (k,) in _rows(db, f"SELECT DISTINCT kind FROM {table}")]


def _within(kinds: list[str]) -> str:
    return "kind IN ({})".format(", ".join(f"'{k}'" for k in kinds))


def _counts(db: Path, doc_kinds: list[str], change_kinds: list[str]) -> dict[str, int]:
    """Documents, versions, changes and alerts of the kinds the old database held: a source added
    since (eCFR) brings kinds of its own, which are not what this upgrade is about."""
    docs, changes = _within(doc_kinds), _within(change_kinds)
    return {"documents": _rows(db, f"SELECT count(*) FROM documents WHERE {docs}")[0][0],
            "document_versions": _rows(db, "SELECT count(*) FROM document_versions v JOIN documents d "
                                           f"ON d.id = v.document_id WHERE d.{docs}")[0][0],
            "changes": _rows(db, f"SELECT count(*) FROM changes WHERE {changes}")[0][0],
            "deliveries": _rows(db, "SELECT count(*) FROM deliveries WHERE change_id IS NULL OR change_id IN "
                                    f"(SELECT id FROM changes WHERE {changes})")[0][0]}


def test_public_and_local_urls_map_only_govinfo_paths():
    g = GovinfoClient(None, "http://127.0.0.1:9/govinfo/", "http://127.0.0.1:9/govinfo-api", "k")
    local = "http://127.0.0.1:9/govinfo/content/pkg/BILLS-119hr2683eh/xml/BILLS-119hr2683eh.xml"
    public = "https://www.govinfo.gov/content/pkg/BILLS-119hr2683eh/xml/BILLS-119hr2683eh.xml"
    assert g.public_url(local) == public and g.local_url(public) == local
    assert g.public_url("http://127.0.0.1:9/govinfo-api/x") == "http://127.0.0.1:9/govinfo-api/x"   # not the base
    assert g.local_url("https://www.congress.gov/bill/119th-congress/house-bill/2683") == \
        "https://www.congress.gov/bill/119th-congress/house-bill/2683"


def test_the_demo_database_holds_no_sandbox_link(clean_env, capsys):
    assert main(["demo"]) == 0
    capsys.readouterr()
    db = Path(clean_env) / "legiswatch-demo.db"
    urls = [u for (u,) in _rows(db, "SELECT url FROM documents")]
    assert urls and not [u for u in urls if u and LOCAL in u]
    details = [json.loads(d) for (d,) in _rows(db, "SELECT detail_json FROM changes")]
    assert not [d for d in details if LOCAL in str(d.get("url") or "")]
    assert not _rows(db, f"SELECT xml_url FROM text_versions WHERE xml_url LIKE '%{LOCAL}%'")
    # the text and the Record are named by their public address …
    public = {kind: u for kind, u in _rows(db, "SELECT kind, url FROM documents WHERE kind IN "
                                               "('bill_text', 'congressional_record')")}
    assert public["bill_text"].startswith("https://www.govinfo.gov/content/pkg/BILLS-")
    assert public["congressional_record"].startswith("https://www.govinfo.gov/content/pkg/CREC-2026-01-12/html/")
    # … and were fetched from the sandbox (the configured base), which stays provenance
    fetched = _rows(db, "SELECT v.fetched_url FROM document_versions v JOIN documents d ON d.id = v.document_id "
                        "WHERE d.kind = 'bill_text'")
    assert fetched and all(f.startswith(f"http://{LOCAL}:") for (f,) in fetched)

    ctx = Context(settings=Settings(db_url=f"sqlite:///{db}", watchlist="none.toml"), now_override=DEMO_NOW)
    try:
        card = bill_card(ctx, "hr2683-119", fetch=False)
        shown = json.dumps([card.to_dict(), status_card(card)], default=str)
        assert "https://www.govinfo.gov/content/pkg/BILLS-119hr2683eh/xml/BILLS-119hr2683eh.xml" in shown
        assert LOCAL not in shown
        digest = build_digest(ctx)
        shown = json.dumps([digest.to_dict(), digest_messages(digest)], default=str)
        assert digest.items and "https://" in shown and LOCAL not in shown
    finally:
        ctx.close()


def test_an_old_demo_database_polled_again_gains_nothing(tmp_path, clean_env):
    db = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, db)
    assert _rows(db, f"SELECT count(*) FROM documents WHERE url LIKE '%{LOCAL}%'")[0][0] > 0   # the old links
    kinds = (_kinds(db, "documents"), _kinds(db, "changes"))
    before = _counts(db, *kinds)
    with GovSandbox() as sandbox:                 # another run: another port than the fixture's
        ctx = demo_context(Context(settings=Settings(db_url=f"sqlite:///{db}")), sandbox.base_urls())
        try:
            reports = poll(ctx, since=DEMO_SINCE)
            assert all(r.ok for r in reports), [r.error for r in reports]
            assert not [c for r in reports for c in r.changes if c.kind in kinds[1]]
            card = bill_card(ctx, "hr2683-119", fetch=False)
            assert card.text_versions
        finally:
            ctx.close()
    assert _counts(db, *kinds) == before                  # no version, change or alert
