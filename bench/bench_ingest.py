"""Ingest: Federal Register documents and bill text versions parsed, stored and indexed through
``Repo.record`` in batches of 100, against plain ``sqlite3`` ``executemany`` of the same rows.

Documents are generated from real shapes: the FR full-text XML fixtures (``tests/data/fr``, the
sandbox's FR XML) with the API metadata of the sandbox's Federal Register answers, and the bill
XML of the sandbox and ``tests/data/billtext`` (bill-DTD and USLM). Each side runs in its own
subprocess (so its peak memory is its own) and times the same work per batch: parse the XML
into records, then store them — ``Repo.record`` (documents, versions, passages + FTS5, changes,
deadlines) or one ``executemany`` per table into a database with the same schema, indexes,
FTS5 table and triggers (copied from a migrated database), one transaction per batch.
Generating the XML bytes is not timed.

    python bench/bench_ingest.py [--full] [--json]     (default 2,000 + 400; --full 10,000 + 2,000)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import ROOT, Row, max_rss_mb, parse_args, quiet, result, run_script, verdict

from bot.analysis.analyzer import Analyzer
from scrapers.billtext import parse_bill_text, passages, render_text
from scrapers.federal_register import document_record
from scrapers.frtext import parse_fr_xml
from scrapers.ids import parse_bill_id
from scrapers.records import BILL, BILL_TEXT, DocumentRecord, billtext_to_dict
from storage.repo import open_repo
from storage.repo.base import dumps, sha256

BATCH = 100
SANDBOX = ROOT / "bot" / "sandbox" / "data"
FR_XML = sorted((ROOT / "tests" / "data" / "fr").glob("*.xml")) + sorted((SANDBOX / "fr").rglob("*.xml"))
BILL_XML = sorted((SANDBOX / "govinfo" / "content" / "pkg").rglob("*.xml")) + \
    sorted((ROOT / "tests" / "data" / "billtext").glob("*.xml"))
FR_META_FILES = sorted((SANDBOX / "fr" / "api" / "v1").glob("documents.json*"))
START = date(2025, 1, 2)


# ---- generated inputs (not timed) -------------------------------------------------------------

def fr_templates() -> tuple[list[dict], list[bytes]]:
    metas = []
    for f in FR_META_FILES:
        data = json.loads(f.read_text())
        metas += [d for d in data.get("results") or [] if isinstance(d, dict) and d.get("document_number")]
    if not metas:
        metas = [{"document_number": "2026-00001", "title": "Generated rule", "type": "Rule",
                  "abstract": "A generated abstract.", "agencies": [{"slug": "industry-and-security-bureau"}]}]
    return metas, [f.read_bytes() for f in FR_XML]


def fr_inputs(n: int, start: int = 0) -> Iterator[list[tuple[dict, bytes]]]:
    """Batches of (API metadata, full-text XML) for documents ``start`` … ``start + n - 1``."""
    metas, xmls = fr_templates()
    batch = []
    for i in range(start, start + n):
        number = f"{2025 + i // 90000}-{10000 + i % 90000:05d}"
        day = START + timedelta(days=(i // 40) % 365)
        meta = dict(metas[i % len(metas)])
        meta.update(document_number=number, title=f"{meta.get('title', 'Document')} (generated {i})",
                    publication_date=day.isoformat(),
                    html_url=f"https://www.federalregister.gov/documents/{day:%Y/%m/%d}/{number}/generated",
                    comments_close_on=(day + timedelta(days=60)).isoformat() if i % 3 == 0 else None,
                    effective_on=(day + timedelta(days=30)).isoformat() if i % 3 == 1 else None)
        xml = xmls[i % len(xmls)].replace(b"<P>", f"<P>Generated document {number}, item {i}. ".encode(), 1)
        batch.append((meta, xml))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def bill_inputs(n: int, start: int = 0) -> Iterator[list[tuple[str, str, bytes]]]:
    """Batches of (bill id, version code, XML) for text versions ``start`` … (two per bill)."""
    xmls = [f.read_bytes() for f in BILL_XML]
    batch = []
    for j in range(start, start + n):
        bill, code = f"hr{1000 + j // 2}-119", ("ih", "rh")[j % 2]
        batch.append((bill, code, xmls[j % len(xmls)]))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# ---- parsing (timed on both sides) -------------------------------------------------------------

def parse_fr(batch: list[tuple[dict, bytes]]) -> list:
    matched = [{"watch": "agency:industry-and-security-bureau", "phrase": "industry-and-security-bureau"}]
    return [document_record(meta, matched, full_text=parse_fr_xml(xml, document_number=meta["document_number"]))
            for meta, xml in batch]


def parse_bills(batch: list[tuple[str, str, bytes]]) -> list:
    """The same record ``GovinfoClient.bill_text_document`` builds, without the HTTP."""
    out = []
    for bill_id, code, xml in batch:
        bt = parse_bill_text(xml, bill_id=bill_id, version_code=code)
        bill = parse_bill_id(bill_id)
        url = f"https://www.govinfo.gov/content/pkg/BILLS-{bill.congress}{bill.type}{bill.number}{code}/xml/x.xml"
        out.append(DocumentRecord(
            kind=BILL_TEXT, external_id=bill.version(code), title=f"{bill.display} — {bt.stage} ({code.upper()})",
            url=url, source="congress", content=billtext_to_dict(bt), text=render_text(bt), raw=xml,
            meta={"version_code": code, "stage": bt.stage, "short_title": bt.short_title,
                  "official_title": bt.title, "schema": bt.schema, "xml_url": url},
            date=bt.date, parent=(BILL, str(bill)), passages=passages(bt), fetched_url=url))
    return out


def batches(n_fr: int, n_bills: int, fr_start: int = 0, bill_start: int = 0) -> Iterator[tuple[str, list]]:
    for b in fr_inputs(n_fr, fr_start):
        yield "fr", b
    for b in bill_inputs(n_bills, bill_start):
        yield "bill", b


# ---- the two stores -----------------------------------------------------------------------------

def run_repo(db: Path, n_fr: int, n_bills: int) -> dict:
    repo = open_repo(f"sqlite:///{db}", analyzer=Analyzer())
    analyzer = Analyzer()
    parse_s = store_s = 0.0
    docs = 0
    for kind, raw in batches(n_fr, n_bills):
        t0 = time.perf_counter()
        records = parse_fr(raw) if kind == "fr" else parse_bills(raw)
        t1 = time.perf_counter()
        repo.record(records, analyzer, watched_bills=set())
        t2 = time.perf_counter()
        parse_s += t1 - t0
        store_s += t2 - t1
        docs += len(records)
    counts = repo.counts()
    repo.dispose()
    return {"docs": docs, "parse_s": parse_s, "store_s": store_s, "counts": counts}


def schema_sql(db: Path) -> list[str]:
    """CREATE statements of a migrated database (tables, indexes, FTS5 table, triggers), in order."""
    open_repo(f"sqlite:///{db}", analyzer=Analyzer()).dispose()
    con = sqlite3.connect(db)
    rows = con.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
    con.close()
    shadow = ("_data", "_idx", "_content", "_docsize", "_config")
    return [sql for name, sql in rows if not (name.startswith("passages_fts") and name.endswith(shadow))]


class PlainStore:
    """The same rows as ``Repo.record`` writes, with ``executemany`` and ids chosen up front."""

    def __init__(self, db: Path, ddl: list[str]):
        self.con = sqlite3.connect(db, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            self.con.execute(f"PRAGMA {pragma}")
        for sql in ddl:
            self.con.execute(sql)
        self.doc_id = self.version_id = 0

    def store(self, records: list) -> None:
        now = datetime.now(UTC).isoformat(" ")
        docs, versions, passages, changes, deadlines = [], [], [], [], []
        for rec in records:
            self.doc_id += 1
            self.version_id += 1
            d, v = self.doc_id, self.version_id
            docs.append((d, rec.kind, rec.external_id, rec.title or rec.external_id, rec.url, rec.source, None,
                         rec.date, now, now, v, 1))
            raw = rec.raw.encode() if isinstance(rec.raw, str) else rec.raw
            content = dumps(rec.content)
            versions.append((v, d, 1, sha256(content), now, rec.fetched_url or rec.url, rec.title, content, rec.text,
                             dumps(rec.meta), raw))
            ids = " ".join(filter(None, [rec.external_id, rec.parent[1] if rec.parent else "", rec.title]))
            for n, p in enumerate(rec.passages or []):
                passages.append((v, d, n, p.anchor[:200], p.heading, p.text, ids, 1))
            kind = "fr_document" if rec.kind == "fr_document" else "text_version"
            changes.append((f"{kind}:{rec.external_id}", kind, d, rec.parent[1] if kind == "text_version" else None,
                            rec.external_id, rec.title, dumps({"url": rec.url, "title": rec.title}), v, "normal",
                            rec.date, now, "pending"))
            for key, field in (("comments_close", "comments_close_on"), ("effective", "effective_on")):
                if rec.meta.get(field):
                    deadlines.append((d, key, rec.meta[field][:10], 0))
        c = self.con
        c.execute("BEGIN IMMEDIATE")
        c.executemany("INSERT INTO documents (id, kind, external_id, title, url, source, parent_id, doc_date, "
                      "first_seen_at, updated_at, latest_version_id, version_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                      docs)
        c.executemany("INSERT INTO document_versions (id, document_id, seq, content_sha256, fetched_at, fetched_url, "
                      "title, content_json, text, meta_json, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?)", versions)
        c.executemany("INSERT INTO passages (version_id, document_id, ordinal, anchor, heading, text, ids, current) "
                      "VALUES (?,?,?,?,?,?,?,?)", passages)
        c.executemany("INSERT INTO changes (key, kind, document_id, bill_id, subject, headline, detail_json, "
                      "to_version_id, materiality, change_date, detected_at, summary_state) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", changes)
        c.executemany("INSERT INTO deadlines (document_id, kind, due, superseded) VALUES (?,?,?,?)", deadlines)
        c.execute("COMMIT")


def run_plain(db: Path, n_fr: int, n_bills: int) -> dict:
    ddl = schema_sql(db.with_name("schema-source.db"))
    store = PlainStore(db, ddl)
    parse_s = store_s = 0.0
    docs = 0
    for kind, raw in batches(n_fr, n_bills):
        t0 = time.perf_counter()
        records = parse_fr(raw) if kind == "fr" else parse_bills(raw)
        t1 = time.perf_counter()
        store.store(records)
        t2 = time.perf_counter()
        parse_s += t1 - t0
        store_s += t2 - t1
        docs += len(records)
    counts = {t: store.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("documents", "document_versions", "passages", "changes", "deadlines")}
    store.con.close()
    return {"docs": docs, "parse_s": parse_s, "store_s": store_s, "counts": counts}


def child(side: str, n_fr: int, n_bills: int) -> dict:
    """Run one side in a subprocess: its time and its own peak memory."""
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        proc = subprocess.run([sys.executable, __file__, "--child", side, "--fr", str(n_fr), "--bills", str(n_bills),
                               "--db", str(Path(tmp) / f"{side}.db")], capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"ingest child {side} failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def _child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--child", choices=("repo", "plain"))
    p.add_argument("--fr", type=int)
    p.add_argument("--bills", type=int)
    p.add_argument("--db")
    a = p.parse_args(argv)
    quiet()
    out = (run_repo if a.child == "repo" else run_plain)(Path(a.db), a.fr, a.bills)
    out["max_rss_mb"] = max_rss_mb()
    print(json.dumps(out))
    return 0


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__.splitlines()[0])
    n_fr, n_bills = (10_000, 2_000) if args.full else (2_000, 400)
    repo = child("repo", n_fr, n_bills)
    plain = child("plain", n_fr, n_bills)
    t_repo = repo["parse_s"] + repo["store_s"]
    t_plain = plain["parse_s"] + plain["store_s"]
    docs = repo["docs"]
    ratio = t_repo / t_plain
    rows = [
        Row(f"ingest rate, {n_fr:,} FR + {n_bills:,} bill versions", docs / t_repo, "docs/s", baseline=docs / t_plain,
            verdict="info", note="Repo.record (parse + store + index) vs the same parse + executemany"),
        Row("ingest time, Repo.record vs executemany", t_repo, "s", baseline=t_plain, target="≤ 3×",
            verdict=verdict(ratio <= 3),
            note=f"parse {repo['parse_s']:.1f} s on both sides; store {repo['store_s']:.1f} s (Repo) vs "
                 f"{plain['store_s']:.1f} s (executemany); rows {repo['counts']}"),
        Row("store only (parse excluded), Repo vs executemany", repo["store_s"], "s", baseline=plain["store_s"],
            verdict="info"),
        Row("peak memory, Repo ingest process", repo["max_rss_mb"], "MB", baseline=plain["max_rss_mb"],
            target="< 300 MB", verdict=verdict(repo["max_rss_mb"] < 300),
            note="max RSS of the subprocess (Python + libraries + one batch); baseline = the executemany process"),
    ]
    return result("ingest", rows, repo=repo, plain=plain, fr=n_fr, bills=n_bills)


if __name__ == "__main__":
    if "--child" in sys.argv:
        raise SystemExit(_child_main(sys.argv[1:]))
    raise SystemExit(run_script(main))
