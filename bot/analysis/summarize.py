"""Summaries of changes: the LLM when configured, the offline summarizer otherwise or on failure.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import prompts
from bot.analysis import offline
from bot.analysis.billdiff import BillDiff
from bot.analysis.grounding import Bullet, check_summary
from bot.analysis.llm import LLMClient
from bot.analysis.redline import redline_text
from prompts import data_block
from scrapers.errors import LLMError

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


class SummaryStore(Protocol):
    """What the summarizer needs from storage (``storage/repo.py`` implements it)."""

    def find_summary(self, input_hash: str, prompt_version: str, model: str) -> dict | None: ...

    def save_summary(self, *, input_hash: str, prompt_version: str, model: str, text: str, bullets: list,
                     citations: list, produced_by: str, change_ids: list[int]) -> int: ...

    def log_llm_call(self, *, purpose: str, model: str, prompt_tokens: int | None,
                     completion_tokens: int | None, latency_ms: int, ok: bool, error: str | None) -> None: ...


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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def diff_payload(diff: BillDiff, context: Mapping | None = None) -> dict:
    """The model's input for a bill diff: the redline of the changed units (never the whole
    bill), the version ids and the context. Its hash is the cache key."""
    return {"old_version": diff.old_id, "new_version": diff.new_id, "substantive": diff.substantive,
            "redline": redline_text(diff, limit=DIFF_PROMPT_LIMIT), "context": dict(context or {})}


def input_hash(payload: Mapping) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _flat(value: Any) -> str:
    """Every string and number in a JSON-able value, one per line (for the grounding inputs)."""
    if isinstance(value, Mapping):
        return "\n".join(_flat(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return "\n".join(_flat(v) for v in value)
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


@dataclass
class _Job:
    purpose: str
    prompt: prompts.Prompt
    variables: dict
    payload: dict
    sources: dict[str, str]
    sections: set[str] | None
    context_text: str
    required_cites: set[str]         # every bullet must cite at least one of these
    offline: Callable[[], list[Bullet]]
    change_ids: list[int]


class Summarizer:
    """Summaries with caching, grounding and fallback. ``llm=None`` means offline only.

    When the LLM client has no ``on_call`` yet, it is wired to ``store.log_llm_call``.
    """

    def __init__(self, llm: LLMClient | None, store: SummaryStore):
        self.llm = llm
        self.store = store
        if llm is not None and llm.on_call is None:
            llm.on_call = store.log_llm_call

    # ---- public ---------------------------------------------------------------------------
    def summarize_diff(self, diff: BillDiff, context: Mapping | None = None,
                       change_ids: Iterable[int] = ()) -> Summary:
        """Summarize a bill diff (1–5 bullets citing sections and versions)."""
        context = dict(context or {})
        payload = diff_payload(diff, context)
        prompt = prompts.load("summarize_change")
        title = str(context.get("title") or context.get("bill_title") or "")
        variables = {"title": title or diff.new_id, "old_id": diff.old_id, "new_id": diff.new_id,
                     "sections": ", ".join(sorted(diff.labels())) or "(none)",
                     "context": data_block(json.dumps(context, ensure_ascii=False, default=str), "context"),
                     "diff": data_block(payload["redline"], "diff")}
        job = _Job("summarize_diff", prompt, variables, payload, diff.sources(), diff.labels(),
                   _flat(context) + "\n" + payload["redline"], {diff.old_id, diff.new_id},
                   lambda: offline.summarize_diff(diff),
                   list(change_ids))
        return self._run(job)

    def summarize_document(self, kind: str, meta: Mapping, text: str = "",
                           change_ids: Iterable[int] = ()) -> Summary:
        """Summarize a Federal Register document, a CRS summary, a news cluster or a press release."""
        meta = dict(meta or {})
        doc_id = str(meta.get("document_number") or meta.get("id") or meta.get("url") or kind)
        brief = prompt_meta(meta)          # what the model needs, not every field the scraper kept
        payload = {"kind": kind, "doc_id": doc_id, "meta": brief, "text": _clip(text or "", DOC_CLIP)}
        prompt = prompts.load("summarize_document")
        variables = {"kind_name": DOCUMENT_KINDS.get(kind, kind.replace("_", " ")), "doc_id": doc_id,
                     "meta": data_block(json.dumps(brief, ensure_ascii=False, default=str), "metadata"),
                     "text": data_block(payload["text"] or "(no text)", "text")}
        if kind in ("fr_document", "public_inspection"):
            make = lambda: offline.summarize_fr(meta, text)  # noqa: E731
        elif kind == "summary":
            make = lambda: offline.summarize_crs(text, cite=doc_id)  # noqa: E731
        else:
            make = lambda: offline.summarize_news({**meta, "id": doc_id})  # noqa: E731
        sources = {doc_id: (text or "") + "\n" + _flat(brief)}
        job = _Job(f"summarize_{kind}", prompt, variables, payload, sources, None, "", {doc_id}, make,
                   list(change_ids))
        return self._run(job)

    # ---- internals ------------------------------------------------------------------------
    def _cached(self, key: tuple[str, str, str], change_ids: list[int]) -> Summary | None:
        """The stored summary for ``key``; new ``change_ids`` are linked to it (save is idempotent)."""
        found = self.store.find_summary(*key)
        if not found:
            return None
        sid = None
        if change_ids:
            sid = self.store.save_summary(input_hash=key[0], prompt_version=key[1], model=key[2],
                                          text=found.get("text", ""), bullets=list(found.get("bullets") or []),
                                          citations=list(found.get("citations") or []),
                                          produced_by=found.get("produced_by", OFFLINE), change_ids=change_ids)
        bullets = [Bullet(b.get("text", ""), list(b.get("cites", []))) if isinstance(b, Mapping) else Bullet(str(b))
                   for b in found.get("bullets") or []]
        why = None
        for line in (found.get("text") or "").splitlines():
            if line.startswith("Why it matters: "):
                why = line[len("Why it matters: "):]
        return Summary(text=found.get("text", ""), bullets=bullets, why_it_matters=why,
                       produced_by=found.get("produced_by", OFFLINE), model=key[2], cached=True,
                       summary_id=sid, input_hash=key[0], prompt_version=key[1])

    def _save(self, key: tuple[str, str, str], bullets: list[Bullet], why: str | None, produced_by: str,
              change_ids: list[int], **extra: Any) -> Summary:
        text = render_text(bullets, why)
        citations = list(dict.fromkeys(c for b in bullets for c in b.cites))
        sid = self.store.save_summary(input_hash=key[0], prompt_version=key[1], model=key[2], text=text,
                                      bullets=[{"text": b.text, "cites": list(b.cites)} for b in bullets],
                                      citations=citations, produced_by=produced_by, change_ids=change_ids)
        return Summary(text=text, bullets=bullets, why_it_matters=why, produced_by=produced_by, model=key[2],
                       cached=False, summary_id=sid, input_hash=key[0], prompt_version=key[1], **extra)

    def _check(self, job: _Job, bullets: list[Bullet], why: str | None) -> list[str]:
        problems = check_summary(bullets, job.sources, sections=job.sections, context=job.context_text)
        for k, b in enumerate(bullets, 1):
            if not set(b.cites) & job.required_cites:
                problems.append(f"bullet {k} does not cite the version or document id "
                                f"({', '.join(sorted(job.required_cites))})")
            if job.sections and not any(c not in job.required_cites for c in b.cites):
                problems.append(f"bullet {k} does not cite a section label")
        if why:
            problems += [p.replace("bullet 1", "why_it_matters") for p in
                         check_summary([Bullet(why, [])], job.sources, sections=job.sections,
                                       context=job.context_text)]
        return problems

    def _offline(self, job: _Job, key: tuple[str, str, str], produced_by: str, **extra: Any) -> Summary:
        bullets = job.offline()
        problems = check_summary(bullets, job.sources, sections=job.sections, context=job.context_text)
        if problems:   # should not happen: the offline summary copies its inputs
            log.warning("offline summary for %s failed its own grounding check: %s", job.purpose, problems)
        return self._save(key, bullets, None, produced_by, job.change_ids, **extra)

    def _run(self, job: _Job) -> Summary:
        digest = input_hash(job.payload)
        offline_key = (digest, OFFLINE_PROMPT, OFFLINE_MODEL)
        if self.llm is None:
            return self._cached(offline_key, job.change_ids) or self._offline(job, offline_key, OFFLINE)
        llm_key = (digest, job.prompt.key, self.llm.model)
        cached = self._cached(llm_key, job.change_ids)
        if cached:
            return cached
        messages = job.prompt.messages(**job.variables)
        problems: list[str] = []
        for attempt in (1, 2):
            try:
                reply = self.llm.complete(messages, schema=SUMMARY_SCHEMA, schema_name="summary",
                                          purpose=job.purpose)
            except LLMError as exc:
                if exc.__cause__ is None and attempt == 1:     # a reply came back but was not JSON
                    problems = [str(exc)]
                    messages = [*messages, _retry_message(problems)]
                    continue
                log.warning("%s: LLM unavailable (%s); offline summary, retry later", job.purpose, exc)
                earlier = self._cached(offline_key, job.change_ids)
                if earlier:
                    earlier.produced_by, earlier.retry_later = FALLBACK, True
                    return earlier
                return self._offline(job, offline_key, FALLBACK, retry_later=True, problems=[str(exc)])
            bullets, why, problems = parse_reply(reply.content)
            if not problems:
                problems = self._check(job, bullets, why)
            if not problems:
                return self._save(llm_key, bullets, why, LLM, job.change_ids)
            log.info("%s: LLM reply rejected (attempt %d): %s", job.purpose, attempt, "; ".join(problems))
            messages = [*messages, {"role": "assistant", "content": json.dumps(reply.content, ensure_ascii=False)
                                    if isinstance(reply.content, dict) else str(reply.content)},
                        _retry_message(problems)]
        log.warning("%s: LLM summary failed the checks twice; using the offline summary", job.purpose)
        return self._offline(job, llm_key, FALLBACK, problems=problems)


def _retry_message(problems: list[str]) -> dict:
    listed = "\n".join(f"- {p}" for p in problems[:12])
    return {"role": "user", "content": "Your reply failed these checks:\n" + listed + "\nReply again with the "
            "corrected JSON object only. Quote only words that occur in the data, cite only the section "
            "labels and ids given, and use only numbers and dates from the data."}
