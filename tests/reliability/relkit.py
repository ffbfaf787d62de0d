"""Shared helpers for the reliability suite: settings pointed at a sandbox with tiny retry budgets, and a
snapshot of what a database holds (compared across runs, checked for duplicates).

Every test module here is marked ``reliability`` (deselected by the default ``pytest`` run; run by
``.ci/run`` as ``pytest -m reliability tests/reliability``).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.services.config import Settings

ROOT = Path(__file__).resolve().parents[2]
WATCHLIST = ROOT / "watchlist.toml"
NOW = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)      # the flagship story's January 2026 (a Tuesday)
SECRET_KEY = "SECRETKEY-5a8d2f0e91c7b3"             # a recognisable api.data.gov key, scanned for in logs
FAST = dict(http_retries=1, http_timeout=0.5, retry_after_max=1.0)
QUIET = dict(slack_bot_token="", slack_app_token="", slack_signing_secret="", openai_api_key="", openai_base_url="",
             alert_channel="", digest_channel="")


def settings_for(sandbox, db_url: str, **over) -> Settings:
    """Settings for a poll against ``sandbox``: no Slack, no LLM, the repo's seed watchlist, a real
    (non-demo) key and tiny retry/timeout budgets. ``over`` wins."""
    fields = dict(db_url=db_url, watchlist=str(WATCHLIST), congress_api_key=SECRET_KEY, **QUIET, **FAST)
    if sandbox is not None:
        fields.update(sandbox.base_urls())
    fields.update(over)
    return Settings(_env_file=None, **fields)


def db_path(db_url: str) -> Path:
    return Path(db_url.split("///", 1)[1])


@dataclass
class Snapshot:
    """What a database holds, in run-independent terms (no row ids, no timestamps)."""

    versions: set[tuple[str, str, str, str]] = field(default_factory=set)   # kind, external id, content hash, text hash
    changes: set[tuple[str, str]] = field(default_factory=set)              # key, kind
    deliveries: set[tuple[str, str, str]] = field(default_factory=set)      # target, purpose, change key or ref
    bills: set[tuple[str, str]] = field(default_factory=set)                # bill id, stage
    duplicates: list[str] = field(default_factory=list)
    passages: int = 0
    fts: int = 0

    def by_source(self, source_of: dict[tuple[str, str], str], name: str) -> set:
        return {v for v in self.versions if source_of.get((v[0], v[1])) == name}


def _h(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:16]


def snapshot(db: Path | str) -> Snapshot:
    """Read a database (read-only) into a ``Snapshot``; duplicated natural keys are listed."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        snap = Snapshot()
        rows = con.execute("SELECT d.kind, d.external_id, v.content_sha256, v.text FROM document_versions v "
                           "JOIN documents d ON d.id = v.document_id").fetchall()
        snap.versions = {(k, e, h, _h(t)) for k, e, h, t in rows}
        if len(snap.versions) != len(rows):
            snap.duplicates.append(f"{len(rows) - len(snap.versions)} duplicated versions")
        rows = con.execute("SELECT key, kind FROM changes").fetchall()
        snap.changes = set(rows)
        keys = dict(con.execute("SELECT id, key FROM changes").fetchall())
        rows = con.execute("SELECT target, purpose, ref, change_id FROM deliveries").fetchall()
        snap.deliveries = {(t, p, keys.get(c, r) if c else r) for t, p, r, c in rows}
        if len(snap.deliveries) != len(rows):
            snap.duplicates.append(f"{len(rows) - len(snap.deliveries)} duplicated deliveries")
        snap.bills = set(con.execute("SELECT id, stage FROM bills").fetchall())
        dup_docs = con.execute("SELECT kind, external_id, count(*) FROM documents GROUP BY 1, 2 HAVING count(*) > 1"
                               ).fetchall()
        snap.duplicates += [f"document {k}/{e} ×{n}" for k, e, n in dup_docs]
        dup_current = con.execute("SELECT document_id, ordinal, count(*) FROM passages WHERE current "
                                  "GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
        snap.duplicates += [f"current passage {d}#{o} ×{n}" for d, o, n in dup_current]
        snap.passages = con.execute("SELECT count(*) FROM passages").fetchone()[0]
        snap.fts = con.execute("SELECT count(*) FROM passages_fts").fetchone()[0]
        return snap
    finally:
        con.close()


def source_of_documents(db: Path | str) -> dict[tuple[str, str], str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {(k, e): s for k, e, s in con.execute("SELECT kind, external_id, source FROM documents")}
    finally:
        con.close()


def integrity(db: Path | str) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
