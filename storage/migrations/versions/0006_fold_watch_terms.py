"""watched terms are case-insensitive: fold existing duplicates into one lower-case item

Before, ``"export controls"`` and ``"Export Controls"`` were two watch items; now a term's value is
its case-folded text (the label keeps the spelling first given). Of the rows that fold to the same
value the oldest is kept (its label, channel and who added it); the others are deleted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, value, label FROM watch_items WHERE kind = 'term' "
                                "ORDER BY added_at, id")).fetchall()
    kept: dict[str, int] = {}
    for row_id, value, label in rows:
        folded = " ".join((value or "").split()).casefold()
        if folded in kept:
            bind.execute(sa.text("DELETE FROM watch_items WHERE id = :id"), {"id": row_id})
            continue
        kept[folded] = row_id
        if folded != value:
            bind.execute(sa.text("UPDATE watch_items SET value = :v, label = :l WHERE id = :id"),
                         {"v": folded, "l": label or value, "id": row_id})


def downgrade() -> None:
    pass            # folded terms stay folded: the old code reads them as ordinary terms
