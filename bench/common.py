"""Shared plumbing for the benchmark scripts: result rows, timing, machine facts, the table.

Every bench script exposes ``main(argv=None) -> dict`` returning ``{"name", "rows", "info"}``
where each row is a ``Row`` as a dict: what was measured, its value and unit, the baseline it is
compared with (measured in the same run), the ratio, the target and a verdict (``ok`` / ``MISS``
/ ``info`` when there is no target). ``run_all.py`` prints every row as one table.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:            # runnable as ``python bench/bench_x.py`` from anywhere
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
log = logging.getLogger("bench")


@dataclass
class Row:
    """One measured figure, with its same-run baseline and its target."""

    measure: str
    value: float | None
    unit: str = ""
    baseline: float | None = None
    target: str = ""
    verdict: str = "info"       # ok | MISS | info | n/a
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


def verdict(ok: bool | None) -> str:
    return "info" if ok is None else ("ok" if ok else "MISS")


def result(name: str, rows: list[Row], **info) -> dict:
    """The dict every ``main`` returns."""
    return {"name": name, "rows": [r.to_dict() for r in rows], "info": info}


def parse_args(argv: list[str] | None, description: str,
               extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--full", action="store_true", help="the full sizes (slower)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    if extra:
        extra(p)
    return p.parse_args(argv)


def quiet() -> None:
    """Benchmarks print a table; library logging stays at warnings."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "bot.sandbox", "scrapers", "bot", "storage"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


@contextmanager
def timed() -> Iterator[list[float]]:
    """``with timed() as t: ...`` then ``t[0]`` is the elapsed wall time in seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs of ``fn`` (seconds): the least disturbed by the machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0–100) by linear interpolation; ``values`` need not be sorted."""
    if not values:
        return float("nan")
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> dict:
    """The facts BENCHMARKS.md records: cores, memory, Python, SQLite, OS."""
    mem_total = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory": mem_total, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value != value:   # NaN
        return "nan"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def table(results: list[dict]) -> str:
    """One text table over the rows of several results."""
    header = ("bench", "measure", "value", "baseline", "ratio", "target", "verdict")
    lines = [header]
    for res in results:
        for r in res["rows"]:
            value = fmt(r["value"]) + (f" {r['unit']}" if r["unit"] and r["value"] is not None else "")
            ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3g}×"
            lines.append((res["name"], r["measure"], value, fmt(r["baseline"]), ratio, r["target"] or "-",
                          r["verdict"]))
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(header))]
    out = []
    for n, row in enumerate(lines):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def notes(results: list[dict]) -> str:
    """The rows' notes, one line each (why a figure misses, what a baseline is)."""
    out = []
    for res in results:
        for r in res["rows"]:
            if r.get("note"):
                out.append(f"- {res['name']} / {r['measure']}: {r['note']}")
    return "\n".join(out)


def run_script(main: Callable[[list[str] | None], dict], argv: list[str] | None = None) -> int:
    """``if __name__ == "__main__"`` body of every bench script."""
    args = sys.argv[1:] if argv is None else argv
    res = main(args)
    if "--json" in args:
        print(json.dumps(res, indent=2, default=str))
    else:
        print(table([res]))
        extra = notes([res])
        if extra:
            print("\n" + extra)
    return 0 if all(r["verdict"] != "MISS" for r in res["rows"]) else 1
