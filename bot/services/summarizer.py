"""The cached summarizer: the LLM when configured, the offline summarizer otherwise or on failure,
each summary stored and found again by (input hash, prompt version, model). The flow is described
in ``bot/analysis/summarize.py``, which holds its pure parts."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import prompts
from bot.analysis import offline
from bot.analysis.billdiff import BillDiff
from bot.analysis.grounding import Bullet, check_summary
from bot.analysis.llm import LLMClient, LLMError
from bot.analysis.summarize import (
    DOC_CLIP,
    DOCUMENT_KINDS,
    FALLBACK,
    LLM,
    OFFLINE,
    OFFLINE_MODEL,
    OFFLINE_PROMPT,
    SUMMARY_SCHEMA,
    Summary,
    clip_text,
    diff_payload,
    flat_text,
    input_hash,
    parse_reply,
    prompt_meta,
    render_text,
)
from prompts import data_block

log = logging.getLogger(__name__)


class SummaryStore(Protocol):
    """What the summarizer needs from storage (``storage/repo.py`` implements it)."""

    def find_summary(self, input_hash: str, prompt_version: str, model: str) -> dict | None: ...

    def save_summary(self, *, input_hash: str, prompt_version: str, model: str, text: str, bullets: list,
                     citations: list, produced_by: str, change_ids: list[int]) -> int: ...

    def log_llm_call(self, *, purpose: str, model: str, prompt_tokens: int | None,
                     completion_tokens: int | None, latency_ms: int, ok: bool, error: str | None) -> None: ...


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
                   flat_text(context) + "\n" + payload["redline"], {diff.old_id, diff.new_id},
                   lambda: offline.summarize_diff(diff),
                   list(change_ids))
        return self._run(job)

    def summarize_document(self, kind: str, meta: Mapping, text: str = "",
                           change_ids: Iterable[int] = ()) -> Summary:
        """Summarize a Federal Register document, a CRS summary, a news cluster or a press release."""
        meta = dict(meta or {})
        doc_id = str(meta.get("document_number") or meta.get("id") or meta.get("url") or kind)
        brief = prompt_meta(meta)          # what the model needs, not every field the scraper kept
        payload = {"kind": kind, "doc_id": doc_id, "meta": brief, "text": clip_text(text or "", DOC_CLIP)}
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
        # every fact of the stored record counts as a source (the offline summary may use more of it
        # than the model is shown: a feed item's publication time, a filing's dates)
        sources = {doc_id: (text or "") + "\n" + flat_text(meta)}
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
