"""HTTP mode: one WSGI app served by waitress (a production-grade WSGI server).

Routes: ``POST /slack/events`` (events, slash commands, interactivity; signature and
timestamp checked on the raw bytes before Bolt parses: bad or stale → 401), ``GET /healthz`` (the database answers → 200) and
``GET /redline/<a>/<b>`` (the full redline of a comparison, linked from ``/compare``).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import create_server

from bot.services.compare import compare
from bot.services.context import Context
from bot.slack import guard
from scrapers.errors import BadInput, LegiswatchError, NotFound

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024            # Slack payloads are small; refuse anything larger
CONNECTION_LIMIT = 1000           # open sockets at once (slow clients included)
CHANNEL_TIMEOUT = 20              # seconds a connection may sit idle, mid-request or between requests
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_REDLINE = re.compile(r"^/redline/([A-Za-z0-9.\-]{3,40})/([A-Za-z0-9.\-]{3,40})/?$")
_HTML_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("X-Content-Type-Options", "nosniff"),
                 ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
                 ("Referrer-Policy", "no-referrer")]


def make_wsgi(app: App, ctx: Context) -> Callable:
    """The WSGI callable for HTTP mode."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    verifier = _Verifier(ctx.settings.slack_signing_secret)

    def wsgi(environ: dict, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _text(start_response, "405 Method Not Allowed", "POST only\n")
            return _events(slack, verifier, environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _health(ctx, start_response)
        match = _REDLINE.match(path)
        if match and method in ("GET", "HEAD"):
            return _redline(ctx, start_response, match.group(1), match.group(2))
        return _text(start_response, "404 Not Found", "not found\n")

    return wsgi


class _Verifier:
    """Slack's request signature over the raw bytes (``v0=`` HMAC-SHA256 of ``v0:ts:body``), with
    the 5-minute freshness window; any body, even bytes that are not UTF-8, is simply invalid."""

    def __init__(self, secret: str, max_age: int = 300) -> None:
        self.secret = secret.encode("utf-8")
        self.max_age = max_age

    def is_valid(self, *, body: bytes, timestamp: str, signature: str) -> bool:
        """Any header text at all is answered True or False, never an exception: the timestamp must
        be 1–12 ASCII digits (not ``²`` or a 5,000-digit number) and the signature ASCII."""
        if not self.secret or not _TIMESTAMP.fullmatch(timestamp) or not signature.isascii():
            return False
        if not signature.startswith("v0=") or abs(time.time() - int(timestamp)) > self.max_age:
            return False
        mac = hmac.new(self.secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(("v0=" + mac).encode("ascii"), signature.encode("ascii"))


def _events(slack: SlackRequestHandler, verifier: _Verifier, environ: dict, start_response):
    """Check size and signature before Bolt parses anything (a forged body never reaches a parser),
    then hand the request to Bolt; a body Bolt cannot parse is a 400, never a 500."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > MAX_BODY:
        return _text(start_response, "413 Content Too Large", "request body too large\n")
    body = environ["wsgi.input"].read(length) if length else b""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        return _text(start_response, "401 Unauthorized", "invalid request\n")
    reason = guard.problem(body, environ.get("CONTENT_TYPE"))
    if reason:                                           # signed, but not a shape Slack sends
        log.warning("slack: malformed request refused: %s", reason)
        return _text(start_response, "400 Bad Request", "malformed request\n")
    environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    answered: list[tuple[str, list]] = []

    def record_status(line: str, headers, exc_info=None):   # held back until Bolt's status is known
        answered.append((line, headers))
        return lambda _data: None

    try:
        chunks = list(slack(environ, record_status))
    except Exception as exc:  # noqa: BLE001 — a signed but malformed payload is a 400, never a 500
        log.warning("slack: unparsable request (%s)", type(exc).__name__)
        return _text(start_response, "400 Bad Request", "malformed request\n")
    line, headers = answered[-1] if answered else ("500", [])
    if line.startswith("5"):       # Bolt answers 500 when a listener failed on what it was sent
        log.warning("slack: request failed in a listener (%s); answered 400", line)
        return _text(start_response, "400 Bad Request", "malformed request\n")
    start_response(line, headers)
    return chunks


def _text(start_response, status: str, body: str, content_type: str = "text/plain; charset=utf-8"):
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def _health(ctx: Context, start_response):
    try:
        ctx.repo.kv_get("healthz")
        return _text(start_response, "200 OK", json.dumps({"ok": True}) + "\n", "application/json")
    except Exception as exc:  # noqa: BLE001
        log.warning("healthz: database check failed: %s", type(exc).__name__)
        return _text(start_response, "503 Service Unavailable", json.dumps({"ok": False, "error": "database"}) + "\n",
                     "application/json")


def _redline(ctx: Context, start_response, a: str, b: str):
    try:
        html = compare(ctx, a, b).html
    except BadInput as exc:
        return _text(start_response, "400 Bad Request", f"{exc}\n")
    except NotFound as exc:
        return _text(start_response, "404 Not Found", f"{exc}\n")
    except LegiswatchError as exc:
        log.warning("redline %s %s failed: %s", a, b, exc)
        return _text(start_response, "503 Service Unavailable", "the comparison failed\n")
    except Exception:  # noqa: BLE001
        log.exception("redline %s %s failed", a, b)
        return _text(start_response, "503 Service Unavailable", "the comparison failed\n")
    data = (html or "").encode("utf-8")
    start_response("200 OK", [*_HTML_HEADERS, ("Content-Length", str(len(data)))])
    return [data]


class HttpServer:
    """A waitress server that can be stopped cleanly from another thread (or a signal handler).

    ``run()`` serves until ``close()``; ``effective_port``/``effective_host`` are the bound address."""

    def __init__(self, server) -> None:
        self._server = server
        self._running = threading.Event()
        self._closing = False

    @property
    def effective_port(self) -> int:
        return self._server.effective_port

    @property
    def effective_host(self) -> str:
        return self._server.effective_host

    def run(self) -> None:
        self._running.set()
        try:
            self._server.run()
        except OSError:
            if not self._closing:
                raise
        finally:
            self._running.clear()

    def close(self) -> None:
        """Stop accepting, close connections and end ``run()``; safe to call twice."""
        if self._closing:
            return
        self._closing = True
        if self._running.is_set():
            try:
                self._server.trigger.pull_trigger(self._shutdown)     # runs inside the server loop
                return
            except OSError:
                pass
        self._shutdown()

    def _shutdown(self) -> None:
        server = self._server
        for channel in list(server._map.values()):
            if channel is not server and channel is not server.trigger:
                channel.close()
        server.close()                       # the listening socket and the trigger
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)


def serve_http(app: App, ctx: Context, host: str = "127.0.0.1", port: int = 3000, *, threads: int = 8,
               connection_limit: int = CONNECTION_LIMIT, channel_timeout: int = CHANNEL_TIMEOUT) -> HttpServer:
    """A waitress server for the WSGI app, bound but not yet running: call ``.run()`` (blocks)
    and ``.close()``; ``.effective_port`` is the bound port (``port=0`` picks a free one).

    Waitress reads a whole request on its event loop before a worker thread sees it, so slow
    clients cost a socket, not a thread; ``connection_limit`` bounds the sockets (waitress's
    default of 100 let 110 slow-loris connections lock everyone out) and ``channel_timeout``
    closes a connection idle that many seconds."""
    if not ctx.settings.slack_signing_secret:
        raise BadInput("HTTP mode needs SLACK_SIGNING_SECRET (Slack app → Basic Information → Signing Secret)")
    server = create_server(make_wsgi(app, ctx), host=host, port=port, threads=threads, ident="legiswatch",
                           max_request_body_size=MAX_BODY, clear_untrusted_proxy_headers=True,
                           connection_limit=connection_limit, channel_timeout=channel_timeout,
                           cleanup_interval=max(1, min(30, channel_timeout // 2)), backlog=2048)
    log.info("HTTP mode listening on http://%s:%s%s", host, server.effective_port, EVENTS_PATH)
    return HttpServer(server)
