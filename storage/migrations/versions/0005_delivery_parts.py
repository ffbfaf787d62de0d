"""deliveries hold data in ordered parts, each with its own idempotency key

Before, an alert delivery held ``{"change_id": N}`` and a digest delivery the Block Kit already
rendered; now every payload is ``{"v": 2, "parts": [{"key", "kind", "data"}]}``, rendered for its
target when it is delivered. Rows already written are rewritten to that shape (a pre-rendered
digest part keeps its blocks as a ``rendered`` part), so a delivery queued before the upgrade is
delivered once, as it was queued.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _parts(target: str, purpose: str, ref: str, payload: dict) -> list[dict]:
    # the same rule as bot.services.outbox.legacy_parts, frozen here as of this revision
    if "change_id" in payload and "blocks" not in payload:
        cid = payload["change_id"]
        return [{"key": f"alert:{target}:{cid}", "kind": "alert", "data": {"change_id": cid}}]
    if payload.get("blocks"):
        return [{"key": f"{purpose}:{target}:{ref}", "kind": "rendered",
                 "data": {"text": payload.get("text") or " ", "blocks": payload["blocks"]}}]
    return [{"key": f"{purpose}:{target}:{ref}", "kind": "text", "data": {"text": payload.get("text") or ""}}]


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, target, purpose, ref, payload_json FROM deliveries")).all()
    for row in rows:
        try:
            payload = json.loads(row.payload_json or "{}")
        except ValueError:
            payload = {}
        if not isinstance(payload, dict) or payload.get("v") == 2:
            continue
        new = {"v": 2, "parts": _parts(row.target, row.purpose, row.ref, payload)}
        conn.execute(sa.text("UPDATE deliveries SET payload_json = :p WHERE id = :id"),
                     {"p": json.dumps(new, ensure_ascii=False), "id": row.id})


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, payload_json FROM deliveries")).all()
    for row in rows:
        payload = json.loads(row.payload_json or "{}")
        parts = payload.get("parts") if isinstance(payload, dict) else None
        if not parts:
            continue
        first = parts[0]
        old = ({"change_id": first["data"]["change_id"]} if first["kind"] == "alert"
               else {"text": first["data"].get("text", ""), "blocks": first["data"].get("blocks", [])})
        conn.execute(sa.text("UPDATE deliveries SET payload_json = :p WHERE id = :id"),
                     {"p": json.dumps(old, ensure_ascii=False), "id": row.id})
