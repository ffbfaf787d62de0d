"""``GovSandbox``: a local server that answers like the government sources, from recorded files.

Every source lives under a fixed prefix (see ``GovSandbox.base_urls``). A request path maps to a
file under the data directory: ``/congress/v3/bill/119/hr/2683`` is served from
``<data>/congress/v3/bill/119/hr/2683`` or the same name plus ``.json``, ``.xml``, ``.html``, ``.htm``,
``.rss`` or ``.txt`` (the extension gives the content type); a directory may serve ``index.html``.

Query variants: ``<name>@<k>=<v>&<k2>=<v2>.<ext>`` (URL-encoded values, keys sorted) is chosen when
all its pairs are in the request's query; the variant with the most pairs wins, and query
parameters the file does not name (``api_key``, ``format``, ``limit``…) are ignored.

Tests add programmatic routes (``route``), which win over files, and scripted faults (``fault``).
Every response carries an ``ETag`` and ``If-None-Match`` is answered with 304. Unknown paths get a
404 JSON error like api.data.gov's. Every request is logged (``requests``, ``count``).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

from bot.sandbox.server import DATA_DIR, FakeHandler, LocalServer

CONTENT_TYPES = {
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
FAULT_KINDS = ("status", "timeout", "reset", "truncate", "html200", "badjson", "schema", "hold")
HTML_ERROR_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>\n"
                   b"<body><h1>We're sorry</h1><p>The service is temporarily unavailable. "
                   b"Please try again later.</p></body></html>\n")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the sandbox received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Route:
    path: str
    query: dict[str, list[str]]
    response: _Response


@dataclass
class _Fault:
    prefix: str
    kind: str
    times: int
    status: int | None
    retry_after: str | None
    delay: float | None
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event | None = None


def split_ext(name: str) -> tuple[str, str]:
    """``"2683.json"`` → ``("2683", ".json")``; unknown or no extension → ``(name, "")``."""
    lower = name.lower()
    for ext in CONTENT_TYPES:
        if lower.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)], ext
    return name, ""


def sniff_content_type(body: bytes) -> str:
    """A content type guessed from the first bytes of a body."""
    head = body[:256].lstrip().lower()
    if head.startswith((b"{", b"[")):
        return CONTENT_TYPES[".json"]
    if head.startswith((b"<!doctype html", b"<html")):
        return CONTENT_TYPES[".html"]
    if head.startswith(b"<rss") or (head.startswith(b"<?xml") and b"<rss" in body[:512].lower()):
        return CONTENT_TYPES[".rss"]
    if head.startswith(b"<"):
        return CONTENT_TYPES[".xml"]
    return "text/plain; charset=utf-8"


def find_file(data_dir: Path, path: str, query: dict[str, list[str]]) -> tuple[Path, str] | None:
    """The recorded file answering ``path`` + ``query`` and its extension, or None (see module doc)."""
    root = data_dir.resolve()
    rel = path.strip("/")
    target = (root / rel).resolve() if rel else root
    if target != root and not target.is_relative_to(root):
        return None
    best: tuple[tuple[int, int, str], Path, str] | None = None
    if rel and not path.endswith("/") and target.parent.is_dir():
        for candidate in target.parent.iterdir():
            if not candidate.is_file():
                continue
            head, has_query, qs = candidate.name.partition("@")
            stem, ext = split_ext(head)
            if has_query:
                qs, qext = split_ext(qs)
                ext = qext or ext
            if head != target.name and not (ext and stem == target.name):
                continue
            pairs = parse_qsl(qs, keep_blank_values=True) if has_query else []
            if not all(value in query.get(key, []) for key, value in pairs):
                continue
            score = (len(pairs), int(head == target.name), candidate.name)
            if best is None or score > best[0]:
                best = (score, candidate, ext)
    if best is not None:
        return best[1], best[2]
    index = target / "index.html"
    if target.is_dir() and index.is_file():
        return index, ".html"
    return None


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _not_modified_since(header: str, last_modified: str) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header)
        modified = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False
    return modified <= since


class _GovHandler(FakeHandler):
    owner: GovSandbox

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        body = self.read_body() if method == "POST" else b""
        sandbox = self.server.owner
        sandbox._record(RecordedRequest(method, path, query, dict(self.headers.items()), body))
        fault = sandbox._take_fault(path)
        try:
            if fault is not None and self._apply_fault(fault, path, query, method):
                return
            self._answer(sandbox._respond(path, query), method)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeouts); nothing left to do

    def _apply_fault(self, fault: _Fault, path: str, query: dict[str, list[str]], method: str) -> bool:
        """Act out ``fault``; True when the request is fully handled."""
        fault.arrived.set()
        if fault.kind == "hold":          # keep the client waiting until the test releases it
            fault.release.wait(fault.delay if fault.delay is not None else 30.0)
            return False
        delay = fault.delay if fault.delay is not None else (3.0 if fault.kind == "timeout" else 0.0)
        if delay:
            time.sleep(delay)
        kind = fault.kind
        if kind == "status":
            status = fault.status or 500
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            code = "OVER_RATE_LIMIT" if status == 429 else f"HTTP_{status}"
            self.send_json(status, {"error": {"code": code, "message": "scripted sandbox fault"}}, headers)
        elif kind == "reset":
            self.reset_connection()
        elif kind == "truncate":
            response = self.server.owner._respond(path, query)
            body = response.body or b"x" * 64
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif kind == "html200":
            self.send_body(200, HTML_ERROR_PAGE, CONTENT_TYPES[".html"])
        elif kind == "badjson":
            self.send_body(200, b'{"bills": [{"number": "2683", ', CONTENT_TYPES[".json"])
        elif kind == "schema":
            self.send_json(200, {"unexpected": True})
        else:  # "timeout": the delay was the fault; now answer normally
            return False
        return True

    def _answer(self, response: _Response, method: str) -> None:
        headers = dict(response.headers)
        lowered = {k.lower(): v for k, v in headers.items()}
        if response.status == 200:
            etag = lowered.get("etag")
            if etag is None:
                etag = headers["ETag"] = etag_for(response.body)
            if_none = self.headers.get("If-None-Match")
            if_since = self.headers.get("If-Modified-Since")
            last_modified = lowered.get("last-modified")
            if (if_none and _etag_matches(if_none, etag)) or (
                    not if_none and if_since and last_modified and _not_modified_since(if_since, last_modified)):
                self.send_body(304, b"", headers=headers)
                return
        self.send_body(response.status, response.body, response.content_type, headers,
                       head_only=method == "HEAD")


class GovSandbox(LocalServer):
    """Recorded government responses on 127.0.0.1, with programmatic routes and scripted faults."""

    handler_class = _GovHandler

    def __init__(self, data_dir: Path | str | None = None) -> None:
        super().__init__()
        self.data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
        self._lock = threading.Lock()
        self._routes: list[_Route] = []
        self._faults: list[_Fault] = []
        self._log: list[RecordedRequest] = []

    def start(self) -> GovSandbox:
        super().start()
        return self

    def base_urls(self) -> dict[str, str]:
        """Settings field → base URL inside the sandbox, ready for ``load_settings(**…)``."""
        url = self.url
        return {"congress_api_url": f"{url}/congress/v3", "govinfo_url": f"{url}/govinfo",
                "govinfo_api_url": f"{url}/govinfo-api", "federal_register_url": f"{url}/fr/api/v1",
                "bis_url": f"{url}/bis", "ecfr_url": f"{url}/ecfr",
                "news_search_url": f"{url}/news/rss/search"}

    # ---- scripting ------------------------------------------------------------------------
    def route(self, path: str, body: bytes | str | dict | list, *, status: int = 200,
              headers: dict[str, str] | None = None, query: dict | None = None,
              content_type: str | None = None) -> None:
        """Answer ``path`` (and, if given, only requests whose query holds ``query``) with ``body``.

        Routes win over files; among routes the one naming most query pairs wins, then the newest.
        """
        path, _, inline = path.partition("?")
        pairs = {k: list(v) for k, v in parse_qs(inline, keep_blank_values=True).items()}
        for key, value in (query or {}).items():
            pairs[key] = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        if isinstance(body, dict | list):
            data, guessed = json.dumps(body).encode(), CONTENT_TYPES[".json"]
        else:
            data = body.encode() if isinstance(body, str) else bytes(body)
            ext = split_ext(path.rsplit("/", 1)[-1])[1]
            guessed = CONTENT_TYPES[ext] if ext else sniff_content_type(data)
        header_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), None)
        response = _Response(status, data, content_type or header_type or guessed, dict(headers or {}))
        path = "/" + path.lstrip("/")
        with self._lock:
            self._routes = [r for r in self._routes if not (r.path == path and r.query == pairs)]
            self._routes.append(_Route(path, pairs, response))

    def fault(self, path_prefix: str, kind: str, *, times: int = 1, status: int | None = None,
              retry_after: float | str | None = None, delay: float | None = None,
              release: threading.Event | None = None) -> threading.Event:
        """Misbehave on the next ``times`` requests under ``path_prefix`` (-1: until ``clear_faults``).

        Returns an event set when the first of those requests arrives. ``hold`` keeps each request
        waiting until ``release`` is set (or ``delay`` seconds, 30 by default), then answers it."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if kind == "hold" and release is None:
            raise ValueError("a hold fault needs release=threading.Event()")
        if isinstance(retry_after, float) and retry_after.is_integer():
            retry_after = int(retry_after)
        fault = _Fault("/" + path_prefix.lstrip("/"), kind, times, status,
                       None if retry_after is None else str(retry_after), delay, release=release)
        with self._lock:
            self._faults.append(fault)
        return fault.arrived

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def clear_routes(self) -> None:
        with self._lock:
            self._routes.clear()

    # ---- the request log ------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, path_prefix: str = "") -> int:
        """How many requests arrived for paths starting with ``path_prefix``."""
        with self._lock:
            return sum(1 for r in self._log if r.path.startswith(path_prefix))

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ---- used by the handler --------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.prefix) and fault.times != 0:
                    if fault.times > 0:
                        fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _respond(self, path: str, query: dict[str, list[str]]) -> _Response:
        with self._lock:
            routes = [(len(r.query), i, r) for i, r in enumerate(self._routes) if r.path == path
                      and all(v in query.get(k, []) for k, vs in r.query.items() for v in vs)]
        if routes:
            return max(routes, key=lambda t: (t[0], t[1]))[2].response
        found = find_file(self.data_dir, path, query)
        if found is not None:
            file, ext = found
            return _Response(200, file.read_bytes(), CONTENT_TYPES.get(ext, "application/octet-stream"))
        message = f"No recorded response for {path}"
        body = json.dumps({"error": {"code": "NOT_FOUND", "message": message}}).encode()
        return _Response(404, body, CONTENT_TYPES[".json"])
