"""bill names indexed: ``bill_names`` (the keys a question may call a bill by) and bills by type/number

A question naming "the Remote Access Security Act" (or "RAS Act") and a card's "same short title"
look the name up in ``bill_names`` instead of loading every bill; a number without a Congress
("H.R. 2683") finds the Congresses it is stored in through ``ix_bills_type_number``. Existing bills
get their keys here (the rule is ``scrapers.ids.title_keys``, copied so this migration stays fixed).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _keys(short_title: str) -> list[tuple[str, int, bool]]:
    words = re.sub(r"[^a-z0-9]+", " ", (short_title or "").lower()).split()
    if not words:
        return []
    out = [(" ".join(words), len(words), True)]
    if len(words) >= 3 and words[-1] == "act":
        initials = "".join(w[0] for w in words[:-1] if w not in ("of", "the", "and", "for", "to", "on", "in"))
        if len(initials) >= 2:
            out += [(f"{initials} act", 2, False), (f"{initials}a", 1, False)]
    return out


def upgrade() -> None:
    op.create_table(
        "bill_names",
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("bill_id", sa.String(length=32), sa.ForeignKey("bills.id"), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", "bill_id"),
    )
    op.create_index("ix_bill_names_bill_id", "bill_names", ["bill_id"])
    op.create_index("ix_bill_names_words", "bill_names", ["words"])
    op.create_index("ix_bills_type_number", "bills", ["type", "number"])
    bind = op.get_bind()
    rows = []
    for bill_id, short in bind.execute(sa.text("SELECT id, short_title FROM bills")).fetchall():
        seen = set()
        for key, n, whole in _keys(short or ""):
            if key[:512] not in seen:
                seen.add(key[:512])
                rows.append({"key": key[:512], "bill_id": bill_id, "words": n, "whole": whole})
    if rows:
        bind.execute(sa.text("INSERT INTO bill_names (key, bill_id, words, whole) VALUES (:key, :bill_id, :words, :whole)"),
                     rows)


def downgrade() -> None:
    op.drop_index("ix_bills_type_number", table_name="bills")
    op.drop_table("bill_names")
