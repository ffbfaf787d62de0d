"""Summaries of changes, the pure part: payloads, their hashes, the reply's parsing and rendering.
The cached summarizer that runs this flow against the store is ``bot/services/summarizer.py``.

Flow for one input: build a compact JSON payload (the structured diff + context, never the
whole bill) → look it up in the cache by (sha256 of the payload, prompt version, model) →
ask the LLM → grounding check → on failure, ask once more naming the problems → on a second
failure, or if the LLM is unreachable, use the offline summary (``offline-fallback``). Only
grounded summaries are stored. A fallback caused by an unreachable LLM is stored under the
offline key and reported with ``retry_later=True``, so the caller can try the LLM again later;
a fallback after rejected replies is stored under the LLM key, so no tokens are spent twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.analysis import offline
from bot.analysis.billdiff import BillDiff
from bot.analysis.grounding import Bullet
from bot.analysis.redline import redline_text

log = logging.getLogger(__name__)

LLM, OFFLINE, FALLBACK = "llm", "offline", "offline-fallback"
OFFLINE_MODEL = "offline"
OFFLINE_PROMPT = f"offline/v{offline.VERSION}"
MAX_BULLETS = 5
DIFF_PROMPT_LIMIT = 12000  # characters of redline given to the model (cut at a unit boundary)
DOC_CLIP = 6000            # characters of a document's text given to the model

SUMMARY_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "bullets": {"type": "array", "items": {
            "type": "object",
            "properties": {"text": {"type": "string"}, "cites": {"type": "array", "items": {"type": "string"}}},
            "required": ["text", "cites"], "additionalProperties": False}},
        "why_it_matters": {"type": ["string", "null"]},
    },
    "required": ["bullets", "why_it_matters"],
    "additionalProperties": False,
}

DOCUMENT_KINDS = {"fr_document": "Federal Register document",
                  "public_inspection": "Federal Register public-inspection filing",
                  "summary": "CRS bill summary", "news": "news cluster (a headline and the watch item it matched)",
                  "press_release": "press release"}


@dataclass
class Summary:
    text: str
    bullets: list[Bullet]
    why_it_matters: str | None
    produced_by: str                 # llm | offline | offline-fallback
    model: str
    cached: bool
    summary_id: int | None = None
    input_hash: str = ""
    prompt_version: str = ""
    retry_later: bool = False        # the LLM was unreachable: worth asking again later
    problems: list[str] = field(default_factory=list)   # why the LLM reply was rejected, if it was


PROMPT_META = ("document_number", "title", "headline", "type", "abstract", "action", "dates", "publication_date",
               "effective_on",
               "comments_close_on", "agencies", "rin", "citation", "correction_of", "filed_at", "date",
               "source", "outlets", "action_desc", "version_code")


def prompt_meta(meta: Mapping) -> dict:
    """The metadata a document summary needs: dates, type, agencies, ids, and the matched phrases
    (not URLs, scores or bookkeeping — they cost tokens and say nothing)."""
    out = {k: meta[k] for k in PROMPT_META if meta.get(k) not in (None, "", [], {})}
    matched = meta.get("matched")
    phrases = [matched] if isinstance(matched, str) else sorted(
        {str(m.get("phrase")) for m in matched or [] if isinstance(m, Mapping) and m.get("phrase")})
    if phrases:
        out["matched"] = phrases
    return out


def render_text(bullets: list[Bullet], why: str | None) -> str:
    lines = [f"• {b.text} [{' · '.join(b.cites)}]" if b.cites else f"• {b.text}" for b in bullets]
    if why:
        lines.append(f"Why it matters: {why}")
    return "\n".join(lines)


def clip_text(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def diff_payload(diff: BillDiff, context: Mapping | None = None) -> dict:
    """The model's input for a bill diff: the redline of the changed units (never the whole
    bill), the version ids and the context. Its hash is the cache key."""
    return {"old_version": diff.old_id, "new_version": diff.new_id, "substantive": diff.substantive,
            "redline": redline_text(diff, limit=DIFF_PROMPT_LIMIT), "context": dict(context or {})}


def input_hash(payload: Mapping) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def flat_text(value: Any) -> str:
    """Every string and number in a JSON-able value, one per line (for the grounding inputs)."""
    if isinstance(value, Mapping):
        return "\n".join(flat_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return "\n".join(flat_text(v) for v in value)
    return "" if value is None else str(value)


def parse_reply(content: Any) -> tuple[list[Bullet], str | None, list[str]]:
    """Bullets and "why it matters" from a model reply, with shape problems named."""
    if not isinstance(content, Mapping):
        return [], None, ["the reply is not a JSON object"]
    raw = content.get("bullets")
    if not isinstance(raw, list) or not raw:
        return [], None, ['the reply has no "bullets" list']
    problems, bullets = [], []
    for k, b in enumerate(raw, 1):
        if not isinstance(b, Mapping) or not isinstance(b.get("text"), str) or not b["text"].strip():
            problems.append(f"bullet {k} has no text")
            continue
        cites = b.get("cites") or []
        cites = [cites] if isinstance(cites, str) else [str(c) for c in cites if str(c).strip()]
        bullets.append(Bullet(" ".join(b["text"].split()), cites))
    if len(raw) > MAX_BULLETS:
        problems.append(f"the reply has {len(raw)} bullets; write at most {MAX_BULLETS}")
    why = content.get("why_it_matters")
    why = " ".join(why.split()) if isinstance(why, str) and why.strip() else None
    return bullets, why, problems
