"""The small server base the sandbox's fakes share: a stdlib ``ThreadingHTTPServer`` bound to
127.0.0.1 on a free port, served from a daemon thread, usable as a context manager or with
``start()``/``stop()``, and a request handler with body helpers and connection tracking."""

from __future__ import annotations

import json
import logging
import re
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_API_KEY_RE = re.compile(r"(?i)(api_key=)[^&\s]+")
DATA_DIR = Path(__file__).resolve().parent / "data"

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: LocalServer, handler: type[BaseHTTPRequestHandler]) -> None:
        self.owner = owner
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)


class FakeHandler(BaseHTTPRequestHandler):
    """Request handler base: HTTP/1.1, quiet logging, body helpers, connection tracking."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # no 40 ms Nagle stalls
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)

    @property
    def owner(self) -> Any:
        return self.server.owner

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        line = _API_KEY_RE.sub(r"\1***", format % args)  # keys in request lines stay out of logs
        log.debug("%s: %s", type(self.owner).__name__, line)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_body(self, status: int, body: bytes, content_type: str = "application/json",
                  headers: dict[str, str] | None = None, *, head_only: bool = False) -> None:
        """Answer with a complete body and an exact Content-Length."""
        self.send_response(status)
        extra = {k.lower(): (k, v) for k, v in (headers or {}).items()}
        if "content-type" not in extra and status != 304:
            self.send_header("Content-Type", content_type)
        for name, value in extra.values():
            if name != "content-length":
                self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304 and not head_only and body:
            self.wfile.write(body)

    def send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, json.dumps(data).encode(), "application/json; charset=utf-8", headers)

    def reset_connection(self) -> None:
        """Drop the connection with a TCP reset, answering nothing."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class LocalServer:
    """Start/stop a handler on 127.0.0.1:0 in a daemon thread; subclasses set ``handler_class``."""

    handler_class: type[BaseHTTPRequestHandler] = FakeHandler

    def __init__(self) -> None:
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._httpd.server_address[1]

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.root_url

    def start(self) -> LocalServer:
        if self._httpd is not None:
            return self
        self._httpd = _Server(self, self.handler_class)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}:{self.port}", daemon=True)
        self._thread.start()
        log.debug("%s listening on %s", type(self).__name__, self.root_url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with httpd.sockets_lock:
            sockets = list(httpd.open_sockets)
        for sock in sockets:  # keep-alive connections would otherwise outlive the server
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
