"""Summaries for pending changes, after ingestion (ingestion never waits on the LLM).

Bill text versions are summarized from their section diff against the previous version; Federal
Register documents, CRS summaries, press releases and news from their own metadata and text.
Other changes need no summary: their headline says it all.
"""

from __future__ import annotations

import logging

from bot.analysis.billdiff import diff_bills
from bot.services.context import Context
from bot.services.pipeline import previous_text
from scrapers.records import billtext_from_dict
from storage.repo import ChangeInfo

log = logging.getLogger(__name__)
DOCUMENT_KINDS = {"fr_document": "fr_document", "fr_updated": "fr_document", "public_inspection": "public_inspection",
                  "summary": "summary", "news": "news", "press_release": "press_release"}
MAX_ATTEMPTS = 5


def summarize_pending(ctx: Context, limit: int = 50) -> int:
    """Summarize up to ``limit`` pending changes; returns how many got a summary."""
    done = 0
    for change in ctx.repo.changes(summary_state="pending", limit=limit):
        try:
            summary = summarize_change(ctx, change)
        except Exception:  # noqa: BLE001 — one bad change never stops the others; it stays pending
            log.exception("summary of change %s (%s) failed", change.id, change.key)
            attempts = int(change.detail.get("summary_attempts", 0)) + 1
            ctx.repo.update_change(change.id, detail={"summary_attempts": attempts},
                                   summary_state="none" if attempts >= MAX_ATTEMPTS else None)
            continue
        if summary is None:
            ctx.repo.update_change(change.id, summary_state="none")
            continue
        done += 1
        if getattr(summary, "retry_later", False):
            attempts = int(change.detail.get("summary_attempts", 0)) + 1
            if attempts < MAX_ATTEMPTS:        # the LLM was down: keep the fallback, ask again later
                ctx.repo.update_change(change.id, summary_state="pending", detail={"summary_attempts": attempts})
    return done


def summarize_change(ctx: Context, change: ChangeInfo):
    repo = ctx.repo
    if change.kind == "text_version":
        bill_id = change.bill_id or change.subject.rsplit("-", 1)[0]
        prev, this = previous_text(ctx, bill_id, change.subject)
        if prev is None or this is None:
            return None
        return summarize_versions(ctx, prev, this, change_ids=[change.id])
    if change.kind == "cfr_change":           # the part's text the day before and the day of
        old = repo.get_document("cfr_text", change.detail.get("before", ""))
        new = repo.get_document("cfr_text", change.detail.get("after", ""))
        return summarize_versions(ctx, old, new, change_ids=[change.id]) if old and new else None
    kind = DOCUMENT_KINDS.get(change.kind)
    if kind is None:
        return None
    version = repo.version(change.to_version_id) if change.to_version_id else None
    if version is None and change.document_id:
        version = repo.document_by_id(change.document_id)
    if version is None:
        return None
    meta = {**(version.get("meta") or {}), **_from_content(change.kind, version.get("content")),
            "document_number": version["external_id"], "title": version["title"], "url": version["url"]}
    if change.kind == "summary":
        meta["id"] = f"CRS summary of {change.bill_id}"
        meta["document_number"] = meta["id"]
    return ctx.summarizer.summarize_document(kind, meta, version.get("text") or "", change_ids=[change.id])


def summarize_versions(ctx: Context, old: dict, new: dict, change_ids=()):
    """Summary of what changed between two stored text versions (dicts from the repo)."""
    old_text, new_text = billtext_from_dict(old["content"]), billtext_from_dict(new["content"])
    diff = diff_bills(old_text, new_text)
    context = {"title": new_text.short_title or new_text.title, "old_version": old["external_id"],
               "new_version": new["external_id"], "old_stage": old_text.stage, "new_stage": new_text.stage,
               "old_date": old_text.date, "new_date": new_text.date}
    return ctx.summarizer.summarize_diff(diff, context, change_ids=change_ids)


_FR_CONTENT = ("abstract", "action", "dates")


def _from_content(kind: str, content) -> dict:
    """What the stored record says beyond its meta: agency names (the meta keeps slugs), the FR
    abstract, action and dates, a news feed's description."""
    if not isinstance(content, dict):
        return {}
    out = {}
    if kind in ("fr_document", "fr_updated", "public_inspection"):
        names = [a.get("name") or a.get("raw_name") for a in content.get("agencies") or [] if isinstance(a, dict)]
        names = [n for n in names if n] or [n for n in content.get("agency_names") or [] if n]
        if names:
            out["agencies"] = names
        out.update({k: content[k] for k in _FR_CONTENT if content.get(k)})
    elif kind == "news" and content.get("summary"):
        out["description"] = content["summary"]
    return out
