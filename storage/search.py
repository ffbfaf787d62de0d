"""Full-text search over passages: FTS5 + bm25 on SQLite, tsvector + ts_rank_cd on PostgreSQL.

User text never reaches ``MATCH`` raw: it is cut into word tokens, each one double-quoted, so
``H.R. 2683``, ``"NOT"`` or ``title:(x`` cannot break a query. Identifiers and titles live in
their own ``ids`` column, weighted highest (ids 10, heading 3, text 1).

bm25 costs time per matching row, so on a large store the work is bounded: stopwords (with the
boilerplate of legal text) are dropped, at most ``MAX_TERMS`` words are kept; exact ids found
in the question (bill ids, Federal Register document numbers) are searched first as phrases in
the ``ids`` column, which touches few rows; words are OR-ed rarest first while the rows they
match stay under ``RANK_BUDGET`` (document frequencies are counted with an early stop), and
words found nearly everywhere are only used unranked; bm25 runs inside FTS5 before any join, so
only the top rows are joined to their documents.
"""

from __future__ import annotations

from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from storage import search_plan as rules
from storage.db import reader
from storage.search_pg import search_pg
from storage.search_plan import WEIGHTS, Hit, QueryPlan, hit_from_row, plan

__all__ = ["Hit", "QueryPlan", "plan", "search"]



def _quote(t: str) -> str:
    return '"' + t.replace('"', '""') + '"'


def _or(terms: list[str]) -> str:
    return " OR ".join(_quote(t) for t in terms)


def _df(conn, term: str) -> int:
    """How many passages hold ``term``, counted only up to COMMON (cheap: stops early)."""
    return conn.execute(sql("SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH :q "
                            "LIMIT :cap)"), {"q": _quote(term), "cap": rules.COMMON}).scalar()


def _passes(conn, p: QueryPlan) -> list[tuple[str, bool]]:
    """``(MATCH expression, ranked)`` pairs to run in order, most precise first.

    Words are OR-ed rarest first while the rows they match stay under RANK_BUDGET, so bm25 never
    scores more than that many rows; words found almost everywhere (COMMON or more passages) are
    only used unranked, newest rows first, when nothing better matched."""
    scope = "ids : (" + _or(p.ids) + ")" if p.ids else ""
    counted = sorted(((_df(conn, w), w) for w in p.terms), key=lambda x: x[0])
    rare, total = [], 0
    for df, w in counted:
        if df >= rules.COMMON or (rare and total + df > rules.RANK_BUDGET):
            break
        rare.append(w)
        total += df
    common = [w for df, w in counted if w not in rare]
    out: list[tuple[str, bool]] = []
    if scope and p.words:
        out.append((f"({scope}) AND ({_or(p.terms)})", True))
    if rare:
        out.append((_or(rare), True))
    if scope:
        out.append((scope, True))
    if common:
        if len(common) > 1:
            out.append((" AND ".join(_quote(w) for w in common), False))
        out.append((_or(common), False))
    return out


def search(engine: Engine, query: str, *, limit: int = 8, kinds: list[str] | None = None,
           current_only: bool = True, ids: list[str] | None = None) -> list[Hit]:
    """The best ``limit`` current passages for ``query`` (best first).

    Exact ids in the query (or given in ``ids``) are searched first; words fill the rest."""
    if engine.dialect.name == "postgresql":
        return _search_pg(engine, query, limit=limit, kinds=kinds, current_only=current_only, ids=ids)
    p = plan(query, ids)
    if not (p.ids or p.words):
        return []
    out: list[Hit] = []
    seen: set[int] = set()
    with reader(engine).connect() as conn:      # a deferred read: never waits behind a writer
        for match, ranked in _passes(conn, p):
            for h in _run_sqlite(conn, match, ranked=ranked, limit=limit, kinds=kinds, current_only=current_only):
                if h.passage_id not in seen:
                    seen.add(h.passage_id)
                    out.append(h)
            if len(out) >= limit:
                break
    return out[:limit]


_COLUMNS = """p.id, p.document_id, p.version_id, d.kind, d.external_id, d.title, d.url, p.anchor, p.heading,
               p.text, f.s AS score, v.fetched_at, d.doc_date"""
_JOINS = """JOIN passages p ON p.id = f.pid
        JOIN documents d ON d.id = p.document_id
        JOIN document_versions v ON v.id = p.version_id"""
_BM25 = f"bm25(passages_fts, {WEIGHTS[0]}, {WEIGHTS[1]}, {WEIGHTS[2]})"


def _filters(kinds, current_only) -> tuple[list[str], dict]:
    where: list[str] = []
    params: dict = {}
    if current_only:
        where.append("p.current = 1")
    if kinds:
        where.append("d.kind IN (" + ",".join(f":k{i}" for i in range(len(kinds))) + ")")
        params.update({f"k{i}": k for i, k in enumerate(kinds)})
    return where, params


def _run_sqlite(conn, match: str, *, ranked: bool, limit: int, kinds, current_only: bool) -> list[Hit]:
    """Rank inside FTS5 first (only the top rows are joined); when the filters leave too few of
    them and more matches exist, rank again after filtering. Unranked passes take the newest rows."""
    where, params = _filters(kinds, current_only)
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    fetch = limit * rules.OVERFETCH + 8
    order = "s" if ranked else "rowid DESC"
    inner = f"SELECT rowid AS pid, {_BM25} AS s FROM passages_fts WHERE passages_fts MATCH :q ORDER BY {order}"
    stmt = sql(f"SELECT {_COLUMNS} FROM ({inner} LIMIT :fetch) f {_JOINS}{cond} ORDER BY f.s LIMIT :limit")
    rows = conn.execute(stmt, {**params, "q": match, "fetch": fetch, "limit": limit}).all()
    if len(rows) < limit and where and ranked:
        more = conn.execute(sql("SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH :q "
                                "LIMIT :fetch)"), {"q": match, "fetch": fetch + 1}).scalar()
        if more > fetch:
            stmt = sql(f"SELECT {_COLUMNS} FROM ({inner}) f {_JOINS}{cond} ORDER BY f.s LIMIT :limit")
            rows = conn.execute(stmt, {**params, "q": match, "limit": limit}).all()
    return [hit_from_row(r, -float(r.score)) for r in rows]


def _search_pg(engine: Engine, query: str, *, limit: int, kinds, current_only: bool,
               ids: list[str] | None) -> list[Hit]:
    """PostgreSQL: tsvector + GIN candidates, ranked with FTS5's BM25 (see ``storage/search_pg.py``)."""
    return search_pg(engine, plan(query, ids), limit=limit, kinds=kinds, current_only=current_only)
