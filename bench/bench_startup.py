"""Start-up of the CLI, each command a fresh process, against bare ``python -c pass``.

Every run is a subprocess (``python -m bot …``, as the ``legiswatch`` script runs it) on a database
already at the head revision with one stored bill (so ``bill`` never fetches) and every source URL
pointed at a closed port on 127.0.0.1 (nothing leaves the machine). The sides are interleaved —
``pass``, ``--help``, ``bill``, ``watch list``, ``status``, then again, N rounds — so a busy moment
of the shared machine hits every side alike; each figure is the best and the median of N. Targets
(issue 23): ``--help`` within 3× of bare Python, ``bill`` / ``watch list`` / ``status`` within 10×
(the ratio is of the medians).

    python bench/bench_startup.py [--rounds N] [--json]     (default 15 rounds)

Where a command's time goes: ``python -X importtime -m bot status 2>&1 | sort -t'|' -k2 -n | tail``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import ROOT, Row, median, parse_args, quiet, result, run_script, verdict

from bot.services.config import Settings
from bot.services.context import Context
from scrapers.records import ActionRecord, BillRecord

CLOSED = "http://127.0.0.1:9"          # the discard port: nothing listens, nothing leaves the machine
URL_SETTINGS = ("LEGISWATCH_CONGRESS_API_URL", "LEGISWATCH_GOVINFO_URL", "LEGISWATCH_GOVINFO_API_URL",
                "LEGISWATCH_FEDERAL_REGISTER_URL", "LEGISWATCH_BIS_URL", "LEGISWATCH_ECFR_URL",
                "LEGISWATCH_NEWS_SEARCH_URL", "LEGISWATCH_SLACK_API_URL")
SIDES = (("python -c pass", ["-c", "pass"], None), ("--help", ["-m", "bot", "--help"], 3.0),
         ("bill hr2683-119", ["-m", "bot", "bill", "hr2683-119"], 10.0),
         ("watch list", ["-m", "bot", "watch", "list"], 10.0), ("status", ["-m", "bot", "status"], 10.0),
         # the floor under any command that opens the database: the ORM and settings libraries alone
         ("import sqlalchemy.orm, sqlmodel, pydantic_settings",
          ["-c", "import sqlalchemy.orm, sqlmodel, pydantic_settings"], None))


def _bill() -> BillRecord:
    return BillRecord(bill_id="hr2683-119", congress=119, type="hr", number=2683,
                      title="To amend the Export Control Reform Act of 2018 to prevent foreign adversaries from "
                            "exploiting United States technology through remote access, and for other purposes.",
                      short_title="Remote Access Security Act", introduced=date(2025, 4, 7),
                      sponsor={"name": "Rep. Lawler, Michael [R-NY-17]", "party": "R", "state": "NY"},
                      latest_action=ActionRecord(date(2026, 1, 12), "Passed House 369 - 22"),
                      url="https://www.congress.gov/bill/119th-congress/house-bill/2683",
                      actions=[ActionRecord(date(2025, 4, 7), "Introduced in House", code="Intro-H")])


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGISWATCH_", "OPENAI_", "SLACK_"))}
    env.update({name: CLOSED for name in URL_SETTINGS})
    env.update({"LEGISWATCH_DB_URL": f"sqlite:///{tmp / 'bench.db'}", "LEGISWATCH_WATCHLIST": str(tmp / "none"),
                "PYTHONDONTWRITEBYTECODE": "", "PYTHONPATH": str(ROOT)})
    return env


def _prepare(tmp: Path, env: dict) -> None:
    """The database at the head with the bill stored and one watched item (as after ``db upgrade``)."""
    ctx = Context(settings=Settings(db_url=env["LEGISWATCH_DB_URL"], watchlist=env["LEGISWATCH_WATCHLIST"]))
    ctx.repo.record([_bill()], ctx.analyzer)
    ctx.repo.add_watch("bill", "hr2683-119", label="H.R. 2683", channel=None, actor="bench")
    ctx.close()


def _run(argv: list[str], env: dict, cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], env=env, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):       # status exits 1 when a source has failed: still a start-up
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, "CLI start-up against bare python",
                      lambda p: p.add_argument("--rounds", type=int, default=15))
    quiet()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = _env(tmp)
        _prepare(tmp, env)
        for _, argv_, _ in SIDES:        # one warm-up each (the page cache, .pyc files)
            _run(argv_, env, tmp)
        times: dict[str, list[float]] = {name: [] for name, _, _ in SIDES}
        for _ in range(args.rounds):     # interleaved: every side once per round
            for name, argv_, _ in SIDES:
                times[name].append(_run(argv_, env, tmp))
    base_med, base_best = median(times["python -c pass"]), min(times["python -c pass"])
    rows = [Row("python -c pass (median)", base_med * 1000, "ms", note=f"best {base_best * 1000:.0f} ms")]
    for name, _, limit in SIDES[1:]:
        med = median(times[name])
        rows.append(Row(f"{name} (median)", med * 1000, "ms", base_med * 1000, f"≤ {limit:g}×" if limit else "",
                        verdict(med <= limit * base_med if limit else None),
                        note=f"best {min(times[name]) * 1000:.0f} ms = {min(times[name]) / base_best:.1f}× the best bare "
                             f"python; {args.rounds} interleaved rounds on {os.cpu_count()} shared cores"))
    return result("startup", rows, rounds=args.rounds)


if __name__ == "__main__":
    sys.exit(run_script(main))
