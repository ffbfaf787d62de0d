"""Backends: ingest and retrieval on SQLite and on PostgreSQL, side by side.

The same generated Federal Register-like documents (six paragraphs each, words drawn Zipf-like
from a regulatory vocabulary; nothing is parsed) are stored through ``Repo.record`` in batches
of 100, then the same questions (free text, document numbers, FTS syntax) go through
``storage.search.search``. PostgreSQL runs when ``TEST_DATABASE_URL`` (or ``--pg-url``) names a
server whose role may create databases: a fresh database is created for the run and dropped
after it (``ANALYZE`` runs after the load, as autovacuum would). Rows: documents per second,
retrieval p50/p95 per backend (PostgreSQL's baseline is SQLite's figure), and how often the two
backends agree on the best passage.

    python bench/bench_backends.py [--docs 2000] [--queries 200] [--pg-url URL] [--full] [--json]
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from datetime import date, timedelta
from itertools import accumulate

from common import Row, median, parse_args, percentile, quiet, result, run_script, verdict
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.analysis.analyzer import Analyzer
from scrapers.records import DocumentRecord, Passage
from storage.db import normalise_url
from storage.repo import open_repo
from storage.search import search

BATCH = 100
TARGET_P95_MS = 50.0
WORDS = """export control remote access item items foreign person network connection internet cloud computing
service location secretary determines national security foreign policy united states commerce control list
regulations license licensing review presumption denial semiconductors advanced integrated circuits china
reexport transfer country end user use entity bureau industry amendment amended paragraph section definition
term means penalties civil criminal enforcement violation report congress committee fiscal year authorized
agency rule interim final proposed comments docket effective date compliance artificial intelligence model
weights training data center infrastructure provider customer identification verification diligence quantum
cybersecurity vulnerability supply chain critical technology emerging foundational sanctions treasury state
defense consultation notification waiver exporters applicants reporting recordkeeping software encryption
equipment manufacturing lithography deposition etch wafer fabrication facility destination validated""".split()
ANCHORS = ["SUMMARY", "DATES", "ADDRESSES", "SUPPLEMENTARY INFORMATION", "II. Discussion", "III. Regulatory Analysis"]
_CUM = list(accumulate(1.0 / (r + 2) for r in range(len(WORDS))))


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=_CUM, k=n)).capitalize() + "."


def documents(n: int, seed: int = 11) -> list:
    """``n`` FR-like records (deterministic for a seed)."""

    rng = random.Random(seed)
    out = []
    for i in range(n):
        number = f"2026-{10000 + i:05d}"
        title = f"{sentence(rng, rng.randint(4, 9))[:-1]} ({number})"
        passages = [Passage(a, a.title(), " ".join(sentence(rng, rng.randint(10, 28)) for _ in range(rng.randint(1, 4))))
                    for a in ANCHORS]
        published = date(2026, 1, 2) + timedelta(days=i % 300)
        meta = {"type": rng.choice(["Rule", "Proposed Rule", "Notice"]),
                "comments_close_on": (published + timedelta(days=60)).isoformat() if i % 3 == 0 else None}
        out.append(DocumentRecord(kind="fr_document", external_id=number, title=title,
                                  url=f"https://www.federalregister.gov/d/{number}", source="federal_register",
                                  content={"n": number, "p": [p.text for p in passages]}, meta=meta,
                                  date=published, passages=passages))
    return out


def questions(m: int, ndocs: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    forms = [
        lambda: " ".join(rng.choices(WORDS, cum_weights=_CUM, k=rng.randint(2, 6))),
        lambda: f"when do comments close on 2026-{10000 + rng.randrange(ndocs):05d}",
        lambda: f"what does 2026-{10000 + rng.randrange(ndocs):05d} say about {rng.choice(WORDS)} {rng.choice(WORDS)}",
        lambda: f"How does the rule treat {rng.choice(WORDS)} for {rng.choice(WORDS)} providers?",
        lambda: f'"{rng.choice(WORDS)}" NOT {rng.choice(WORDS)} (title:(x AND OR NEAR( *',
    ]
    return [forms[i % len(forms)]() for i in range(m)]


def run_backend(url: str, docs: list, qs: list[str], *, analyze: bool = False) -> dict:
    """Ingest ``docs`` in batches, then time every question; returns the figures and top hits."""

    repo = open_repo(url, analyzer=Analyzer())
    try:
        started = time.perf_counter()
        for k in range(0, len(docs), BATCH):
            repo.record(docs[k:k + BATCH])
        ingest_s = time.perf_counter() - started
        if analyze:
            with repo.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        for q in qs[:5]:                          # warm the caches once
            search(repo.engine, q)
        ms, top = [], []
        for q in qs:
            t = time.perf_counter()
            hits = search(repo.engine, q, limit=8)
            ms.append((time.perf_counter() - t) * 1000)
            top.append(hits[0].passage_id if hits else None)
        passages = repo.counts()["passages"]
    finally:
        repo.dispose()
    return {"docs_per_s": len(docs) / ingest_s, "p50": median(ms), "p95": percentile(ms, 95),
            "top": top, "passages": passages}


def _pg_database(url: str):
    """A fresh database on the server of ``url``: (its URL, a function that drops it)."""


    base = make_url(normalise_url(url))
    name = f"lw_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> dict:
    def extra(p):
        p.add_argument("--docs", type=int, help="documents to ingest (default 2,000; --full 10,000)")
        p.add_argument("--queries", type=int, help="questions to time (default 200; --full 500)")
        p.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL", ""),
                       help="a PostgreSQL server (default: $TEST_DATABASE_URL)")

    args = parse_args(argv, __doc__.splitlines()[0], extra)
    quiet()
    n = args.docs or (10_000 if args.full else 2_000)
    m = args.queries or (500 if args.full else 200)
    docs, qs = documents(n), questions(m, n)
    with tempfile.TemporaryDirectory() as tmp:
        lite = run_backend(f"sqlite:///{tmp}/bench.db", docs, qs)
    rows = [Row("sqlite: ingest", lite["docs_per_s"], "docs/s"),
            Row("sqlite: retrieval p50", lite["p50"], "ms"),
            Row("sqlite: retrieval p95", lite["p95"], "ms", target=f"< {TARGET_P95_MS:g} ms",
                verdict=verdict(lite["p95"] < TARGET_P95_MS))]
    info = {"documents": n, "questions": m, "passages": lite["passages"]}
    if not args.pg_url:
        rows.append(Row("postgres", None, verdict="n/a", note="set TEST_DATABASE_URL (or --pg-url) to compare"))
        return result("backends", rows, **info)
    url, drop = _pg_database(args.pg_url)
    try:
        pg = run_backend(url, docs, qs, analyze=True)
    finally:
        drop()
    agree = sum(a == b for a, b in zip(lite["top"], pg["top"], strict=True)) / len(qs) * 100
    rows += [Row("postgres: ingest", pg["docs_per_s"], "docs/s", baseline=lite["docs_per_s"]),
             Row("postgres: retrieval p50", pg["p50"], "ms", baseline=lite["p50"]),
             Row("postgres: retrieval p95", pg["p95"], "ms", baseline=lite["p95"], target=f"< {TARGET_P95_MS:g} ms",
                 verdict=verdict(pg["p95"] < TARGET_P95_MS)),
             Row("same best passage on both", agree, "%",
                 note="random-word passages tie often; the test corpus checks real rankings")]
    return result("backends", rows, **info)


if __name__ == "__main__":
    raise SystemExit(run_script(main))
