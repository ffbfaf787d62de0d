"""Full-text search over passages: FTS5 + bm25 on SQLite, tsvector + ts_rank_cd on PostgreSQL.

User text never reaches ``MATCH`` raw: it is cut into word tokens, each one double-quoted, so
``H.R. 2683``, ``"NOT"`` or ``title:(x`` cannot break a query. Identifiers and titles live in
their own ``ids`` column, weighted highest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from scrapers.ids import find_bill_ids

STOPWORDS = frozenset("""a an and are as at be by did do does for from has have how i in is it its of on or
that the this to was were what when where which who why will with would about any can me tell there their
they than then so if""".split())
WEIGHTS = (10.0, 3.0, 1.0)   # ids, heading, text
_TOKEN = re.compile(r"[A-Za-z0-9]+")


@dataclass
class Hit:
    passage_id: int
    document_id: int
    version_id: int
    kind: str
    external_id: str
    title: str
    url: str | None
    anchor: str
    heading: str
    text: str
    score: float
    fetched_at: datetime | None
    doc_date: object = None


def tokens(query: str) -> list[str]:
    """Search tokens: words and numbers, lower case, stopwords dropped, bill ids added canonically."""
    out: list[str] = []
    for bid in find_bill_ids(query, congress=None):
        out += [f"{bid.type}{bid.number}"]
    for t in _TOKEN.findall(query.lower()):
        if t not in STOPWORDS and t not in out and (len(t) > 1 or t.isdigit()):
            out.append(t)
    return out[:32]


def fts5_query(query: str) -> str:
    """A safe FTS5 MATCH expression: every token quoted, OR-ed (bm25 ranks the best first)."""
    toks = tokens(query)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in toks)


def search(engine: Engine, query: str, *, limit: int = 8, kinds: list[str] | None = None,
           current_only: bool = True) -> list[Hit]:
    if engine.dialect.name == "postgresql":
        return _search_pg(engine, query, limit=limit, kinds=kinds, current_only=current_only)
    match = fts5_query(query)
    if not match:
        return []
    where = ["passages_fts MATCH :q"]
    params: dict = {"q": match, "limit": limit}
    if current_only:
        where.append("p.current = 1")
    if kinds:
        where.append("d.kind IN (" + ",".join(f":k{i}" for i in range(len(kinds))) + ")")
        params.update({f"k{i}": k for i, k in enumerate(kinds)})
    stmt = sql(f"""
        SELECT p.id, p.document_id, p.version_id, d.kind, d.external_id, d.title, d.url, p.anchor, p.heading,
               p.text, bm25(passages_fts, {WEIGHTS[0]}, {WEIGHTS[1]}, {WEIGHTS[2]}) AS score, v.fetched_at, d.doc_date
        FROM passages_fts
        JOIN passages p ON p.id = passages_fts.rowid
        JOIN documents d ON d.id = p.document_id
        JOIN document_versions v ON v.id = p.version_id
        WHERE {' AND '.join(where)}
        ORDER BY score LIMIT :limit""")
    with engine.connect() as conn:
        rows = conn.execute(stmt, params).all()
    return [_hit(r, -float(r.score)) for r in rows]


def _search_pg(engine: Engine, query: str, *, limit: int, kinds, current_only: bool) -> list[Hit]:
    toks = tokens(query)
    if not toks:
        return []
    # websearch_to_tsquery treats plain words as AND; join with "or" so ranking (not filtering) decides.
    q = " or ".join(toks)
    where = ["p.tsv @@ websearch_to_tsquery('english', :q)"]
    params: dict = {"q": q, "limit": limit}
    if current_only:
        where.append("p.current = true")
    if kinds:
        where.append("d.kind = ANY(:kinds)")
        params["kinds"] = list(kinds)
    stmt = sql(f"""
        SELECT p.id, p.document_id, p.version_id, d.kind, d.external_id, d.title, d.url, p.anchor, p.heading,
               p.text, ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', p.tsv, websearch_to_tsquery('english', :q)) AS score,
               v.fetched_at, d.doc_date
        FROM passages p
        JOIN documents d ON d.id = p.document_id
        JOIN document_versions v ON v.id = p.version_id
        WHERE {' AND '.join(where)}
        ORDER BY score DESC, p.id LIMIT :limit""")
    with engine.connect() as conn:
        rows = conn.execute(stmt, params).all()
    return [_hit(r, float(r.score)) for r in rows]


def _hit(r, score: float) -> Hit:
    fetched = r.fetched_at
    if isinstance(fetched, str):
        fetched = datetime.fromisoformat(fetched)
    return Hit(passage_id=r.id, document_id=r.document_id, version_id=r.version_id, kind=r.kind,
               external_id=r.external_id, title=r.title, url=r.url, anchor=r.anchor, heading=r.heading or "",
               text=r.text or "", score=score, fetched_at=fetched, doc_date=r.doc_date)
