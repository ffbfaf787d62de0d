"""``OpenAIFake``: a local OpenAI-compatible server for chat completions.

``openai.OpenAI(base_url=fake.base_url, api_key="x")`` talks to it. Replies come from a scripted
queue (``queue``, ``queue_error``, ``queue_delay``, ``queue_raw``), then from ``fake.default``
(a callable taking the request JSON and returning the reply text; ``"{}"`` unless replaced).
Every request body is kept in ``fake.requests``. ``GET /v1/models`` lists one model.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.server import FakeHandler, LocalServer

MODEL = "fake-model"


@dataclass
class _Reply:
    content: str
    usage: tuple[int, int] | None = None
    delay: float = 0.0


@dataclass
class _Error:
    status: int
    retry: bool


@dataclass
class _Raw:
    body: str
    status: int


def rough_tokens(text: str) -> int:
    """A rough token count: one token per four characters."""
    return len(text) // 4


def prompt_text(request: dict) -> str:
    """All the message text of a chat request (string contents and text parts)."""
    pieces: list[str] = []
    for message in request.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            pieces.append(content)
        elif isinstance(content, list):
            pieces.extend(p.get("text", "") for p in content if isinstance(p, dict))
    return "".join(pieces)


class _OpenAIHandler(FakeHandler):
    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path == "/v1/models":
            self.send_json(200, {"object": "list", "data": [
                {"id": MODEL, "object": "model", "created": 0, "owned_by": "legiswatch-sandbox"}]})
        else:
            self._not_found(path)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        raw = self.read_body()
        if path != "/v1/chat/completions":
            self._not_found(path)
            return
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            self.send_json(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error",
                                           "param": None, "code": None}})
            return
        fake: OpenAIFake = self.server.owner
        item = fake._next(request, dict(self.headers.items()))
        try:
            self._reply(fake, request, item)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client timed out first

    def _reply(self, fake: OpenAIFake, request: dict, item: _Reply | _Error | _Raw) -> None:
        if isinstance(item, _Error):
            headers = {"x-should-retry": "true", "retry-after-ms": "10"} if item.retry else {"x-should-retry": "false"}
            kind = "rate_limit_exceeded" if item.status == 429 else "server_error"
            self.send_json(item.status, {"error": {"message": f"scripted error {item.status}", "type": kind,
                                                   "param": None, "code": None}}, headers)
            return
        if isinstance(item, _Raw):
            self.send_body(item.status, item.body.encode(), "application/json")
            return
        if item.delay:
            time.sleep(item.delay)
        if request.get("stream"):
            self.send_json(400, {"error": {"message": "the fake does not stream", "type": "invalid_request_error",
                                           "param": "stream", "code": None}})
            return
        prompt_tokens, completion_tokens = item.usage or (rough_tokens(prompt_text(request)),
                                                          max(1, rough_tokens(item.content)))
        self.send_json(200, {
            "id": f"chatcmpl-fake-{next(fake._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model") or MODEL,
            "system_fingerprint": "fp_sandbox",
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": item.content, "refusal": None}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })

    def _not_found(self, path: str) -> None:
        self.send_json(404, {"error": {"message": f"no route {path}", "type": "invalid_request_error",
                                       "param": None, "code": "not_found"}})


class OpenAIFake(LocalServer):
    """OpenAI-compatible chat completions on 127.0.0.1; ``base_url`` ends in ``/v1``."""

    handler_class = _OpenAIHandler

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._queue: list[_Reply | _Error | _Raw] = []
        self._requests: list[dict] = []
        self._headers: list[dict] = []
        self._ids = itertools.count(1)
        self.default: Callable[[dict], str] = lambda request: "{}"

    def start(self) -> OpenAIFake:
        super().start()
        return self

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    # ---- scripting ------------------------------------------------------------------------
    def queue(self, content: str | dict, usage: tuple[int, int] | None = None) -> None:
        """Answer the next request with ``content`` (a dict is JSON-dumped); ``usage`` = (prompt, completion)."""
        self._push(_Reply(_as_text(content), usage))

    def queue_error(self, status: int = 500, retry: bool = False) -> None:
        """Answer the next request with an error; ``x-should-retry: false`` unless ``retry``."""
        self._push(_Error(status, retry))

    def queue_delay(self, seconds: float, content: str | dict) -> None:
        """Answer the next request with ``content`` after ``seconds`` (for client timeouts)."""
        self._push(_Reply(_as_text(content), None, seconds))

    def queue_raw(self, body_text: str, status: int = 200) -> None:
        """Answer the next request with ``body_text`` verbatim (malformed replies)."""
        self._push(_Raw(body_text, status))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._headers.clear()

    # ---- inspection -----------------------------------------------------------------------
    @property
    def requests(self) -> list[dict]:
        """Request JSON bodies, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict]:
        with self._lock:
            return list(self._headers)

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._queue)

    # ---- internals ------------------------------------------------------------------------
    def _push(self, item: _Reply | _Error | _Raw) -> None:
        with self._lock:
            self._queue.append(item)

    def _next(self, request: dict, headers: dict) -> _Reply | _Error | _Raw:
        with self._lock:
            self._requests.append(request)
            self._headers.append(headers)
            if self._queue:
                return self._queue.pop(0)
        return _Reply(_as_text(self.default(request)))


def _as_text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content)
