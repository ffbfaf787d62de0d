"""Growth: how retrieval, ingest and the digest build cost as the store grows.

One SQLite database grows through ``Repo.record`` (the generated Federal Register documents and
bill text versions of ``bench_ingest``, five FR documents per bill version) to 1×, 10× (and with
``--full`` 50×) of a base size. At each size:

* ingest: milliseconds per document over the growth step (parse excluded; store + index);
* retrieval: p50/p95 of ``storage.search.search`` over a fixed set of questions;
* digest: ``build_digest`` over the last base-size step only (the digest marker is set before
  it), so the digest holds the same number of changes at every size and only the history grows.

The slope is d log(cost) / d log(size) between the smallest and largest size: 0 means the cost
does not grow with the data, 1 means it grows in proportion. The issue sets no target for the
slopes, so they are reported, not judged (on a shared 2-core machine, millisecond timings of the
smallest size carry visible noise).

    python bench/bench_growth.py [--full] [--json]     (base 300 documents; --full adds 50×)
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_ingest import batches, parse_bills, parse_fr
from common import Row, parse_args, percentile, quiet, result, run_script

from bot.services.config import Settings
from bot.services.context import Context
from bot.services.digest import MARKER, build_digest
from storage.search import search

BASE = 300
FR_SHARE = 5          # FR documents per bill text version
QUESTIONS = ["what does the quota transfer rule say", "remote access export controls", "comment deadline",
             "summer flounder commercial quota", "Bureau of Industry and Security advanced computing",
             "H.R. 1005 text", "effective date of the rule", "license review policy semiconductors",
             "cloud computing service foreign person", "definition of remote access",
             "who must comply with the notice", "penalties for violations", "national security foreign policy",
             "2025-10042", "program 17 appropriations", "Secretary of Commerce report to Congress",
             "interim final rule request for comments", "fisheries management plan transfer",
             "entity list additions", "what changed in section 2"]


def _grow(ctx, n: int, fr_at: int, bill_at: int) -> tuple[float, int, int]:
    """Record ``n`` more documents; (store seconds, next FR index, next bill index)."""
    n_bills = n // (FR_SHARE + 1)
    n_fr = n - n_bills
    spent = 0.0
    for kind, raw in batches(n_fr, n_bills, fr_at, bill_at):
        records = parse_fr(raw) if kind == "fr" else parse_bills(raw)
        t0 = time.perf_counter()
        ctx.repo.record(records, ctx.analyzer, watched_bills=set())
        spent += time.perf_counter() - t0
    return spent, fr_at + n_fr, bill_at + n_bills


def _retrieval(ctx, rng: random.Random) -> tuple[float, float]:
    qs = QUESTIONS * 3
    rng.shuffle(qs)
    for q in QUESTIONS[:3]:
        search(ctx.repo.engine, q)                        # warm the page cache
    times = []
    for q in qs:
        t0 = time.perf_counter()
        search(ctx.repo.engine, q)
        times.append(time.perf_counter() - t0)
    return percentile(times, 50) * 1000, percentile(times, 95) * 1000


def _digest(ctx) -> tuple[float, int, int]:
    best, items, deadlines = float("inf"), 0, 0
    for _ in range(9):                   # a few ms each: the best of several, on a shared machine
        t0 = time.perf_counter()
        d = build_digest(ctx)
        best = min(best, time.perf_counter() - t0)
        items = len(d.items) + d.low_count + len(d.new_bills) + d.left_out_stale
        deadlines = len(d.deadlines)
    return best * 1000, items, deadlines


def slope(sizes: list[int], costs: list[float]) -> float | None:
    if len(sizes) < 2 or costs[0] <= 0 or costs[-1] <= 0:
        return None
    return math.log(costs[-1] / costs[0]) / math.log(sizes[-1] / sizes[0])


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__.splitlines()[0])
    quiet()

    factors = [1, 10, 50] if args.full else [1, 10]
    rng = random.Random(11)
    tmp = tempfile.TemporaryDirectory(prefix="bench-growth-")
    ctx = Context(settings=Settings(db_url=f"sqlite:///{Path(tmp.name) / 'growth.db'}",
                                    watchlist=str(Path(tmp.name) / "none.toml")),
                  now_override=datetime(2025, 6, 1, 12, tzinfo=UTC))
    size, fr_at, bill_at = 0, 0, 0
    levels = []
    clock = datetime(2025, 6, 1, 12, tzinfo=UTC)
    for f in factors:
        target = f * BASE
        history = target - BASE - size
        spent = 0.0
        if history > 0:                          # older history: detected before the digest marker
            ctx.now_override = clock
            s, fr_at, bill_at = _grow(ctx, history, fr_at, bill_at)
            spent += s
        clock += timedelta(days=7)
        ctx.repo.kv_set(MARKER, clock.isoformat())
        ctx.now_override = clock + timedelta(hours=1)     # this week's changes
        s, fr_at, bill_at = _grow(ctx, BASE, fr_at, bill_at)
        spent += s
        ctx.now_override = clock + timedelta(hours=2)     # the digest is built after them
        clock += timedelta(days=1)
        added = target - size
        size = target
        p50, p95 = _retrieval(ctx, rng)
        digest_ms, items, deadlines = _digest(ctx)
        passages = ctx.repo.counts()["passages"]
        levels.append({"factor": f, "documents": size, "passages": passages, "ingest_ms_per_doc": 1000 * spent / added,
                       "search_p50_ms": p50, "search_p95_ms": p95, "digest_ms": digest_ms, "digest_changes": items,
                       "digest_deadlines": deadlines})
    ctx.close()
    tmp.cleanup()
    sizes = [lv["documents"] for lv in levels]
    rows = []
    for key, label, unit in (("ingest_ms_per_doc", "ingest cost per document", "ms"),
                             ("search_p50_ms", "retrieval p50", "ms"), ("search_p95_ms", "retrieval p95", "ms"),
                             ("digest_ms", "digest build (fixed week)", "ms")):
        costs = [lv[key] for lv in levels]
        s = slope(sizes, costs)
        extra = ""
        if key == "digest_ms":
            extra = (" — each digest holds the same {} changes, but lists every deadline of the next 14 days, "
                     "and those grow with the history: {}").format(
                levels[-1]["digest_changes"], ", ".join(str(lv["digest_deadlines"]) for lv in levels))
        rows.append(Row(f"{label}: slope {sizes[0]:,}→{sizes[-1]:,} docs", s, "", target="0 flat · 1 linear",
                        verdict="info",
                        note=" · ".join(f"{lv['documents']:,} docs ({lv['passages']:,} passages): {lv[key]:.2f} {unit}"
                                        for lv in levels) + extra))
    return result("growth", rows, levels=levels)


if __name__ == "__main__":
    raise SystemExit(run_script(main))
