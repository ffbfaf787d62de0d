"""A thin client for OpenAI-compatible chat completion servers (OpenAI, Ollama, vLLM, llama.cpp).

Structured output is asked for with ``response_format`` ``json_schema``; servers that reject
it are asked again with ``json_object``, then with no ``response_format`` and an explicit
"reply with JSON only" instruction; whatever comes back, the first JSON object in the text is
used. Every failure surfaces as :class:`LLMError`, and every call, good or
bad, is reported to ``on_call`` (wired to the ``llm_calls`` table by the caller).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrapers.errors import LegiswatchError

log = logging.getLogger(__name__)

JSON_MODES = ("json_schema", "json_object", "none")
OnCall = Callable[..., None]


def _sdk():
    """The ``openai`` package, imported on first use: it costs about 0.6 s at start-up and is
    needed only when an LLM is configured."""
    import openai  # noqa: PLC0415 — optional at run time and heavy; see the docstring
    return openai


class LLMError(LegiswatchError):
    """The LLM failed or returned a reply that failed the grounding check."""


@dataclass
class LLMReply:
    content: dict | str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int
    model: str


def extract_json(text: str) -> dict:
    """The first JSON object in ``text`` (bare, fenced in ```json, or after some prose)."""
    s = (text or "").strip()
    try:
        value = json.loads(s)
        if isinstance(value, dict):
            return value
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = s.find("{")
    while start != -1:
        try:
            value, _end = decoder.raw_decode(s, start)
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
        start = s.find("{", start + 1)
    raise LLMError("the model did not reply with a JSON object")


def _json_instruction(schema: dict) -> str:
    return ("Reply with JSON only: one JSON object, no prose and no code fences, matching this JSON "
            "schema:\n" + json.dumps(schema, separators=(",", ":")))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe_error(exc: Exception, timeout: float) -> str:
    if isinstance(exc, _sdk().APITimeoutError):
        return f"timeout after {timeout:g}s"
    if isinstance(exc, _sdk().APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, _sdk().APIConnectionError):
        return "connection failed"
    return f"{type(exc).__name__}: {exc}"[:300]


class LLMClient:
    """Chat completions with structured output, explicit timeout/retries and call accounting."""

    def __init__(self, base_url: str | None, api_key: str | None, model: str, timeout: float = 60,
                 max_retries: int = 1, json_mode: str = "json_schema", on_call: OnCall | None = None):
        if json_mode not in JSON_MODES:
            raise ValueError(f"json_mode must be one of {', '.join(JSON_MODES)}")
        self.model = model
        self.timeout = float(timeout)
        self.json_mode = json_mode
        self.on_call = on_call
        self.base_url = base_url
        self.max_retries = max(0, max_retries)
        self._api_key = api_key or "local"
        self._client = self._new_client()

    def _new_client(self):
        # the SDK's own retries are off: each attempt gets its own total deadline (``_create``)
        return _sdk().OpenAI(base_url=self.base_url or None, api_key=self._api_key, timeout=self.timeout,
                             max_retries=0)

    def _create(self, kwargs: dict) -> Any:
        """``chat.completions.create`` with up to ``max_retries`` retries of timeouts and connection
        failures, each attempt within a total deadline of ``timeout`` seconds. The SDK's
        timeout is per read, so a server trickling its headers or body, or streaming forever,
        would hold it for as long as it likes: the attempt runs on a daemon thread, and past the
        deadline its client is closed (dropping the partial response) and replaced."""
        sdk = _sdk()
        for attempt in range(self.max_retries + 1):
            client, box, done = self._client, {}, threading.Event()

            def run(client=client, box=box, done=done) -> None:
                try:
                    box["resp"] = client.chat.completions.create(**kwargs)
                except BaseException as exc:  # noqa: BLE001 — handed to the caller's thread
                    box["error"] = exc
                finally:
                    done.set()

            threading.Thread(target=run, name="llm-call", daemon=True).start()
            if not done.wait(self.timeout):
                self._client = self._new_client()
                try:
                    client.close()
                except Exception:  # noqa: BLE001 — the abandoned client may be mid-read
                    log.debug("llm: closing the timed-out client failed", exc_info=True)
                error: BaseException = sdk.APITimeoutError(request=None)
            elif "error" in box:
                error = box["error"]
            else:
                return box["resp"]
            retryable = isinstance(error, sdk.APITimeoutError | sdk.APIConnectionError) or (
                isinstance(error, sdk.APIStatusError)     # an HTTP error is final unless the server says retry
                and error.response.headers.get("x-should-retry", "") == "true")
            if not retryable or attempt >= self.max_retries:
                raise error
            log.warning("llm: attempt %d failed (%s); retrying", attempt + 1, type(error).__name__)
        raise AssertionError("unreachable")   # pragma: no cover

    @classmethod
    def from_settings(cls, settings: Any, on_call: OnCall | None = None) -> LLMClient:
        """Build from ``bot.services.config.Settings`` (``OPENAI_*``, ``LEGISWATCH_LLM_*``)."""
        return cls(settings.openai_base_url or None, settings.openai_api_key or None, settings.llm_model,
                   timeout=settings.llm_timeout, json_mode=settings.llm_json_mode, on_call=on_call)

    def _report(self, purpose: str, ptok: int | None, ctok: int | None, ms: int, ok: bool,
                error: str | None) -> None:
        if self.on_call is None:
            return
        try:
            self.on_call(purpose=purpose, model=self.model, prompt_tokens=ptok, completion_tokens=ctok,
                         latency_ms=ms, ok=ok, error=error)
        except Exception:   # accounting must never break a summary
            log.exception("llm: on_call failed for purpose=%s", purpose)

    def complete(self, messages: list[dict], *, schema: dict | None = None, schema_name: str = "reply",
                 purpose: str = "llm", max_tokens: int | None = None) -> LLMReply:
        """One chat completion. With ``schema`` the reply is parsed into a dict (LLMError if it
        is not JSON); without, ``content`` is the text."""
        modes = list(JSON_MODES[JSON_MODES.index(self.json_mode):]) if schema is not None else [None]
        for k, mode in enumerate(modes):
            try:
                return self._once(messages, schema, schema_name, mode, purpose, max_tokens)
            except _sdk().BadRequestError as exc:
                if k + 1 < len(modes):    # most often the server does not know this response_format
                    log.warning("llm: server rejected response_format %s, trying %s", mode, modes[k + 1])
                    self.json_mode = modes[k + 1]
                    continue
                raise LLMError(f"LLM call failed: {_describe_error(exc, self.timeout)}") from exc
        raise LLMError("LLM call failed: no response format accepted")   # pragma: no cover

    def _once(self, messages, schema, schema_name, mode, purpose, max_tokens) -> LLMReply:
        kwargs: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        if max_tokens:
            kwargs["max_tokens"] = max_tokens
        if mode == "json_schema":
            kwargs["response_format"] = {"type": "json_schema",
                                         "json_schema": {"name": schema_name, "schema": schema, "strict": True}}
        elif mode in ("json_object", "none"):
            kwargs["messages"] = [*messages, {"role": "system", "content": _json_instruction(schema)}]
            if mode == "json_object":
                kwargs["response_format"] = {"type": "json_object"}
        started = time.monotonic()
        ptok = ctok = None
        try:
            resp = self._create(kwargs)
        except _sdk().BadRequestError as exc:
            self._report(purpose, None, None, _ms(started), False, _describe_error(exc, self.timeout))
            raise
        except _sdk().OpenAIError as exc:
            err = _describe_error(exc, self.timeout)
            self._report(purpose, None, None, _ms(started), False, err)
            log.warning("llm: %s call failed: %s", purpose, err)
            raise LLMError(f"LLM call failed: {err}") from exc
        except (ValueError, TypeError, AttributeError, KeyError) as exc:   # a body that is not a completion
            self._report(purpose, None, None, _ms(started), False, "malformed response")
            log.warning("llm: %s: malformed response from the server: %s", purpose, exc)
            raise LLMError("LLM call failed: malformed response from the server") from exc
        ms = _ms(started)
        try:
            usage = getattr(resp, "usage", None)
            ptok = getattr(usage, "prompt_tokens", None) if usage else None
            ctok = getattr(usage, "completion_tokens", None) if usage else None
            choices = getattr(resp, "choices", None)
            if not choices:
                raise LLMError("the model returned no choices")
            msg = choices[0].message
            if getattr(msg, "refusal", None):
                raise LLMError("the model refused")
            text = getattr(msg, "content", None) or ""
            content: dict | str = extract_json(text) if schema is not None else text
        except LLMError as exc:
            self._report(purpose, ptok, ctok, ms, False, str(exc))
            log.warning("llm: %s reply unusable: %s", purpose, exc)
            raise
        except (TypeError, AttributeError, IndexError) as exc:
            self._report(purpose, ptok, ctok, ms, False, "malformed response")
            raise LLMError("LLM call failed: malformed response from the server") from exc
        self._report(purpose, ptok, ctok, ms, True, None)
        return LLMReply(content=content, prompt_tokens=ptok, completion_tokens=ctok, latency_ms=ms,
                        model=getattr(resp, "model", None) or self.model)
