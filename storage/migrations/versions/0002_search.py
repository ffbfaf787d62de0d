"""full-text search over passages: FTS5 on SQLite, a generated tsvector on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE = [
    """CREATE VIRTUAL TABLE passages_fts USING fts5(
           ids, heading, text, content='passages', content_rowid='id', tokenize='porter unicode61')""",
    """CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
           INSERT INTO passages_fts(rowid, ids, heading, text) VALUES (new.id, new.ids, new.heading, new.text);
       END""",
    """CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
           INSERT INTO passages_fts(passages_fts, rowid, ids, heading, text)
           VALUES ('delete', old.id, old.ids, old.heading, old.text);
       END""",
    """CREATE TRIGGER passages_au AFTER UPDATE OF ids, heading, text ON passages BEGIN
           INSERT INTO passages_fts(passages_fts, rowid, ids, heading, text)
           VALUES ('delete', old.id, old.ids, old.heading, old.text);
           INSERT INTO passages_fts(rowid, ids, heading, text) VALUES (new.id, new.ids, new.heading, new.text);
       END""",
]

# Each column is first cut at punctuation, so "2026-00789" and "hr2683-119" give the tokens FTS5's
# unicode61 tokenizer gives ("2026" "00789", "hr2683" "119"); PostgreSQL's parser would otherwise
# read "-00789" as a signed number. The class names code points (ASCII punctuation, Latin-1
# symbols such as "§", the General Punctuation block: dashes, curly quotes, "…"), so the result
# does not depend on the database's locale. Weights: ids A, heading B, text C.
_PUNCT = r"[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\u00a0-\u00bf\u2000-\u206f]+"
_PG_COLUMN = "setweight(to_tsvector('english', regexp_replace(coalesce({col}, ''), '" + _PUNCT + "', ' ', 'g')), '{w}')"
POSTGRES = [
    "ALTER TABLE passages ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    + " || ".join(_PG_COLUMN.format(col=c, w=w) for c, w in (("ids", "A"), ("heading", "B"), ("text", "C")))
    + ") STORED",
    "CREATE INDEX ix_passages_tsv ON passages USING GIN (tsv)",
]


def upgrade() -> None:
    name = op.get_bind().dialect.name
    for stmt in SQLITE if name == "sqlite" else POSTGRES if name == "postgresql" else []:
        op.execute(stmt)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        for trig in ("passages_ai", "passages_ad", "passages_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trig}")
        op.execute("DROP TABLE IF EXISTS passages_fts")
    elif name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_passages_tsv")
        op.execute("ALTER TABLE passages DROP COLUMN IF EXISTS tsv")
