"""PostgreSQL full-text search that ranks like SQLite's FTS5 ``bm25``.

The ``passages.tsv`` column (migration 0002) is a generated ``tsvector``: ``ids`` with weight A,
``heading`` B and ``text`` C, each first cut at every non-alphanumeric character so
``2026-00789`` and ``hr2683-119`` give the tokens FTS5's ``unicode61`` tokenizer gives. A GIN
index on it finds the candidates (``tsv @@ websearch_to_tsquery('english', …)``).

PostgreSQL's ``ts_rank`` knows nothing of how rare a word is, so its top results differ from
SQLite's. Candidates are scored here with the BM25 formula FTS5 uses (k1 = 1.2, b = 0.75, IDF
floored at 1e-6) and the same column weights (``storage.search.WEIGHTS``):

* document frequencies: one GIN-indexed count per query term, over all passages (as FTS5);
* weighted term frequencies: from the tsvector's own positions and weights (``unnest(tsv)``);
* document length: the passage's bytes against the table's mean (FTS5 counts tokens; the ratio
  is what BM25 uses, and the two agree closely).

The passes mirror SQLite's (``storage.search._passes``): exact ids (weight A only) with the
words; the rare words, OR-ed while their rows stay under ``RANK_BUDGET``; the ids alone; then
common words, unranked (the newest rows, ordered by score). Hits are collected until ``limit``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, TEXT
from sqlalchemy.engine import Connection, Engine

from storage import search as base
from storage.search import WEIGHTS, Hit, QueryPlan, _hit

log = logging.getLogger(__name__)

K1, B = 1.2, 0.75
CANDIDATE_CAP = 20_000       # a safety net: rows scored per pass at most (the newest)
_LEN = "(octet_length(coalesce(p.ids, '')) + octet_length(coalesce(p.heading, '')) + octet_length(coalesce(p.text, '')))"
_A_ONLY = "ts_filter({tsv}, '{{a}}')"


@dataclass
class Term:
    """One query phrase: a content word (any column) or an exact id (the ids column only)."""

    query: str              # websearch syntax: a word, or a quoted phrase for an id
    is_id: bool
    lexeme: str = ""        # the word's stem
    df: int = 0
    idf: float = 0.0


@dataclass
class Pass:
    ids: list[Term]
    words: list[Term]
    all_words: bool = False   # words AND-ed (else OR-ed)
    ranked: bool = True       # False: the newest matching rows, then ordered by score


def search_pg(engine: Engine, p: QueryPlan, *, limit: int, kinds, current_only: bool) -> list[Hit]:
    """The best ``limit`` passages for the plan, best first (scores: higher is better)."""
    ids = [Term(f'"{i}"', True) for i in p.ids]
    words = [Term(w, False) for w in p.words]
    if not ids and not words:
        return []
    out: list[Hit] = []
    seen: set[int] = set()
    with engine.connect() as conn:
        avgdl = _collection_stats(conn, ids + words)
        for ps in passes(ids, words):
            for h in _rank(conn, ps, avgdl=avgdl, limit=limit, kinds=kinds, current_only=current_only):
                if h.passage_id not in seen:
                    seen.add(h.passage_id)
                    out.append(h)
            if len(out) >= limit:
                break
    return out[:limit]


def passes(ids: list[Term], words: list[Term]) -> list[Pass]:
    """The passes to run in order, most precise first (the same rules as the SQLite backend)."""
    common_at = getattr(base, "COMMON", 8_000)
    budget = getattr(base, "RANK_BUDGET", 6_000)
    by_df = sorted(words, key=lambda t: t.df)      # stable: equally rare words keep the question's order
    rare: list[Term] = []
    total = 0
    for t in by_df:
        if t.df >= common_at or (rare and total + t.df > budget):
            break
        rare.append(t)
        total += t.df
    common = by_df[len(rare):]
    out: list[Pass] = []
    if ids and words:
        out.append(Pass(ids, words))
    if rare:
        out.append(Pass([], rare))
    if ids:
        out.append(Pass(ids, []))
    if common:
        if len(common) > 1:
            out.append(Pass([], common, all_words=True, ranked=False))
        out.append(Pass([], common, ranked=False))
    return out


def _collection_stats(conn: Connection, terms: list[Term]) -> float:
    """Sets each term's stem, document frequency and IDF; returns the mean passage length."""
    cols = ["(SELECT count(*) FROM passages) AS n", f"(SELECT avg({_LEN}) FROM passages p) AS avgdl"]
    params: dict = {}
    for k, t in enumerate(terms):
        params[f"t{k}"] = t.query
        q = f"websearch_to_tsquery('english', :t{k})"
        cond = f"tsv @@ {q}" + (f" AND {_A_ONLY.format(tsv='tsv')} @@ {q}" if t.is_id else "")
        cols.append(f"(SELECT count(*) FROM passages WHERE {cond}) AS df{k}")
        cols.append(f"(tsvector_to_array(to_tsvector('english', :t{k})))[1] AS lex{k}")
    row = conn.execute(sql("SELECT " + ", ".join(cols)), params).one()._mapping
    n = int(row["n"])
    for k, t in enumerate(terms):
        t.df, t.lexeme = int(row[f"df{k}"]), row[f"lex{k}"] or ""
        t.idf = max(math.log((n - t.df + 0.5) / (t.df + 0.5)), 1e-6)
    return float(row["avgdl"] or 1.0)


def _rank(conn: Connection, ps: Pass, *, avgdl: float, limit: int, kinds, current_only: bool) -> list[Hit]:
    """Score one pass's candidates with BM25; the top ``limit`` hits."""
    params: dict = {"avgdl": avgdl, "limit": limit, "k1": K1, "b": B,
                    "wa": WEIGHTS[0], "wb": WEIGHTS[1], "wc": WEIGHTS[2]}
    id_q = []
    for k, t in enumerate(ps.ids):
        params[f"i{k}"], params[f"iidf{k}"] = t.query, t.idf
        id_q.append(f"websearch_to_tsquery('english', :i{k})")
    match: list[str] = []
    if id_q:
        any_id = "(" + " || ".join(id_q) + ")"
        match += [f"p.tsv @@ {any_id}", f"{_A_ONLY.format(tsv='p.tsv')} @@ {any_id}"]
    if ps.words:
        params["wq"] = (" " if ps.all_words else " or ").join(t.query for t in ps.words)
        match.append("p.tsv @@ websearch_to_tsquery('english', :wq)")
    filters: list[str] = []
    if current_only:
        filters.append("p.current = true")
    if kinds:
        filters.append("d.kind = ANY(:kinds)")
        params["kinds"] = list(kinds)
    if ps.ranked:       # filter, then score every match
        params["cap"] = CANDIDATE_CAP
        cand = f"""SELECT p.id, p.tsv, {_LEN}::float8 AS len
                   FROM passages p JOIN documents d ON d.id = p.document_id
                   WHERE {' AND '.join(match + filters)} ORDER BY p.id DESC LIMIT :cap"""
    else:               # as FTS5's unranked pass: the newest matches, then the filters
        params["cap"] = limit * getattr(base, "OVERFETCH", 4) + 8
        newest = f"SELECT p.id FROM passages p WHERE {' AND '.join(match)} ORDER BY p.id DESC LIMIT :cap"
        cand = f"""SELECT p.id, p.tsv, {_LEN}::float8 AS len
                   FROM ({newest}) nw JOIN passages p ON p.id = nw.id JOIN documents d ON d.id = p.document_id
                   {'WHERE ' + ' AND '.join(filters) if filters else ''}"""
    norm = "(1 - :b + :b * {len} / :avgdl)"
    id_score = " + ".join(
        f"CASE WHEN {_A_ONLY.format(tsv='c.tsv')} @@ {q} "
        f"THEN :iidf{k} * (:wa * (:k1 + 1)) / (:wa + :k1 * {norm.format(len='c.len')}) ELSE 0 END"
        for k, q in enumerate(id_q)) or "0"
    params["lex"] = [t.lexeme for t in ps.words if t.lexeme] or [""]
    params["idf"] = [t.idf for t in ps.words if t.lexeme] or [0.0]
    stmt = sql(f"""
        WITH cand AS MATERIALIZED ({cand}),
        freq AS (   -- weighted frequency of each word in each candidate, from the tsvector
            SELECT c.id, c.len, x.lexeme, sum(CASE w WHEN 'A' THEN :wa WHEN 'B' THEN :wb ELSE :wc END) AS f
            FROM cand c
            CROSS JOIN LATERAL (SELECT u.lexeme, u.weights FROM unnest(c.tsv) u WHERE u.lexeme = ANY(:lex)) x
            CROSS JOIN LATERAL unnest(x.weights) w
            GROUP BY c.id, c.len, x.lexeme
        ),
        word_score AS (
            SELECT fr.id, sum(t.idf * (fr.f * (:k1 + 1)) / (fr.f + :k1 * {norm.format(len='fr.len')})) AS s
            FROM freq fr JOIN unnest(CAST(:lex AS text[]), CAST(:idf AS float8[])) AS t(lex, idf)
                 ON t.lex = fr.lexeme
            GROUP BY fr.id
        ),
        scored AS (
            SELECT c.id, coalesce(ws.s, 0) + {id_score} AS score
            FROM cand c LEFT JOIN word_score ws ON ws.id = c.id
        )
        SELECT p.id, p.document_id, p.version_id, d.kind, d.external_id, d.title, d.url, p.anchor, p.heading,
               p.text, s.score, v.fetched_at, d.doc_date
        FROM scored s
        JOIN passages p ON p.id = s.id
        JOIN documents d ON d.id = p.document_id
        JOIN document_versions v ON v.id = p.version_id
        ORDER BY s.score DESC, p.id LIMIT :limit""").bindparams(
        bindparam("lex", type_=ARRAY(TEXT)), bindparam("idf", type_=ARRAY(DOUBLE_PRECISION)))
    rows = conn.execute(stmt, params).all()
    return [_hit(r, float(r.score)) for r in rows]
