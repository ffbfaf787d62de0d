"""Total deadlines against trickling servers: a server on 127.0.0.1 that sends its headers or its
body a byte at a time (each byte well inside the per-read timeout), or streams forever, is cut off
within 1.5x the timeout setting by every outbound client — the sources' polite session and the
LLM client — and the failure is an ordinary timeout."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from bot.analysis.llm import LLMClient, LLMError
from scrapers.errors import SourceUnavailable
from scrapers.http import PoliteSession

pytestmark = pytest.mark.reliability

TIMEOUT = 1.0
DRIP = 0.05          # a byte every 50 ms: far inside any per-read timeout


class Trickler:
    """A raw-socket HTTP server whose every connection misbehaves the same way (``mode``)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.stop = threading.Event()
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)                      # the request (small, one read is enough here)
            if self.mode == "headers":
                self._drip(conn, b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10**7)
            elif self.mode == "body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                self._drip(conn, b'{"choices": [' + b" " * 10**7)
            else:                                 # endless chunked stream, each chunk on time
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                while not self.stop.is_set():
                    conn.sendall(b"10\r\n" + b" " * 16 + b"\r\n")
                    self.stop.wait(DRIP)
        except OSError:
            pass
        finally:
            conn.close()

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for i in range(len(data)):
            if self.stop.is_set():
                return
            conn.sendall(data[i:i + 1])
            self.stop.wait(DRIP)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(5)


@pytest.fixture(params=["headers", "body", "endless"])
def trickler(request):
    server = Trickler(request.param)
    yield server
    server.close()


def test_a_source_is_cut_off_at_its_total_deadline(trickler):
    with PoliteSession(source="trickle", timeout=TIMEOUT, retries=0) as http:
        t0 = time.monotonic()
        with pytest.raises(SourceUnavailable, match="timed out"):
            http.get(trickler.url + "/feed")
        elapsed = time.monotonic() - t0
    print(f"\nsource, {trickler.mode}: cut after {elapsed:.2f}s (timeout {TIMEOUT:g}s)")
    assert elapsed < 1.5 * TIMEOUT


def test_retries_are_bounded_by_retries_plus_one_deadlines(trickler):
    with PoliteSession(source="trickle", timeout=TIMEOUT, retries=2, backoff=0.01) as http:
        t0 = time.monotonic()
        with pytest.raises(SourceUnavailable, match="timed out"):
            http.get(trickler.url + "/feed")
        elapsed = time.monotonic() - t0
    assert trickler.connections == 3
    assert elapsed < 3 * TIMEOUT * 1.5


def test_the_llm_client_is_cut_off_at_its_total_deadline(trickler):
    calls = []
    client = LLMClient(trickler.url + "/v1", "k", "m", timeout=TIMEOUT, max_retries=0,
                       on_call=lambda **kw: calls.append(kw))
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="timeout"):
        client.complete([{"role": "user", "content": "hi"}], purpose="probe")
    elapsed = time.monotonic() - t0
    print(f"\nLLM, {trickler.mode}: cut after {elapsed:.2f}s (timeout {TIMEOUT:g}s)")
    assert elapsed < 1.5 * TIMEOUT
    assert [c["ok"] for c in calls] == [False] and "timeout" in calls[0]["error"]
