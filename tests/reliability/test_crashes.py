"""Crashes: ``legiswatch poll`` killed with SIGKILL at random points of a large first poll.

The poll runs as a real subprocess (``python -m bot poll``) against a sandbox in this process
serving a generated dataset (``crashdata``: 8 generated watched bills with three text versions each
besides the flagship's, 30 Federal Register documents, the bundled BIS, public inspection and news data). A reference
database comes from an uninterrupted run (plus a second run, which must change nothing). Then,
in at least 20 seeded trials whose kill times are staggered over the whole run, a fresh poll is
killed; the database must pass ``PRAGMA integrity_check`` and hold no duplicate; a re-run must
exit 0; and the final database must equal the reference: the same document versions (by content
hash), changes (by key), deliveries (by target, purpose and change) and bill stages.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import crashdata
import pytest
from relkit import SECRET_KEY, integrity, snapshot

from bot.sandbox.__main__ import ENV_NAMES
from bot.sandbox.government import GovSandbox

pytestmark = pytest.mark.reliability

TRIALS = 20
PARALLEL = 2
SEED = 20260120
URL_ENV = ENV_NAMES                 # every sandbox URL setting, as `python -m bot.sandbox` prints them


def _env(sb: GovSandbox, db: Path, watchlist: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "OPENAI_", "LEGISWATCH_")) and k not in ("CONGRESS_API_KEY",)}
    env.update({URL_ENV[k]: v for k, v in sb.base_urls().items()})
    env.update(LEGISWATCH_DB_URL=f"sqlite:///{db}", LEGISWATCH_WATCHLIST=str(watchlist), CONGRESS_API_KEY=SECRET_KEY,
               LEGISWATCH_HTTP_RETRIES="1", LEGISWATCH_HTTP_TIMEOUT="10", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    return env


def _poll(env: dict, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "poll"], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The generated dataset served by a sandbox, and the reference database."""
    root = tmp_path_factory.mktemp("crash")
    watchlist = crashdata.build(root / "data", date.today(), n_bills=8, n_fr=30)
    with GovSandbox(root / "data") as sb:
        ref = root / "reference.db"
        started = time.monotonic()
        first = _poll(_env(sb, ref, watchlist), root)
        duration = time.monotonic() - started
        assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
        once = snapshot(ref)
        second = _poll(_env(sb, ref, watchlist), root)
        assert second.returncode == 0, second.stderr[-2000:]
        snap = snapshot(ref)
        assert snap.changes == once.changes and snap.versions == once.versions, "a second poll changed the store"
        assert snap.deliveries, "the dataset must queue alert deliveries (fresh, high changes)"
        assert len(snap.changes) > 100 and len(snap.versions) > 60
        assert SECRET_KEY not in first.stderr + first.stdout + second.stderr + second.stdout
        yield {"sb": sb, "root": root, "watchlist": watchlist, "ref": snap, "duration": duration}


def _trial(world: dict, k: int, delay: float) -> str | None:
    """One kill-and-recover trial; None when it passed, else what went wrong."""
    sb, root = world["sb"], world["root"]
    workdir = root / f"trial{k:02d}"
    workdir.mkdir()
    db = workdir / "t.db"
    env = _env(sb, db, world["watchlist"])
    proc = subprocess.Popen([sys.executable, "-m", "bot", "poll"], env=env, cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=30)
    where = f"trial {k} (kill at {delay:.2f}s{', after it had finished' if finished else ''})"
    if SECRET_KEY in stderr:
        return f"{where}: the API key appeared in stderr"
    if db.exists():
        check = integrity(db)
        if check != "ok":
            return f"{where}: integrity_check after the kill: {check}"
        try:
            killed = snapshot(db)
        except sqlite3.OperationalError:        # killed while the migrations were creating the tables
            killed = None
        if killed is not None and killed.duplicates:
            return f"{where}: duplicates after the kill: {killed.duplicates}"
    rerun = _poll(env, workdir)
    if rerun.returncode != 0:
        return f"{where}: re-run exited {rerun.returncode}: {rerun.stdout[-800:]} {rerun.stderr[-800:]}"
    if SECRET_KEY in rerun.stderr + rerun.stdout:
        return f"{where}: the API key appeared in the re-run's output"
    if integrity(db) != "ok":
        return f"{where}: integrity_check after the re-run failed"
    final, ref = snapshot(db), world["ref"]
    problems = []
    if final.duplicates:
        problems.append(f"duplicates {final.duplicates}")
    for label, got, want in (("versions", final.versions, ref.versions), ("changes", final.changes, ref.changes),
                             ("deliveries", final.deliveries, ref.deliveries), ("bills", final.bills, ref.bills)):
        if got != want:
            problems.append(f"{label}: lost {sorted(want - got)[:3]} extra {sorted(got - want)[:3]}")
    if final.passages != final.fts:
        problems.append(f"passages {final.passages} != FTS rows {final.fts}")
    return f"{where}: " + "; ".join(problems) if problems else None


@pytest.mark.timeout(900)
def test_sigkill_at_random_points_loses_and_duplicates_nothing(world):
    rng = random.Random(SEED)
    span = max(1.0, world["duration"])
    delays = [0.3 + (span - 0.3) * (k + rng.random()) / TRIALS for k in range(TRIALS)]
    rng.shuffle(delays)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda kd: _trial(world, *kd), enumerate(delays)))
    failures = [o for o in outcomes if o]
    assert not failures, f"{len(failures)}/{TRIALS} trials failed:\n" + "\n".join(failures)


def _kill_after_first_commit(world: dict, workdir: Path, table: str) -> tuple[Path, dict, bool]:
    """Start a poll and SIGKILL it as soon as ``table`` has a committed row (read from this process)."""
    workdir.mkdir()
    db = workdir / "t.db"
    env = _env(world["sb"], db, world["watchlist"])
    proc = subprocess.Popen([sys.executable, "-m", "bot", "poll"], env=env, cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    hit = False
    while proc.poll() is None and time.monotonic() < deadline:
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
                try:
                    hit = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
                finally:
                    con.close()
            except sqlite3.Error:
                hit = False
            if hit:
                os.kill(proc.pid, signal.SIGKILL)
                break
        time.sleep(0.002)
    proc.wait(timeout=30)
    return db, env, hit


@pytest.mark.timeout(300)
@pytest.mark.parametrize("table", ["changes", "deliveries"])
def test_kill_right_after_a_commit_still_delivers_every_alert(world, table):
    """The window between storing a batch's changes and queueing their alerts: a crash there must
    not lose the alerts (the next poll finds the changes already stored and has nothing new)."""
    db, env, hit = _kill_after_first_commit(world, world["root"] / f"after-{table}", table)
    assert hit, f"the poll finished before any {table} row was committed"
    assert integrity(db) == "ok"
    rerun = _poll(env, db.parent)
    assert rerun.returncode == 0, rerun.stderr[-1500:]
    final, ref = snapshot(db), world["ref"]
    assert final.changes == ref.changes
    assert final.deliveries == ref.deliveries, f"lost alerts: {sorted(ref.deliveries - final.deliveries)[:5]}"
