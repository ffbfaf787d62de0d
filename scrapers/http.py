"""One polite HTTP session for every scraper.

``PoliteSession`` wraps a ``requests.Session`` that ignores proxy variables, sends a descriptive
User-Agent, paces requests per host, retries transient failures (connection errors, timeouts,
429 and 5xx) with exponential backoff while honouring ``Retry-After``, supports conditional GET,
caps the response size, and turns every failure into one of the typed errors of
``scrapers.errors``. Secrets (API keys) never reach a log line or an error message.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from scrapers.errors import (
    HostileContent,
    NotFound,
    SourceChanged,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
)
from scrapers.xmlsafe import parse_xml

log = logging.getLogger(__name__)

USER_AGENT = "legiswatch/0.1 (+https://github.com/legiswatch; policy monitoring bot)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_API_KEY_RE = re.compile(r"(?i)(api_key=)[^&\s#\"'<>]+")
_CHUNK = 64 * 1024


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (and its URL-encoded form) and any ``api_key=`` value with ``***``."""
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, "***")
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = text.replace(encoded, "***")
    return _API_KEY_RE.sub(r"\1***", text)


class Headers(dict):
    """A plain ``dict`` of response headers whose keys are looked up case-insensitively."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass
class FetchResult:
    """What one GET returned: a body (200) or nothing new (304)."""

    status: int
    content: bytes
    headers: dict[str, str]
    url: str
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


class _Deadline:
    """A total deadline for one attempt. ``requests``' timeout is per read, so a server sending a
    byte a second (headers or body) or streaming forever never trips it; this timer shuts the
    attempt's socket down when the attempt's time is up, wherever the read is blocked."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _CURRENT.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _CURRENT.deadline = None

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                self._shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Current(threading.local):
    deadline: _Deadline | None = None


_CURRENT = _Current()


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any):
        if _CURRENT.deadline is not None:
            _CURRENT.deadline.watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any):
        if _CURRENT.deadline is not None:
            _CURRENT.deadline.watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """Connections whose socket the current attempt's :class:`_Deadline` can shut down."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(self, error: SourceError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


class PoliteSession:
    """A paced, retrying, size-capped HTTP client for one source (see the module docstring)."""

    def __init__(self, *, source: str, timeout: float = 20.0, retries: int = 3, retry_after_max: float = 120.0,
                 max_bytes: int = 25 * 1024 * 1024, min_interval: float = 0.0, user_agent: str | None = None,
                 secrets: Iterable[str] = (), backoff: float = 0.5) -> None:
        self.source = source
        self.timeout = timeout
        self.retries = max(0, retries)
        self.retry_after_max = retry_after_max
        self.max_bytes = max_bytes
        self.min_interval = min_interval
        self.backoff = backoff
        self.secrets = tuple(s for s in secrets if s)
        self.request_count = 0
        self._session = requests.Session()
        self._session.trust_env = False  # proxy variables must never route our traffic
        self._session.headers["User-Agent"] = user_agent or USER_AGENT
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, _DeadlineAdapter())
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    # ---- public API ------------------------------------------------------------------------
    def get(self, url: str, *, params: dict | list[tuple] | None = None, headers: dict | None = None,
            etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url``; 304 gives ``FetchResult(status=304, content=b"")``; failures raise ``SourceError``s."""
        send_headers = dict(headers or {})
        if etag:
            send_headers["If-None-Match"] = etag
        if last_modified:
            send_headers["If-Modified-Since"] = last_modified
        prepared = self._session.prepare_request(requests.Request("GET", url, params=params, headers=send_headers))
        shown = self.mask(prepared.url or url)
        attempt = 0
        while True:
            try:
                return self._attempt(prepared, shown)
            except _Retry as retry:
                if attempt >= self.retries:
                    raise retry.error from None
                wait = retry.wait if retry.wait is not None else self.backoff * (2 ** attempt)
                attempt += 1
                log.warning("%s; retry %d/%d in %.2fs", retry.error, attempt, self.retries, wait)
                time.sleep(wait)

    def get_json(self, url: str, *, params: dict | list[tuple] | None = None, headers: dict | None = None) -> dict:
        """GET and decode a JSON object; an HTML page, invalid JSON or a non-object raises ``SourceChanged``."""
        result = self.get(url, params=params, headers={"Accept": "application/json", **(headers or {})})
        ctype = result.headers.get("content-type", "").lower()
        head = result.content[:512].lstrip().lower()
        if "html" in ctype or head.startswith((b"<!doctype html", b"<html")):
            raise SourceChanged(f"{self.source}: expected JSON, got an HTML page from {result.url}",
                                source=self.source, url=result.url)
        try:
            data = json.loads(result.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceChanged(f"{self.source}: invalid JSON from {result.url}: {exc}",
                                source=self.source, url=result.url) from None
        if not isinstance(data, dict):
            raise SourceChanged(f"{self.source}: expected a JSON object from {result.url}, got {type(data).__name__}",
                                source=self.source, url=result.url)
        return data

    def get_xml(self, url: str, *, params: dict | list[tuple] | None = None, headers: dict | None = None):
        """GET and parse XML with the hardened parser (``scrapers.xmlsafe.parse_xml``); returns the root."""

        result = self.get(url, params=params, headers={"Accept": "application/xml, text/xml", **(headers or {})})
        head = result.content[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise SourceChanged(f"{self.source}: expected XML, got an HTML page from {result.url}",
                                source=self.source, url=result.url)
        return parse_xml(result.content, source=self.source)

    def mask(self, text: str) -> str:
        """``text`` with this session's secrets and any ``api_key=`` value masked."""
        return mask_secrets(text, self.secrets)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals -------------------------------------------------------------------------
    def _pace(self, url: str) -> None:
        """Wait until ``min_interval`` has passed since the last request slot given to this host."""
        if self.min_interval <= 0:
            return
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + self.min_interval
        if slot > now:
            time.sleep(slot - now)

    def _attempt(self, prepared: requests.PreparedRequest, shown: str) -> FetchResult:
        """Send once, within a total deadline of ``timeout`` seconds (headers and body together,
        however slowly they arrive); past it the partial response is dropped and the attempt is a
        timeout like any other. Returns a result, raises a final ``SourceError``/``NotFound``, or
        ``_Retry``."""
        self._pace(prepared.url or "")
        with self._lock:
            self.request_count += 1
        log.debug("%s: GET %s", self.source, shown)
        with _Deadline(self.timeout) as deadline:
            try:
                result = self._send(prepared, shown)
            except Exception:  # a socket shut down under a read fails in many ways; all mean "too slow"
                if deadline.expired:
                    raise self._timed_out(shown) from None
                raise
            if deadline.expired:
                raise self._timed_out(shown)
            return result

    def _timed_out(self, shown: str) -> _Retry:
        return _Retry(self._error(SourceUnavailable, f"timed out after {self.timeout:g}s (total deadline)", shown))

    def _send(self, prepared: requests.PreparedRequest, shown: str) -> FetchResult:
        try:
            resp = self._session.send(prepared, timeout=self.timeout, stream=True, allow_redirects=True)
        except requests.Timeout:
            raise _Retry(self._error(SourceUnavailable, f"timed out after {self.timeout}s", shown)) from None
        except requests.ConnectionError as exc:
            raise _Retry(self._error(SourceUnavailable, f"connection failed ({type(exc).__name__})", shown)) from None
        except requests.RequestException as exc:
            raise self._error(SourceUnavailable, f"request failed ({type(exc).__name__})", shown) from None
        with resp:
            final = self.mask(resp.url or shown)
            status = resp.status_code
            if status == 304:
                return self._result(resp, b"", final)
            if status in RETRY_STATUSES:
                self._raise_retryable(resp, final)
            if status == 404:
                self._drain(resp)     # keep the connection reusable; the server sees a clean close
                raise NotFound(f"{self.source}: 404 Not Found: {final}")
            if status >= 300:
                excerpt = self._excerpt(resp)
                raise self._error(SourceUnavailable, f"HTTP {status}{excerpt}", final)
            return self._result(resp, self._read(resp, final), final)

    @staticmethod
    def _drain(resp: requests.Response, limit: int = 64 * 1024) -> None:
        """Read (and drop) a small error body."""
        try:
            size = 0
            for chunk in resp.iter_content(_CHUNK):
                size += len(chunk)
                if size > limit:
                    break
        except requests.RequestException:
            pass

    def _raise_retryable(self, resp: requests.Response, final: str) -> None:
        status = resp.status_code
        wait = parse_retry_after(resp.headers.get("Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            raise self._error(SourceRateLimited, f"HTTP {status}, Retry-After {wait:.0f}s exceeds the "
                              f"{self.retry_after_max:.0f}s cap", final, retry_after=wait)
        if status == 429:
            error = self._error(SourceRateLimited, "HTTP 429 Too Many Requests", final, retry_after=wait)
        else:
            error = self._error(SourceUnavailable, f"HTTP {status}{self._excerpt(resp)}", final)
        raise _Retry(error, wait)

    def _read(self, resp: requests.Response, final: str) -> bytes:
        """Read the body, at most ``max_bytes``; a short body raises ``_Retry(SourceUnavailable)``."""
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._error(HostileContent, f"response of {declared} bytes exceeds {self.max_bytes}", final)
        deadline = time.monotonic() + max(self.timeout * 4, 1.0)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in resp.iter_content(_CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._error(HostileContent, f"response exceeds {self.max_bytes} bytes", final)
                if time.monotonic() > deadline:
                    raise _Retry(self._error(SourceUnavailable, "body took too long to arrive", final))
                chunks.append(chunk)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                requests.ConnectionError) as exc:
            raise _Retry(self._error(SourceUnavailable, f"incomplete body ({type(exc).__name__})", final)) from None
        body = b"".join(chunks)
        encoding = resp.headers.get("Content-Encoding", "").lower()
        if declared.isdigit() and encoding in ("", "identity") and len(body) != int(declared):
            raise _Retry(self._error(SourceUnavailable, f"truncated body: {len(body)} of {declared} bytes", final))
        return body

    def _excerpt(self, resp: requests.Response) -> str:
        """A short, masked, single-line excerpt of an error body (reads at most 2 KB)."""
        try:
            raw = resp.raw.read(2048, decode_content=True) or b""
        except Exception:  # noqa: BLE001 - an unreadable error body is not worth another error
            return ""
        text = " ".join(raw.decode("utf-8", "replace").split())[:200]
        return f": {self.mask(text)}" if text else ""

    def _result(self, resp: requests.Response, body: bytes, final: str) -> FetchResult:
        headers = Headers(resp.headers.items())
        return FetchResult(status=resp.status_code, content=body, headers=headers, url=final,
                           etag=headers.get("etag"), last_modified=headers.get("last-modified"))

    def _error(self, cls: type[SourceError], what: str, url: str, **extra: Any) -> SourceError:
        return cls(self.mask(f"{self.source}: {what}: {url}"), source=self.source, url=url, **extra)


# Added by the reliability engineer (tiny additive helper): urllib3 logs each request line at DEBUG
# with its query string, so `legiswatch -v` printed ``api_key=<the key>``; mask it there too.
class _MaskApiKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_API_KEY_RE.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _API_KEY_RE.sub(r"\1***", record.msg)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_MaskApiKeys())
