"""bill text versions re-parsed in place with the faithful parser (issue 17)

A bill text version is keyed by the hash of its parsed content. The parser now reads every word
of the body (appropriations paragraphs, preambles, collection/component nesting, engrossed
amendments…), so a re-fetch of a version stored by the earlier parser would hash differently and
be recorded as a new version, with a "republished with changes" alert. This migration re-parses
every stored bill text version from the XML it was stored with (``raw``) and rewrites its content,
hash, text and search passages, so the next poll finds the version it already has — and a later
diff compares two versions read the same way. A version whose XML is missing or no longer parses,
or whose new hash another version of the same document already has, is left as it was (logged).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
import json
import logging

import sqlalchemy as sa
from alembic import op

from scrapers.billtext import parse_bill_text, passages, render_text
from scrapers.errors import LegiswatchError
from scrapers.records import billtext_to_dict
from storage.repo.base import dumps, sha256

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("legiswatch.migrations")


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT v.id, v.document_id, v.raw, v.content_json, v.content_sha256, d.latest_version_id "
        "FROM document_versions v JOIN documents d ON d.id = v.document_id "
        "WHERE d.kind = 'bill_text' ORDER BY v.id")).fetchall()
    hashes: dict[int, set[str]] = {}
    for row in rows:
        hashes.setdefault(row.document_id, set()).add(row.content_sha256)
    changed = kept = 0
    for row in rows:
        if row.raw is None:
            kept += 1
            continue
        old = json.loads(row.content_json or "{}")
        raw = bytes(row.raw)
        try:
            bt = parse_bill_text(raw, bill_id=old.get("bill_id") or None, version_code=old.get("version_code") or None)
        except LegiswatchError as exc:
            log.warning("bill text version %s not re-parsed (%s); kept as stored", row.id, exc)
            kept += 1
            continue
        content = billtext_to_dict(bt)
        digest = sha256(content)
        if digest == row.content_sha256:
            continue
        if digest in hashes[row.document_id]:
            log.warning("bill text version %s re-parses like another version of its document; kept as stored", row.id)
            kept += 1
            continue
        hashes[row.document_id].discard(row.content_sha256)
        hashes[row.document_id].add(digest)
        conn.execute(sa.text("UPDATE document_versions SET content_json = :c, content_sha256 = :h, text = :t "
                             "WHERE id = :id"), {"c": dumps(content), "h": digest, "t": render_text(bt), "id": row.id})
        _reindex(conn, row, bt)
        changed += 1
    if changed or kept:
        log.info("bill text versions re-parsed: %d rewritten, %d kept as stored", changed, kept)


def _reindex(conn, row, bt) -> None:
    """The version's search passages, rebuilt from the new units (same ids and current flag)."""
    old = conn.execute(sa.text("SELECT ids, current FROM passages WHERE version_id = :v ORDER BY ordinal LIMIT 1"),
                       {"v": row.id}).fetchone()
    if old is None:
        return
    conn.execute(sa.text("DELETE FROM passages WHERE version_id = :v"), {"v": row.id})
    new = passages(bt)
    if new:
        conn.execute(sa.text("INSERT INTO passages (version_id, document_id, ordinal, anchor, heading, text, ids, "
                             "current) VALUES (:v, :d, :o, :a, :h, :t, :i, :c)"),
                     [{"v": row.id, "d": row.document_id, "o": n, "a": p.anchor[:200], "h": p.heading, "t": p.text,
                       "i": old.ids, "c": old.current} for n, p in enumerate(new)])


def downgrade() -> None:
    # the earlier content cannot be rebuilt without the earlier parser; the re-parsed rows stay valid
    pass
