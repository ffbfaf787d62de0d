"""Run every benchmark and print one table; write ``bench/results/latest.json``.

    python bench/run_all.py [--full] [--only NAME ...] [--skip NAME ...]

Each bench script exposes ``main(argv) -> dict`` (see ``common.py``). A script that is missing
is listed as "not available"; one that fails is listed with its error and the others still run.
Exit status: 0 when every figure with a target meets it, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import re
import sys
import time
import traceback
from datetime import UTC, datetime

from common import RESULTS, ROOT, Row, machine, notes, result, table

BENCHES = [("poll", "bench_poll"), ("ingest", "bench_ingest"), ("diff", "bench_diff"),
           ("retrieval", "bench_retrieval"), ("slack_ack", "bench_slack_ack"), ("llm_economy", "bench_llm_economy"),
           ("growth", "bench_growth"), ("backends", "bench_backends")]


def run_one(name: str, module: str, argv: list[str]) -> dict:
    """Import and run one bench; never raises."""
    if not (ROOT / "bench" / f"{module}.py").is_file():
        return result(name, [Row("not available", None, verdict="n/a", note=f"bench/{module}.py is not in the tree")])
    started = time.perf_counter()
    out = io.StringIO()
    try:
        mod = importlib.import_module(module)
        with contextlib.redirect_stdout(out):
            try:
                res = mod.main(argv)
            except SystemExit as exc:               # argparse of a script that does not know our flags
                if not argv or exc.code in (0, None):
                    raise
                res = mod.main([])
    except SystemExit as exc:
        res = exc
    except Exception as exc:  # noqa: BLE001 — one broken bench never hides the others
        tb = traceback.format_exc(limit=3)
        return result(name, [Row("failed", None, verdict="MISS", note=f"{type(exc).__name__}: {exc}")],
                      traceback=tb, seconds=time.perf_counter() - started)
    elapsed = time.perf_counter() - started
    if isinstance(res, dict) and isinstance(res.get("rows"), list):
        res.setdefault("info", {})["seconds"] = elapsed
        res["name"] = res.get("name") or name
        return res
    printed = out.getvalue().strip()
    rows = rows_from_output(printed)
    if not rows:
        rows = [Row("ran (no result dict; its output follows the table)", None, verdict="n/a",
                    note=printed.splitlines()[-1] if printed else f"returned {res!r}")]
    return result(name, rows, output=printed, seconds=elapsed)


_PCT_LINE = re.compile(r"^(?P<label>\S.*?)\s+p50\s+(?P<p50>[\d.]+) ms\s+p95\s+(?P<p95>[\d.]+) ms")


def rows_from_output(text: str) -> list[Row]:
    """Rows from a script that prints ``LABEL  p50 X ms  p95 Y ms`` lines (and no result dict).
    A "retrieval" line's p95 is judged against the 50 ms target."""
    rows = []
    for line in text.splitlines():
        m = _PCT_LINE.match(line.strip())
        if not m:
            continue
        label = m["label"].strip()
        rows.append(Row(f"{label}: p50", float(m["p50"]), "ms", verdict="info"))
        p95 = float(m["p95"])
        target = label.lower().startswith("retrieval")
        rows.append(Row(f"{label}: p95", p95, "ms", target="< 50 ms" if target else "",
                        verdict=("ok" if p95 < 50 else "MISS") if target else "info"))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="the full sizes (slower)")
    p.add_argument("--only", nargs="*", default=[], help="bench names to run")
    p.add_argument("--skip", nargs="*", default=[], help="bench names to leave out")
    args = p.parse_args(argv)
    bench_argv = ["--full"] if args.full else []
    info = machine()
    print(f"machine: {info['nproc']} cores, {info['memory']}, Python {info['python']}, SQLite {info['sqlite']}, "
          f"{info['platform']}")
    results = []
    for name, module in BENCHES:
        if (args.only and name not in args.only) or name in args.skip:
            continue
        print(f"… {name}", file=sys.stderr, flush=True)
        results.append(run_one(name, module, bench_argv))
    print(table(results))
    extra = notes(results)
    if extra:
        print("\nNotes:\n" + extra)
    for res in results:
        if res["info"].get("output"):
            print(f"\n--- {res['name']} output ---\n{res['info']['output']}")
        if res["info"].get("traceback"):
            print(f"\n--- {res['name']} traceback ---\n{res['info']['traceback']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"when": datetime.now(UTC).isoformat(), "full": args.full, "machine": info, "results": results}
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2, default=str))
    print(f"\nwritten: {(RESULTS / 'latest.json').relative_to(ROOT)}")
    return 0 if all(r["verdict"] != "MISS" for res in results for r in res["rows"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
