"""``compare "15 CFR 744.23" 2026-01-01 2026-06-30``: a CFR part or section between two days, from
the stored eCFR text (``cfr_text``), fetched on demand when a part is not watched or the day not
stored; a section keeps that section alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.analysis.billdiff import diff_bills
from bot.analysis.cfrdiff import cfr_diff
from bot.services.cfr_changes import rules_by_part_day
from bot.services.context import Context
from bot.services.pipeline import make_session
from scrapers.ecfr import CFR_TEXT, EcfrClient, parse_ref, text_record
from scrapers.ecfr_parse import part_key
from scrapers.errors import BadInput, NotFound
from scrapers.records import billtext_from_dict


@dataclass
class CfrRequest:
    title: int
    part: str
    section: str | None
    old: date
    new: date


def parse_request(words: list[str]) -> CfrRequest | None:
    """``["15 CFR 742", "2026-01-14", "2026-01-15"]`` (or the same split into words) → a request;
    None when the words are not a CFR reference followed by two dates."""
    if len(words) < 3:
        return None
    try:
        old, new = date.fromisoformat(words[-2]), date.fromisoformat(words[-1])
    except ValueError:
        return None
    try:
        title, part, section = parse_ref(" ".join(words[:-2]))
    except ValueError:
        return None
    if new <= old:
        raise BadInput(f"the second date must be after the first ({old} → {new})")
    return CfrRequest(title, part, section, old, new)


def part_text(ctx: Context, title: int, part: str, on: date) -> dict:
    """The stored ``cfr_text`` of a part on a day, fetched from eCFR (and stored) when missing."""
    ext = part_key(title, part, on)
    doc = ctx.repo.get_document(CFR_TEXT, ext)
    if doc is not None:
        return doc
    if on > ctx.today():
        raise BadInput(f"{on} is ahead: eCFR has no text for it yet")
    session = make_session(ctx, "ecfr")
    try:
        client = EcfrClient(session, ctx.settings.ecfr_url)
        url = f"{client.base}/api/versioner/v1/full/{on.isoformat()}/title-{title}.xml?part={part}"
        try:
            record = text_record(title, part, on, client.part_xml(title, part, on), url)
        except NotFound:
            raise NotFound(f"eCFR has no {title} CFR part {part} on {on}") from None
    finally:
        session.close()
    ctx.repo.record([record], ctx.analyzer)
    doc = ctx.repo.get_document(CFR_TEXT, ext)
    if doc is None:
        raise NotFound(f"eCFR's {title} CFR part {part} on {on} could not be stored")
    return doc


def _only_section(content: dict, section: str) -> dict:
    sections = [s for s in content.get("sections") or [] if str(s.get("key", "")).split("/")[0] == section]
    if not sections:
        raise NotFound(f"§ {section} is not in the part's text")
    return {**content, "sections": sections}


def compare_cfr(ctx: Context, req: CfrRequest):
    """Old and new stored texts (section-limited when a section was named), their diff and the
    cited offline lines: ``(old_doc, new_doc, diff, CfrChange)``."""
    old = part_text(ctx, req.title, req.part, req.old)
    new = part_text(ctx, req.title, req.part, req.new)
    if req.section:
        old = {**old, "content": _only_section(old["content"], req.section)}
        new = {**new, "content": _only_section(new["content"], req.section)}
    old_text, new_text = billtext_from_dict(old["content"]), billtext_from_dict(new["content"])
    change = cfr_diff(old_text, new_text, rule=rules_by_part_day(ctx).get((f"{req.title}-cfr-{req.part}",
                                                                           req.new.isoformat())))
    return old, new, diff_bills(old_text, new_text), change
