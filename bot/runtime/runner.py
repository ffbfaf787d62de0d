"""``legiswatch run``: the scheduler plus Slack (Socket Mode, HTTP) or console delivery, until
SIGTERM/SIGINT. Shutting down lets running jobs finish (their transactions are short)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import TextIO

from bot import __version__
from bot.runtime.scheduler import (
    QuietRepeats,
    SchedulerLocked,
    acquire_lock,
    build_scheduler,
    catch_up,
    next_fire_times,
)
from bot.services.config import mask_url_password
from bot.services.context import Context
from bot.slack.app import build_app
from bot.slack.server import serve_http
from bot.slack.socket import start_socket_mode

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAIL = 0, 1
SIGNUP_URL = "https://api.data.gov/signup/"


def delivery_mode(ctx: Context, http_port: int | None) -> str:
    """``http`` (``--http`` wins), ``socket`` (SLACK_APP_TOKEN + bot token) or ``console``."""
    s = ctx.settings
    if http_port is not None:
        return "http"
    if s.slack_app_token and s.slack_enabled:
        return "socket"
    return "console"


def banner(ctx: Context, mode: str, host: str, port: int | None) -> str:
    """What is configured, in a few lines (secrets never shown)."""
    s = ctx.settings
    where = {"console": "console (Slack not configured: alerts and digests are printed here; set "
                        "SLACK_BOT_TOKEN + SLACK_APP_TOKEN for Socket Mode)",
             "socket": "Slack, Socket Mode",
             "http": f"Slack over HTTP on {host}:{port} (POST /slack/events, GET /healthz)"}[mode]
    llm = f"LLM {s.llm_model}" + (f" at {s.openai_base_url}" if s.openai_base_url else "") \
        if s.llm_enabled else "offline summarizer (set OPENAI_API_KEY or OPENAI_BASE_URL for an LLM)"
    lines = [f"legiswatch {__version__} — running; Ctrl-C or SIGTERM stops it",
             f"  database:  {mask_url_password(s.db_url)} ({ctx.repo.dialect})",
             f"  delivery:  {where}",
             f"  summaries: {llm}",
             f"  watching:  {len(ctx.repo.watch_items())} items (legiswatch watch list)",
             f"  timezone:  {s.timezone}; digest cron {s.digest_cron!r}"]
    if s.demo_key:
        lines.append(f"  api key:   DEMO_KEY — Congress.gov/govinfo polls slowed ×4; a free key: {SIGNUP_URL} "
                     "(then set CONGRESS_API_KEY)")
    lines.append("  No network here? `legiswatch demo` shows the whole story offline on bundled data.")
    return "\n".join(lines)


def _quiet_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for h in root.handlers:
        if not any(isinstance(f, QuietRepeats) for f in h.filters):
            h.addFilter(QuietRepeats())


class _Slack:
    """The Slack side of ``run``: an HTTP server thread or a Socket Mode connection."""

    def __init__(self, ctx: Context, mode: str, host: str, port: int | None):
        self.mode = mode
        self.app = build_app(ctx)
        self.server = self.handler = self.thread = None
        if mode == "http":
            self.server = serve_http(self.app, ctx, host, port)
            self.thread = threading.Thread(target=self.server.run, name="slack-http", daemon=True)
            self.thread.start()
            self.where = f"http://{host}:{self.server.effective_port}/slack/events"
        else:
            self.handler = start_socket_mode(self.app, ctx.settings.slack_app_token)     # returns connected
            self.where = "Socket Mode"

    @property
    def client(self):
        return self.app.client

    def close(self) -> None:
        for closer in (self.server, self.handler):
            if closer is not None:
                try:
                    closer.close()
                except Exception:  # noqa: BLE001 — shutting down anyway
                    log.debug("closing Slack %s", self.mode, exc_info=True)
        if self.thread is not None:
            self.thread.join(timeout=5)


def run(ctx: Context, http_port: int | None = None, host: str = "127.0.0.1", *,
        out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop`` is set); 0 on a clean stop, 1 when nothing can run."""
    out = out or sys.stdout
    stop = stop or threading.Event()
    _quiet_logging()
    mode = delivery_mode(ctx, http_port)
    if mode == "http" and not (ctx.settings.slack_enabled and ctx.settings.slack_signing_secret):
        print("error: --http needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see the README, Slack setup); "
              "without Slack, run `legiswatch run` for console delivery", file=sys.stderr)
        return EXIT_FAIL
    print(banner(ctx, mode, host, http_port), file=out, flush=True)

    lock = scheduler = slack = None
    locked_out = False
    try:
        lock = acquire_lock(ctx.settings)
    except SchedulerLocked as exc:
        print(f"scheduler not started: {exc}", file=sys.stderr, flush=True)
        locked_out = True
        if mode == "console":
            return EXIT_FAIL
        print("serving Slack only; the other instance runs the jobs", file=out, flush=True)
    previous = _install_signals(stop)
    try:
        if mode != "console":
            slack = _Slack(ctx, mode, host, http_port)
            print(f"Slack: listening ({slack.where})", file=out, flush=True)
        if not locked_out:
            scheduler = build_scheduler(ctx, slack_client=slack.client if slack else None)
            due = catch_up(ctx, scheduler)
            scheduler.start()
            if due:
                print(f"catch-up: polling {', '.join(due)} now", file=out, flush=True)
            nxt = next_fire_times(ctx.settings, ctx.now())
            print("next runs: " + ", ".join(f"{k} {v:%a %H:%M}" for k, v in nxt.items() if k.startswith("poll:")),
                  file=out, flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping: waiting for running jobs to finish…", file=out, flush=True)
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)
        if slack is not None:
            slack.close()
        if lock is not None:
            lock.release()
        _restore_signals(previous)
    print("stopped", file=out, flush=True)
    return EXIT_OK


def _install_signals(stop: threading.Event) -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}

    def handler(signum, frame):  # noqa: ARG001
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_signals(previous: dict) -> None:
    for sig, h in previous.items():
        signal.signal(sig, h)
