"""The shape of a signed Slack request, checked before Bolt sees it.

A request whose signature is valid can still be malformed (a JSON body that is a list, ``null`` or
10,000 levels deep, ``event`` as a list, ``payload=[1]``, ``actions`` as a string, a message
``text`` that is a number). Bolt and our listeners assume Slack's shapes, so such a body is refused
here with a reason (the server answers 400) instead of failing inside Bolt as a 500.

The rules mirror how Bolt reads a body (``slack_bolt.request.internals.parse_body``): JSON when
the content type says so or the body starts with ``{``; otherwise a form, whose ``payload`` field
(interactivity) is JSON.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

MAX_DEPTH = 32          # Slack's own payloads nest a dozen levels at most (Block Kit inside a view)
_TEXT = frozenset({"type", "event_id", "team_id", "user_id", "channel_id", "api_app_id", "enterprise_id",
                   "text", "command", "subtype", "channel_type", "bot_id", "ts", "thread_ts", "event_ts",
                   "response_url", "trigger_id", "callback_id", "action_id", "block_id", "token", "challenge"})
_OBJECT_OR_ID = frozenset({"enterprise", "team", "user", "channel"})
_OBJECT = frozenset({"event", "message", "previous_message", "item", "view", "container", "assistant_thread",
                     "state"})
_LIST_OF_OBJECTS = frozenset({"authorizations", "actions"})
_MESSAGES = (".event", ".message", ".previous_message")   # where ``text`` is the message's own text


def problem(body: bytes, content_type: str | None) -> str | None:
    """Why ``body`` is not a Slack request Bolt can handle, or ``None`` when its shape is fine."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if not text:
        return None
    ctype = (content_type or "").split(";")[0].strip().lower()
    try:
        if ctype == "application/json" or text.startswith("{"):
            return _check_json(text, "the body")
        if "payload" in text:
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            return None if payload is None else _check_json(payload, "payload")
        fields = dict(parse_qsl(text, keep_blank_values=True))
    except ValueError as exc:
        return f"unparsable body ({type(exc).__name__})"
    return _check_object(fields, "the form", 0)       # a form field named ``view`` or ``event`` is text


def _check_json(text: str, what: str) -> str | None:
    if _depth(text) > MAX_DEPTH:
        return f"{what} nests deeper than {MAX_DEPTH} levels"
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return f"{what} is not JSON"
    if not isinstance(value, dict):
        return f"{what} is a JSON {type(value).__name__}, not an object"
    return _check_object(value, what, 0)


def _depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` outside strings, counted without parsing (so a 10,000-deep
    body never reaches the recursive decoder)."""
    deepest = depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _check_object(obj: dict, where: str, level: int) -> str | None:
    if level > 4:          # the fields Bolt and our listeners read sit near the top
        return None
    for key, value in obj.items():
        if value is None:
            continue
        path = f"{where}.{key}"
        if key == "text" and isinstance(value, dict) and not where.endswith(_MESSAGES):
            continue                              # a Block Kit text object (an action's label)
        if key in _TEXT and not isinstance(value, str):
            return f"{path} is not text"
        if key in _OBJECT_OR_ID:
            if isinstance(value, str):
                continue
            if not isinstance(value, dict):
                return f"{path} is neither an id nor an object"
            found = _check_object(value, path, level + 1)
            if found:
                return found
            if not isinstance(value.get("id", ""), str | None):
                return f"{path}.id is not text"
        elif key in _OBJECT:
            if not isinstance(value, dict):
                return f"{path} is not an object"
            found = _check_object(value, path, level + 1)
            if found:
                return found
        elif key in _LIST_OF_OBJECTS:
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                return f"{path} is not a list of objects"
            for i, item in enumerate(value):
                found = _check_object(item, f"{path}[{i}]", level + 1)
                if found:
                    return found
    return None
