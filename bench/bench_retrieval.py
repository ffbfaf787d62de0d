"""Retrieval benchmark (a script, not a test): questions over 100,000 stored passages on SQLite.

    .venv/bin/python bench/bench_retrieval.py [--passages 100000] [--questions 200] [--db PATH]
        [--bills 1000] [--writer]

Builds a temporary database through the normal ``Repo.record`` path (bill sections, Federal
Register paragraphs and news items whose shapes and words come from the bundled sandbox data
and a legislative vocabulary), asks ~200 questions (status, "what does X say about…",
deadlines, free text, FTS syntax), and prints p50/p95 of retrieval (question understanding +
search) and of a whole extractive answer. Target: retrieval p95 under 50 ms.

``--bills N`` also stores N bills (short titles "<Word> <Word> … Act") and mixes in questions
naming them by short title, by initials ("the XYZ Act") and by number without a Congress; every
question then goes through ``answer(ctx, text, where="slack", thread=…)``, the call the Slack
listener makes. ``--writer`` runs another thread committing a small write in a loop (its own
connection, ``BEGIN IMMEDIATE`` each time, 10 ms between commits) and interleaves the questions ABAB: even questions
with the writer paused, odd ones with it writing; p50/p95 are reported for both halves.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services.answers import answer  # noqa: E402
from bot.services.config import Settings  # noqa: E402
from bot.services.context import Context  # noqa: E402
from bot.services.retrieval import retrieve, understand  # noqa: E402
from scrapers.records import BillRecord, DocumentRecord, Passage  # noqa: E402
from storage.search import search  # noqa: E402

LEGAL = """export control remote access item items foreign person network connection internet cloud computing
service location physically secretary determines national security foreign policy united states commerce
control list regulations license licensing review presumption denial case-by-case semiconductors advanced
integrated circuits china macau reexport transfer in-country end user end use entity list bureau industry
amendment amended inserting striking paragraph subparagraph clause section subsection definition term means
penalties civil criminal enforcement violation willfully knowingly negligent reckless purposeful report
congress committee appropriations fiscal year authorized funds program grant agency administrator rule
interim final proposed comments docket effective date compliance artificial intelligence model weights
training data center infrastructure provider customer identification verification due diligence red flag
quantum computing cybersecurity vulnerability supply chain critical technology emerging foundational
sanctions treasury state department defense consultation classified briefing notification waiver""".split()
HEADINGS = ["Short title", "Definitions", "Control of remote access", "Statement of policy", "Licensing",
            "Penalties", "Enforcement", "Report to Congress", "Consultations with Congress", "Rule of construction",
            "Authorization of appropriations", "Effective date", "Termination", "Sense of Congress"]
FR_ANCHORS = ["AGENCY", "ACTION", "SUMMARY", "DATES", "ADDRESSES", "FOR FURTHER INFORMATION CONTACT",
              "SUPPLEMENTARY INFORMATION", "I. Background", "II. Discussion", "III. Regulatory Analysis"]
PER_DOC = 50


def vocabulary() -> list[str]:
    """Words ordered by how often they occur in the bundled real documents (sandbox FR text, BIS
    releases, bill XML), with the legislative vocabulary mixed in; drawn Zipf-like by rank."""
    counts: Counter[str] = Counter({w: 1 for w in LEGAL})
    roots = [ROOT / "bot" / "sandbox" / "data", ROOT / "tests" / "data"]
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in (".txt", ".html", ".xml") and path.stat().st_size < 2e6:
                text = re.sub(r"<[^>]+>", " ", path.read_text("utf-8", "replace"))
                counts.update(w.lower() for w in re.findall(r"[A-Za-z][a-z]{1,14}", text))
    return [w for w, _ in counts.most_common()]


def sentence(rng: random.Random, vocab: list[str], n: int) -> str:
    cum = _CUM.get(id(vocab))
    if cum is None:
        cum = _CUM[id(vocab)] = list(accumulate(1.0 / (r + 2) for r in range(len(vocab))))
    return " ".join(rng.choices(vocab, cum_weights=cum, k=n)).capitalize() + "."


_CUM: dict[int, list[float]] = {}


def make_docs(total: int, vocab: list[str], rng: random.Random) -> list[DocumentRecord]:
    docs, made, k = [], 0, 0
    while made < total:
        k += 1
        kind = ("bill_text", "bill_text", "bill_text", "fr_document", "fr_document", "news")[k % 6]
        count = min(PER_DOC if kind != "news" else 3, total - made)
        passages = []
        for i in range(count):
            body = " ".join(sentence(rng, vocab, rng.randint(8, 30)) for _ in range(rng.randint(1, 5)))
            if kind == "bill_text":
                passages.append(Passage(f"sec. {i // 4 + 1}({'abcd'[i % 4]})", rng.choice(HEADINGS), body))
            elif kind == "fr_document":
                passages.append(Passage(FR_ANCHORS[i % len(FR_ANCHORS)], FR_ANCHORS[i % len(FR_ANCHORS)].title(), body))
            else:
                passages.append(Passage("", f"News item {k}", body))
        if kind == "bill_text":
            ext, title = f"hr{k}-119-ih", f"H.R. {k} (119th) — Introduced in House (IH)"
            parent = ("bill", f"hr{k}-119")
        elif kind == "fr_document":
            ext, title, parent = f"2026-{k:05d}", f"{rng.choice(HEADINGS)} of {rng.choice(LEGAL)} items", None
        else:
            ext, title, parent = f"news{k:012d}", sentence(rng, vocab, 9), None
        docs.append(DocumentRecord(kind=kind, external_id=ext, title=title, url=f"https://example.gov/{ext}",
                                   source="bench", content={"k": k, "n": count}, text="", date=date(2026, 1, 1),
                                   parent=parent, passages=passages))
        made += count
    return docs


def questions(n: int, vocab: list[str], rng: random.Random, ndocs: int) -> list[str]:
    templates = [
        lambda: f"What does H.R. {rng.randint(1, ndocs)} say about {rng.choice(LEGAL)} {rng.choice(LEGAL)}?",
        lambda: f"What is the status of H.R. {rng.randint(1, ndocs)}?",
        lambda: f"When do comments close on 2026-{rng.randint(1, ndocs):05d}?",
        lambda: " ".join(rng.choice(vocab) for _ in range(rng.randint(3, 8))) + "?",
        lambda: f"How does the rule treat {rng.choice(LEGAL)} for {rng.choice(LEGAL)} {rng.choice(LEGAL)} providers?",
        lambda: f'What does "{rng.choice(LEGAL)}" NOT {rng.choice(LEGAL)} mean (title:(x AND OR NEAR( *',
        lambda: f"What changed in H.R. {rng.randint(1, ndocs)}?",
        lambda: "Tell me everything about " + " ".join(rng.choice(LEGAL) for _ in range(14)),
    ]
    return [templates[i % len(templates)]() for i in range(n)]


def make_bills(n: int, rng: random.Random) -> list[BillRecord]:
    words = [w.capitalize() for w in LEGAL if w.isalpha() and len(w) > 3]
    out = []
    for i in range(1, n + 1):
        name = " ".join(rng.sample(words, rng.randint(2, 5))) + f" {i} Act"
        out.append(BillRecord(bill_id=f"s{i}-119", congress=119, type="s", number=i, title=f"A bill about {name}.",
                              short_title=name, introduced=date(2025, 3, 1), update_date="2025-03-01T00:00:00Z",
                              actions=[], cosponsors=[], committees=[], text_versions=[]))
    return out


def bill_questions(n: int, bills: list[BillRecord], rng: random.Random) -> list[str]:
    def initials(b):
        return "".join(w[0] for w in b.short_title.split()[:-1]) + " Act"
    templates = [
        lambda b: f"Where is the {b.short_title}?",
        lambda b: f"What is the status of the {initials(b)}?",
        lambda b: f"What does the {b.short_title} say about {rng.choice(LEGAL)}?",
        lambda b: f"status of S. {b.number}?",
    ]
    return [templates[i % len(templates)](rng.choice(bills)) for i in range(n)]


class Writer:
    """Another connection committing a small write in a loop while ``active`` is set."""

    def __init__(self, path: Path) -> None:
        self.active, self.stop, self.commits = threading.Event(), threading.Event(), 0
        self.thread = threading.Thread(target=self._run, args=(str(path),), daemon=True)
        self.thread.start()

    def _run(self, path: str) -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        while not self.stop.is_set():
            if not self.active.wait(0.05):
                continue
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO kv (name, value, updated_at) VALUES ('bench-writer', ?, '2026-01-01') "
                         "ON CONFLICT(name) DO UPDATE SET value = excluded.value", (str(self.commits),))
            conn.execute("COMMIT")
            self.commits += 1
            self.stop.wait(0.01)     # a poll between commits fetches; a loop with no gap starves every other writer
        conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def report(label: str, ms: list[float]) -> None:
    print(f"{label:<38} p50 {statistics.median(ms):7.1f} ms   p95 {pct(ms, 95):7.1f} ms   max {max(ms):7.1f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--db", help="reuse (or create) this SQLite file instead of a temporary one")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bills", type=int, default=0, help="also store this many bills and ask about them by name")
    ap.add_argument("--writer", action="store_true", help="interleave questions with another connection writing")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    path = Path(args.db) if args.db else Path(tmp.name) / "bench.db"
    ctx = Context(settings=Settings(db_url=f"sqlite:///{path}", watchlist=str(Path(tmp.name) / "none.toml"),
                                    openai_api_key="", openai_base_url=""),
                  now_override=datetime(2026, 2, 20, 15, tzinfo=UTC))
    vocab = vocabulary()
    have = ctx.repo.counts()["passages"]
    if have < args.passages:
        docs = make_docs(args.passages - have, vocab, rng)
        started = time.perf_counter()
        for i in range(0, len(docs), 40):
            ctx.repo.record(docs[i:i + 40])
        print(f"stored {ctx.repo.counts()['passages']:,} passages in {len(docs):,} documents "
              f"({time.perf_counter() - started:.1f} s)")
    ndocs = max(1, ctx.repo.counts()["documents"])
    qs = questions(args.questions, vocab, rng, ndocs)
    if args.bills:
        bills = make_bills(args.bills, random.Random(args.seed))
        if ctx.repo.bill(bills[-1].bill_id) is None:
            for i in range(0, len(bills), 100):
                ctx.repo.record(bills[i:i + 100], ctx.analyzer)
            print(f"stored {len(bills):,} bills")
        named = bill_questions(args.questions, bills, rng)
        qs = [q for pair in zip(qs, named, strict=True) for q in pair][:args.questions]
        return slack_answers(ctx, qs, path, writer=args.writer, tmp=tmp, bills=len(bills))
    for q in qs[:5]:                                     # warm the page cache
        search(ctx.repo.engine, q)
    raw, retrieval, whole = [], [], []
    for q in qs:
        t0 = time.perf_counter()
        search(ctx.repo.engine, q)
        t1 = time.perf_counter()
        retrieve(ctx, understand(ctx, q))
        t2 = time.perf_counter()
        raw.append((t1 - t0) * 1000)
        retrieval.append((t2 - t1) * 1000)
    for q in qs:
        t0 = time.perf_counter()
        answer(ctx, q, where="bench")
        whole.append((time.perf_counter() - t0) * 1000)
    print(f"{len(qs)} questions over {ctx.repo.counts()['passages']:,} passages (SQLite)")
    report("search() alone", raw)
    report("retrieval (understand + retrieve)", retrieval)
    report("extractive answer, end to end", whole)
    ok = pct(retrieval, 95) < 50
    print(f"target p95 < 50 ms for retrieval: {'met' if ok else 'NOT met'}")
    ctx.close()
    tmp.cleanup()
    return 0


def slack_answers(ctx, qs: list[str], path: Path, *, writer: bool, tmp, bills: int) -> int:
    """Every question through ``answer(..., where="slack", thread=...)``, as the Slack listener asks it."""
    for q in qs[:5]:
        answer(ctx, q, where="slack", thread="slack:CBENCH:warm")
    w = Writer(path) if writer else None
    quiet, busy, understood = [], [], []
    try:
        for i, q in enumerate(qs):
            loud = w is not None and i % 2 == 1
            if w is not None:
                (w.active.set if loud else w.active.clear)()
            t0 = time.perf_counter()
            understand(ctx, q, thread=f"slack:CBENCH:{i}")
            t1 = time.perf_counter()
            answer(ctx, q, where="slack", thread=f"slack:CBENCH:{i}")
            t2 = time.perf_counter()
            understood.append((t1 - t0) * 1000)
            (busy if loud else quiet).append((t2 - t1) * 1000)
    finally:
        if w is not None:
            w.close()
    counts = ctx.repo.counts()
    print(f"{len(qs)} questions (half naming stored bills) over {counts['passages']:,} passages and "
          f"{bills:,} bills (SQLite)")
    report("understand (bill names via the index)", understood)
    report("answer() as Slack calls it" + (", writer paused" if w else ""), quiet)
    if w is not None:
        report("answer() as Slack calls it, writer on", busy)
        print(f"writer commits during the run: {w.commits:,}")
    worst = max(pct(quiet, 95), pct(busy, 95) if busy else 0)
    print(f"target p95 < 50 ms for the answer: {'met' if worst < 50 else 'NOT met'}")
    ctx.close()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
