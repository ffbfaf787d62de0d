"""``legiswatch run`` in a real subprocess: it starts, catches up (polls the sandbox), records job
runs, refuses a second scheduler on the same database, and exits 0 on SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bot.runtime.runner import run
from bot.services.config import Settings
from bot.services.context import Context
from storage.repo import open_repo

ROOT = Path(__file__).resolve().parent.parent


def _env(db_url: str, base_urls: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()}
    for field_name, url in base_urls.items():
        env[Settings.model_fields[field_name].alias] = url
    env.update({"LEGISWATCH_DB_URL": db_url, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
                "LEGISWATCH_HTTP_RETRIES": "0", "LEGISWATCH_WATCHLIST": "none.toml", **extra})
    return env


def _start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "run", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_polls(db_url: str, proc: subprocess.Popen, timeout: float = 30.0) -> list[dict]:
    repo = open_repo(db_url, migrate=False)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            runs = [r for r in repo.job_runs(limit=100) if r["job_id"].startswith("poll:") and r["finished_at"]]
            if {r["job_id"] for r in runs} >= {"poll:bis", "poll:news", "poll:federal_register"}:
                return runs
            time.sleep(0.2)
        raise AssertionError("no poll job finished in time")
    finally:
        repo.dispose()


@pytest.fixture
def running(db_url, gov_sandbox):
    open_repo(db_url).dispose()            # migrated up front, so the test can read job runs at once
    env = _env(db_url, gov_sandbox.base_urls())
    proc = _start(env)
    yield proc, env
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def test_run_polls_records_jobs_and_stops_on_sigterm(running, db_url, gov_sandbox):
    proc, env = running
    runs = _wait_for_polls(db_url, proc)
    bis = next(r for r in runs if r["job_id"] == "poll:bis")
    assert bis["status"] == "ok" and bis["counts"]["records"] >= 1
    assert gov_sandbox.count("/bis") >= 1

    # a second instance on the same database refuses to start its scheduler, and says why
    second = _start(env)
    out2, err2 = second.communicate(timeout=30)
    assert second.returncode == 1
    assert "scheduler not started" in err2 and "already running on this database" in err2

    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "legiswatch" in out and "delivery:  console" in out
    assert "api.data.gov/signup" in out and "legiswatch demo" in out      # DEMO_KEY and offline pointers
    assert "catch-up: polling" in out and out.rstrip().endswith("stopped")
    assert "Traceback" not in err

    repo = open_repo(db_url, migrate=False)
    try:
        assert all(r["status"] != "running" for r in repo.job_runs(limit=100))   # nothing left half-done
    finally:
        repo.dispose()


def test_sigint_also_stops_cleanly(running, db_url):
    proc, _ = running
    _wait_for_polls(db_url, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in out


def test_http_mode_without_slack_says_what_is_missing(db_url, gov_sandbox):
    proc = _start(_env(db_url, gov_sandbox.base_urls()), "--http", "0")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "SLACK_BOT_TOKEN" in err and "Traceback" not in err


def test_http_mode_serves_slack_and_healthz_until_stopped(db_url, gov_sandbox, slack_fake):


    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(db_url=db_url, watchlist="none.toml", slack_bot_token="xoxb-test",
                        slack_signing_secret="s3cret", slack_api_url=slack_fake.url, http_retries=0,
                        **gov_sandbox.base_urls())
    ctx = Context(settings=settings)
    out, stop, result = io.StringIO(), threading.Event(), {}
    worker = threading.Thread(target=lambda: result.setdefault("rc", run(ctx, http_port=port, out=out, stop=stop)))
    worker.start()
    try:
        deadline = time.monotonic() + 15
        body = None
        while body is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    body = resp.read().decode()
            except OSError:
                time.sleep(0.1)
        assert body is not None and '"ok": true' in body
        slack_fake.wait_for("auth.test", 1)                     # the Bolt app checked its token
    finally:
        stop.set()
        worker.join(timeout=30)
    ctx.close()
    assert result["rc"] == 0
    text = out.getvalue()
    assert f"http://127.0.0.1:{port}/slack/events" in text and "stopped" in text
