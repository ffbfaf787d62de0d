"""``compare A B``: two versions of one bill, or the latest stored versions of two bills, as a
summary of what changed followed by the redline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.analysis.billdiff import diff_bills
from bot.analysis.redline import redline_html, redline_text
from bot.services.card import fetch_bill
from bot.services.cfr_compare import compare_cfr
from bot.services.context import Context
from bot.services.summaries import summarize_versions
from bot.services.textview import is_local, local_version
from scrapers.errors import NotFound
from scrapers.ids import BillId, parse_bill_id, parse_version_id
from scrapers.records import BILL, BILL_TEXT, billtext_from_dict


@dataclass
class CompareResult:
    a_id: str
    b_id: str
    diff: object
    summary: object
    title: str

    @property
    def html(self) -> str:
        return redline_html(self.diff, self.title)

    def redline(self, limit: int | None = None) -> str:
        return redline_text(self.diff, limit=limit)

    def text(self) -> str:
        head = f"What changed: {self.a_id} → {self.b_id}" + (f" ({self.title})" if self.title else "")
        produced = getattr(self.summary, "produced_by", "")
        note = {"offline": "offline summary", "offline-fallback": "offline summary (LLM reply rejected)",
                "llm": f"summary by {getattr(self.summary, 'model', 'the LLM')}"}.get(produced, produced)
        return f"{head}\n\nSummary ({note}):\n{self.summary.text}\n\nRedline:\n{self.redline()}"

    def to_dict(self) -> dict:
        s = self.summary
        return {"a": self.a_id, "b": self.b_id, "title": self.title,
                "summary": {"text": s.text, "bullets": [{"text": b.text, "cites": b.cites} for b in s.bullets],
                            "why_it_matters": s.why_it_matters, "produced_by": s.produced_by, "model": s.model},
                "substantive": self.diff.substantive, "changes": self.diff.to_dict(), "redline": self.redline()}


def resolve_version(ctx: Context, text: str, *, local_files: bool = False) -> dict:
    """A stored text version (repo dict) for ``hr2683-119-eh`` or, for a bill id, its latest version;
    with ``local_files`` (the terminal only: never for Slack, which must not read the server's files)
    also a local bill text XML file (a path), parsed as it is."""
    text = text.strip()
    if local_files and is_local(text):
        return local_version(text)
    try:
        bill, code = parse_version_id(text)
    except Exception:  # noqa: BLE001 — not in version form: a bill in any accepted form
        bill, code = parse_bill_id(text, today=ctx.today()), None
    if code:
        doc = ctx.repo.get_document(BILL_TEXT, bill.version(code))
        if doc is None:
            _fetch(ctx, bill)
            doc = ctx.repo.get_document(BILL_TEXT, bill.version(code))
        if doc is None:
            raise NotFound(f"no stored text version {bill.version(code)} (versions are listed by `legiswatch bill "
                           f"{bill}`)")
        return doc
    versions = _versions(ctx, bill)
    if not versions:
        _fetch(ctx, bill)
        versions = _versions(ctx, bill)
    if not versions:
        raise NotFound(f"no text of {bill.display} is stored or available yet")
    return versions[-1]


def _versions(ctx: Context, bill: BillId) -> list[dict]:
    docs = ctx.repo.documents(BILL_TEXT, children_of=(BILL, str(bill)))
    return sorted(docs, key=lambda d: (d["date"] or date.min, d["id"]))


def _fetch(ctx: Context, bill: BillId) -> None:
    if ctx.repo.bill(str(bill)) is not None and _versions(ctx, bill):
        return
    try:
        fetch_bill(ctx, bill)
    except NotFound:
        raise NotFound(f"{bill.display} is not known to Congress.gov") from None


def compare(ctx: Context, a: str, b: str, *, local_files: bool = False) -> CompareResult:
    old, new = resolve_version(ctx, a, local_files=local_files), resolve_version(ctx, b, local_files=local_files)
    if old["external_id"] == new["external_id"] and ("path" in old or "path" in new):
        _tell_apart(old, new)
    diff = diff_bills(billtext_from_dict(old["content"]), billtext_from_dict(new["content"]))
    summary = summarize_versions(ctx, old, new)
    new_text = billtext_from_dict(new["content"])
    return CompareResult(a_id=old["external_id"], b_id=new["external_id"], diff=diff, summary=summary,
                         title=new_text.short_title or new_text.title)


def compare_part(ctx: Context, req) -> CompareResult:
    """A CFR part or section on two days (``bot/services/cfr_compare.py``): the same result as two
    bill versions, its summary grounded the same way (LLM or offline)."""
    old, new, diff, change = compare_cfr(ctx, req)
    summary = summarize_versions(ctx, old, new)
    where = f"{req.title} CFR {req.section or req.part}"
    return CompareResult(a_id=old["external_id"], b_id=new["external_id"], diff=diff, summary=summary,
                         title=where + (f" (FR {change.rule})" if change.rule else ""))


def _tell_apart(*docs: dict) -> None:
    """Two local files of the same version (an edited copy): each named by its file as well, so the
    diff, the summary and its citations keep the two sides apart."""
    for doc in docs:
        name = Path(doc.get("path") or doc["external_id"]).name
        doc["external_id"] = f"{doc['external_id']} ({name})"
        doc["content"] = {**doc["content"], "version_code": f"{doc['content'].get('version_code', '')} ({name})"}
