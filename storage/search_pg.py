"""PostgreSQL full-text search that ranks like SQLite's FTS5 ``bm25``.

The ``passages.tsv`` column (migration 0002) is a generated ``tsvector``: ``ids`` with weight A,
``heading`` B and ``text`` C, each first cut at every non-alphanumeric character so
``2026-00789`` and ``hr2683-119`` give the tokens FTS5's ``unicode61`` tokenizer gives. A GIN
index on it finds the candidates (``tsv @@ websearch_to_tsquery('english', …)``).

PostgreSQL's ``ts_rank`` knows nothing of how rare a word is, so its top results differ from
SQLite's. Candidates are scored here with the BM25 formula FTS5 uses (k1 = 1.2, b = 0.75, IDF
floored at 1e-6) and the same column weights (``storage.search_plan.WEIGHTS``):

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

from storage import search_plan as rules
from storage.search_plan import WEIGHTS, Hit, QueryPlan, hit_from_row

log = logging.getLogger(__name__)

K1, B = 1.2, 0.75
CANDIDATE_CAP = 20_000       # a safety net: rows considered per pass at most (the newest)
PRESCORE = 64                # rows per pass given the exact score, picked by a cheap ts_rank estimate
EXACT_BELOW = 5_000          # passages: below this, collection statistics are counted exactly
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
    words = [Term(w, False) for w in p.terms]
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
    common_at = rules.COMMON
    budget = rules.RANK_BUDGET
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
    """Sets each term's stem, document frequency and IDF; returns the mean passage length.

    Up to ``EXACT_BELOW`` passages everything is counted (deterministic, and cheap at that size).
    Beyond, the planner's statistics answer for frequent words (``ANALYZE`` keeps, for a tsvector
    column, the share of rows holding each common lexeme) and only rarer words and ids are
    counted through the GIN index; the passage count and mean length come from the same
    statistics. A table never analyzed is counted."""
    params: dict = {f"t{k}": t.query for k, t in enumerate(terms)}
    lex_cols = ", ".join(f"(tsvector_to_array(to_tsvector('english', :t{k})))[1] AS lex{k}" for k in range(len(terms)))
    head = conn.execute(sql(f"""
        SELECT c.reltuples,
               (SELECT sum(avg_width) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'passages'
                  AND attname IN ('ids', 'heading', 'text')) AS width, {lex_cols}
        FROM pg_class c WHERE c.oid = 'passages'::regclass"""), params).one()._mapping
    for k, t in enumerate(terms):
        t.lexeme = head[f"lex{k}"] or ""
    estimated = head["reltuples"] >= EXACT_BELOW and head["width"]
    freqs: dict[str, float] = {}
    if estimated:
        lexemes = [t.lexeme for t in terms if t.lexeme and not t.is_id]
        freqs = dict(conn.execute(sql("""
            SELECT x.e, x.f FROM pg_stats s,
                   unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS x(e, f)
            WHERE s.schemaname = current_schema() AND s.tablename = 'passages' AND s.attname = 'tsv'
              AND x.e = ANY(:lex)""").bindparams(bindparam("lex", type_=ARRAY(TEXT))), {"lex": lexemes}).all())
    cols = []
    if not estimated:
        cols += ["(SELECT count(*) FROM passages) AS n", f"(SELECT avg({_LEN}) FROM passages p) AS avgdl"]
    counted = [k for k, t in enumerate(terms) if t.is_id or (t.lexeme and t.lexeme not in freqs)]
    for k in counted:
        q = f"websearch_to_tsquery('english', :t{k})"
        cond = f"tsv @@ {q}" + (f" AND {_A_ONLY.format(tsv='tsv')} @@ {q}" if terms[k].is_id else "")
        cols.append(f"(SELECT count(*) FROM passages WHERE {cond}) AS df{k}")
    row = conn.execute(sql("SELECT " + ", ".join(cols)), params).one()._mapping if cols else {}
    n = int(head["reltuples"]) if estimated else int(row["n"])
    for k, t in enumerate(terms):
        if k in counted:
            t.df = int(row[f"df{k}"])
        else:       # a stopword to PostgreSQL matches nothing; a frequent word is estimated
            t.df = round(freqs[t.lexeme] * n) if t.lexeme else 0
        t.idf = max(math.log((n - t.df + 0.5) / (t.df + 0.5)), 1e-6)
    return float(head["width"]) if estimated else float(row["avgdl"] or 1.0)


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
        params["cap"] = limit * rules.OVERFETCH + 8
        newest = f"SELECT p.id FROM passages p WHERE {' AND '.join(match)} ORDER BY p.id DESC LIMIT :cap"
        cand = f"""SELECT p.id, p.tsv, {_LEN}::float8 AS len
                   FROM ({newest}) nw JOIN passages p ON p.id = nw.id JOIN documents d ON d.id = p.document_id
                   {'WHERE ' + ' AND '.join(filters) if filters else ''}"""
    norm = "(1 - :b + :b * {len} / :avgdl)"
    id_score = " + ".join(
        f"CASE WHEN {_A_ONLY.format(tsv='c.tsv')} @@ {q} "
        f"THEN :iidf{k} * (:wa * (:k1 + 1)) / (:wa + :k1 * {norm.format(len='c.len')}) ELSE 0 END"
        for k, q in enumerate(id_q)) or "0"
    words = [t for t in ps.words if t.lexeme]
    params["lex"] = [t.lexeme for t in words] or [""]
    params["idf"] = [t.idf for t in words] or [0.0]
    # the cheap estimate that picks the rows worth the exact score: IDF-weighted ts_rank per word
    rough = []
    for k, t in enumerate(words):
        params[f"w{k}"], params[f"widf{k}"] = t.query, t.idf
        rough.append(f":widf{k} * ts_rank('{{0, 0.1, 0.3, 1}}', c.tsv, websearch_to_tsquery('english', :w{k}))")
    params["prescore"] = max(PRESCORE, limit * 8)
    stmt = sql(f"""
        WITH cand AS MATERIALIZED ({cand}),
        pre AS MATERIALIZED (
            SELECT c.id, c.tsv, c.len FROM cand c
            ORDER BY ({' + '.join(rough) or '0'}) / {norm.format(len='c.len')} + {id_score} DESC, c.id
            LIMIT :prescore
        ),
        freq AS (   -- weighted frequency of each word in each row, from the tsvector's positions
            SELECT c.id, c.len, x.lexeme, sum(CASE w WHEN 'A' THEN :wa WHEN 'B' THEN :wb ELSE :wc END) AS f
            FROM pre c
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
        top AS (
            SELECT c.id, coalesce(ws.s, 0) + {id_score} AS score
            FROM pre c LEFT JOIN word_score ws ON ws.id = c.id
            ORDER BY score DESC, c.id LIMIT :limit
        )
        SELECT p.id, p.document_id, p.version_id, d.kind, d.external_id, d.title, d.url, p.anchor, p.heading,
               p.text, top.score, v.fetched_at, d.doc_date
        FROM top
        JOIN passages p ON p.id = top.id
        JOIN documents d ON d.id = p.document_id
        JOIN document_versions v ON v.id = p.version_id
        ORDER BY top.score DESC, p.id""").bindparams(
        bindparam("lex", type_=ARRAY(TEXT)), bindparam("idf", type_=ARRAY(DOUBLE_PRECISION)))
    rows = conn.execute(stmt, params).all()
    return [hit_from_row(r, float(r.score)) for r in rows]
