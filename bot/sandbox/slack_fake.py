"""``SlackFake``: a local Slack Web API that records every call.

Point a ``slack_sdk.WebClient(base_url=fake.url)`` (or Bolt's ``App(client=…)``) at it. Every call
is recorded as a ``SlackCall`` with its parsed body (JSON, form or query). Responses come from a
per-method script (``script``) first, then from plain defaults: ``auth.test`` names a bot,
``chat.postMessage`` returns an increasing ``ts`` and keeps the message (with its ``metadata``)
in its channel's history, which ``conversations.history`` returns as Slack does — newest first,
``oldest``/``latest`` bounds (exclusive unless ``inclusive``), ``limit`` with ``has_more`` and a
``next_cursor``, ``metadata`` only with ``include_all_metadata`` — ``conversations.join`` makes the
bot a member; a channel set with :meth:`SlackFake.not_member` answers ``not_in_channel`` to posts
and history until joined, one set with :meth:`SlackFake.unreadable` answers ``missing_scope`` to
history; everything else is ``{"ok": true}``.
``response_url`` posts (slash-command follow-ups) are recorded too, as method ``"response_url"``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.server import FakeHandler, LocalServer

AUTH_TEST = {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "team": "Test",
             "url": "https://test.slack.com/", "user": "legiswatch"}

ScriptedResponse = dict | tuple[int, dict[str, str], dict]


@dataclass(frozen=True)
class SlackCall:
    """One Web API call (or response_url post) the fake received."""

    method: str
    body: dict
    headers: dict


def _parse_body(raw: bytes, content_type: str, query: str) -> dict:
    """Merge query parameters and a JSON or form body into one dict (single values unwrapped)."""
    fields: dict[str, Any] = {k: v[0] if len(v) == 1 else v
                              for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not raw:
        return fields
    if "json" in content_type or raw.lstrip().startswith((b"{", b"[")):
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"_raw": raw.decode("utf-8", "replace")}
        fields.update(data if isinstance(data, dict) else {"_json": data})
    else:
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        fields.update({k: v[0] if len(v) == 1 else v for k, v in form.items()})
    return fields


class _SlackHandler(FakeHandler):
    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        raw = self.read_body()
        body = _parse_body(raw, self.headers.get("Content-Type", ""), parts.query)
        fake: SlackFake = self.server.owner
        if parts.path.startswith("/response/"):
            method = "response_url"
        elif parts.path.startswith("/api/"):
            method = parts.path[len("/api/"):].strip("/")
        else:
            self.send_json(404, {"ok": False, "error": "unknown_path"})
            return
        status, headers, payload = fake._answer(SlackCall(method, body, dict(self.headers.items())))
        self.send_json(status, payload, headers)


class SlackFake(LocalServer):
    """Slack Web API fake on 127.0.0.1; ``url`` is the ``base_url`` for ``WebClient``."""

    handler_class = _SlackHandler

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._calls: list[SlackCall] = []
        self._scripts: dict[str, list[ScriptedResponse]] = {}
        self._ts = 0
        self._history: dict[str, list[dict]] = {}
        self._outside: set[str] = set()
        self._unreadable: set[str] = set()

    def start(self) -> SlackFake:
        super().start()
        return self

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/api/`` — pass as ``WebClient(base_url=...)``."""
        return f"{self.root_url}/api/"

    def response_url(self, key: str = "r") -> str:
        """A ``response_url`` for slash-command or interactivity payloads; posts are recorded."""
        return f"{self.root_url}/response/{key}"

    # ---- scripting and inspection ---------------------------------------------------------
    def script(self, method: str, responses: list[ScriptedResponse]) -> None:
        """Queue responses for ``method``: a dict (200 JSON) or ``(status, headers, body_dict)``."""
        with self._lock:
            self._scripts.setdefault(method, []).extend(responses)

    @property
    def calls(self) -> list[SlackCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 3.0) -> list[SlackCall]:
        """Poll until ``method`` was called at least ``count`` times; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {count} call(s) to {method}, got {len(found)} "
                                     f"within {timeout}s; calls seen: {seen}")
            time.sleep(0.01)

    def not_member(self, channel: str) -> None:
        """The bot is not in ``channel``: posts and history answer ``not_in_channel`` until joined."""
        with self._lock:
            self._outside.add(channel)

    def unreadable(self, channel: str) -> None:
        """``conversations.history`` for ``channel`` answers ``missing_scope`` (no history scope)."""
        with self._lock:
            self._unreadable.add(channel)

    def history(self, channel: str) -> list[dict]:
        """The messages posted to ``channel``, oldest first, with their metadata."""
        with self._lock:
            return [dict(m) for m in self._history.get(channel, [])]

    def reset(self) -> None:
        """Forget recorded calls and unused scripts."""
        with self._lock:
            self._calls.clear()
            self._scripts.clear()

    # ---- used by the handler --------------------------------------------------------------
    def _answer(self, call: SlackCall) -> tuple[int, dict[str, str], dict]:
        with self._lock:
            self._calls.append(call)
            queue = self._scripts.get(call.method)
            scripted = queue.pop(0) if queue else None
            if scripted is None:
                return 200, {}, self._default(call)
        if isinstance(scripted, tuple):
            status, headers, body = scripted
            return status, dict(headers), body
        return 200, {}, scripted

    def _default(self, call: SlackCall) -> dict:
        """Default answers; called with the lock held."""
        body = call.body
        channel = body.get("channel", "C1")
        if call.method == "auth.test":
            return dict(AUTH_TEST)
        if call.method == "chat.postMessage":
            if channel in self._outside:
                return {"ok": False, "error": "not_in_channel"}
            self._ts += 1
            ts = f"{int(time.time()) + self._ts}.{self._ts:06d}"
            message = {"type": "message", "text": body.get("text", ""), "ts": ts, "user": "UBOT",
                       "bot_id": "BBOT"}
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            meta = _json_field(body.get("metadata"))
            if isinstance(meta, dict) and meta.get("event_type"):
                message["metadata"] = {"event_type": meta["event_type"],
                                       "event_payload": meta.get("event_payload") or {}}
            self._history.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if call.method == "conversations.history":
            return self._read_history(channel, body)
        if call.method == "conversations.join":
            self._outside.discard(channel)
            return {"ok": True, "channel": {"id": channel, "name": "policy", "is_channel": True,
                                            "is_member": True}}
        if call.method == "chat.update":
            return {"ok": True, "channel": channel, "ts": body.get("ts", ""), "text": body.get("text", "")}
        if call.method == "chat.postEphemeral":
            self._ts += 1
            return {"ok": True, "message_ts": f"{1700000000 + self._ts}.{self._ts:06d}"}
        if call.method == "conversations.info":
            return {"ok": True, "channel": {"id": channel, "name": "policy", "is_channel": True,
                                            "is_member": True}}
        if call.method == "users.info":
            user = body.get("user", "U1")
            return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": f"User {user}",
                                         "tz": "America/New_York", "is_bot": False}}
        return {"ok": True}

    def _read_history(self, channel: str, body: dict) -> dict:
        if channel in self._unreadable:
            return {"ok": False, "error": "missing_scope", "needed": "channels:history",
                    "provided": "chat:write,commands"}
        if channel in self._outside:
            return {"ok": False, "error": "not_in_channel"}
        inclusive = str(body.get("inclusive", "")).lower() in ("1", "true")
        oldest, latest = float(body.get("oldest") or 0), float(body.get("latest") or 0) or float("inf")
        keep_meta = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        try:
            limit = max(1, min(999, int(body.get("limit") or 100)))
            start = int(body.get("cursor") or 0)
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        newest_first = []
        for m in reversed(self._history.get(channel, [])):
            ts = float(m["ts"])
            if (oldest <= ts <= latest) if inclusive else (oldest < ts < latest):
                newest_first.append({k: v for k, v in m.items() if k != "metadata" or keep_meta})
        page = newest_first[start:start + limit]
        more = start + limit < len(newest_first)
        return {"ok": True, "messages": page, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}


def _json_field(value):
    """A field sent as JSON inside a form (``metadata='{"event_type": …}'``) or as JSON itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value
