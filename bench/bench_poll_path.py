"""The idle poll through the real pipeline at 20 / 100 / 1,000 watched bills and 2,000 / 10,000
stored Federal Register documents.

``poll_source`` runs exactly as ``legiswatch poll`` and the scheduler run it (``build_watch``,
the FR has-text look-up, the public-inspection withdrawal check, ``reconcile``), against the
bundled government sandbox on 127.0.0.1. Each database is made by a first poll of the sandbox
(one watched bill, the BIS agency), then grown with copies of the stored bill (each watched,
with its stored detail and text version) and with stored FR documents with text. The stores
are polled round-robin (ABAB…), ``--repeat`` times each; medians and bests are reported, and
statements are counted with a SQLAlchemy ``before_cursor_execute`` listener.

Targets: the Congress poll at 1,000 watched bills within 3× of 20; the FR and public-inspection
polls at 10,000 stored documents within 3× of 2,000.

    python bench/bench_poll_path.py [--repeat N] [--json]

To measure the previous code, run it with that code first on the path:
``git worktree add /tmp/old <commit> && PYTHONPATH=/tmp/old python bench/bench_poll_path.py``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.append(str(Path(__file__).resolve().parent.parent))   # appended: PYTHONPATH picks the code

from sqlalchemy import event  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bot.sandbox.government import GovSandbox  # noqa: E402
from bot.services.config import Settings  # noqa: E402
from bot.services.context import Context  # noqa: E402
from bot.services.pipeline import poll_source  # noqa: E402
from storage.models import Bill, Document, DocumentVersion, TextVersion  # noqa: E402

NOW = datetime(2026, 2, 11, 15, 0, tzinfo=UTC)
SOURCES = ("congress", "federal_register", "public_inspection")
WATCHED = "hr2683-119"
STORES = ((20, 2000), (100, 2000), (1000, 2000), (20, 10000))


def grow(ctx: Context, bills: int, fr_docs: int) -> None:
    with Session(ctx.repo.engine) as s:
        bill = s.get(Bill, WATCHED)
        doc = s.get(Document, bill.document_id)
        version = s.get(DocumentVersion, doc.latest_version_id)
        texts = s.exec(select(TextVersion).where(TextVersion.bill_id == WATCHED)).all()
        for k in range(bills):
            number, bid = 90000 + k, f"hr{90000 + k}-119"
            d = Document(kind="bill", external_id=bid, title=doc.title, url=doc.url, source=doc.source,
                         doc_date=doc.doc_date)
            s.add(d)
            s.flush()
            content = json.loads(version.content_json)
            content["number"] = str(number)
            v = DocumentVersion(document_id=d.id, seq=1, content_sha256=f"{k:064d}", content_json=json.dumps(content),
                                text=version.text, meta_json=version.meta_json, raw=version.raw)
            s.add(v)
            s.flush()
            d.latest_version_id = v.id
            s.add(Bill(**{**bill.model_dump(), "id": bid, "number": number, "document_id": d.id}))
            s.flush()
            for t in texts:
                s.add(TextVersion(bill_id=bid, code=t.code, name=t.name, version_date=t.version_date,
                                  xml_url=t.xml_url, document_id=t.document_id))
        body = "The Bureau amends the Export Administration Regulations. " * 400     # ~23 kB, like a rule
        for k in range(fr_docs):
            d = Document(kind="fr_document", external_id=f"2020-{k:05d}", title=f"Old rule {k}", url="", source="fr")
            s.add(d)
            s.flush()
            v = DocumentVersion(document_id=d.id, seq=1, content_sha256=f"f{k:063d}",
                                content_json=json.dumps({"document_number": f"2020-{k:05d}", "abstract": body[:2000]}),
                                text=body, meta_json=json.dumps({"has_text": True}), raw=body.encode())
            s.add(v)
            s.flush()
            d.latest_version_id = v.id
        s.commit()
    for k in range(bills):
        ctx.repo.add_watch("bill", f"hr{90000 + k}-119", actor="bench")


def make_store(root: Path, sandbox: GovSandbox, watched: int, fr_docs: int) -> Context:
    url = f"sqlite:///{root}/w{watched}-f{fr_docs}.db"
    ctx = Context(settings=Settings(db_url=url, watchlist="none.toml", congress_api_key="bench-key",
                                    **sandbox.base_urls()), now_override=NOW)
    ctx.repo.add_watch("bill", WATCHED, actor="bench")
    ctx.repo.add_watch("agency", "industry-and-security-bureau", actor="bench")
    for name in SOURCES:
        assert poll_source(ctx, name).ok
    grow(ctx, watched - 1, fr_docs)
    for name in SOURCES:                        # warm: the first idle poll after growing
        assert poll_source(ctx, name).ok
    return ctx


def idle_poll(ctx: Context, name: str) -> tuple[float, int]:
    count = [0]

    def _count(*_a):
        count[0] += 1

    event.listen(ctx.repo.engine, "before_cursor_execute", _count)
    try:
        t0 = time.perf_counter()
        report = poll_source(ctx, name)
        elapsed = time.perf_counter() - t0
    finally:
        event.remove(ctx.repo.engine, "before_cursor_execute", _count)
    assert report.ok and not report.changes, (name, report.error, report.changes)
    return elapsed, count[0]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-poll-path-"))
    times: dict = {}
    stmts: dict = {}
    try:
        with GovSandbox() as sandbox:
            stores = {key: make_store(root, sandbox, *key) for key in STORES}
            for _ in range(args.repeat):                      # round robin: ABAB…
                for key, ctx in stores.items():
                    for name in SOURCES:
                        t, n = idle_poll(ctx, name)
                        times.setdefault((key, name), []).append(t)
                        stmts[(key, name)] = n
            for ctx in stores.values():
                ctx.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    rows = []
    for (key, name), ts in times.items():
        rows.append({"watched": key[0], "fr_docs": key[1], "source": name, "median_ms": statistics.median(ts) * 1e3,
                     "best_ms": min(ts) * 1e3, "statements": stmts[(key, name)]})

    def med(w, f, name):
        return statistics.median(times[((w, f), name)])

    ratios = {"congress 1000/20 watched": med(1000, 2000, "congress") / med(20, 2000, "congress"),
              "federal_register 10000/2000 docs": med(20, 10000, "federal_register") / med(20, 2000, "federal_register"),
              "public_inspection 10000/2000 docs": med(20, 10000, "public_inspection")
              / med(20, 2000, "public_inspection")}
    out = {"name": "poll_path", "rows": rows, "ratios": ratios, "repeat": args.repeat,
           "code": sys.modules["storage"].__file__}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"code: {out['code']}  repeat: {args.repeat} (round robin)")
        print(f"{'watched':>8} {'fr_docs':>8} {'source':<18} {'median ms':>10} {'best ms':>9} {'stmts':>6}")
        for r in rows:
            print(f"{r['watched']:>8} {r['fr_docs']:>8} {r['source']:<18} {r['median_ms']:>10.1f} {r['best_ms']:>9.1f} "
                  f"{r['statements']:>6}")
        for k, v in ratios.items():
            print(f"ratio {k}: {v:.2f}× (target ≤ 3×: {'ok' if v <= 3 else 'MISS'})")
    return out


if __name__ == "__main__":
    main()
