"""Answers built from the structured record: a bill's status, a document's deadlines, what changed.

Every sentence here is assembled from stored fields (stage, action text and date, deadline
rows, stored change summaries or the offline diff summary), each with a numbered citation;
nothing is guessed. When the record has nothing, the draft says so (``supported=False``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.analysis import offline
from bot.analysis.billdiff import diff_bills
from bot.services.card import BillCard, bill_card, card_from
from bot.services.context import Context
from bot.services.pipeline import previous_text
from bot.services.retrieval import Citation, Question, day, display_bill, safe_url
from scrapers.errors import LegiswatchError
from scrapers.ids import find_bill_ids, parse_bill_id
from scrapers.records import billtext_from_dict

log = logging.getLogger(__name__)
_LAW = re.compile(r"(?i)\b(law|enact|signed|sign|president)\b")
_COSPONSOR = re.compile(r"(?i)\bco-?sponsor")
_SPONSOR = re.compile(r"(?i)(?<!co)(?<!co-)\bsponsor")
_COMMENT = re.compile(r"(?i)\bcomment")
_EFFECT = re.compile(r"(?i)\beffect")
_FAR = (date(1900, 1, 1), date(2999, 12, 31))


@dataclass
class Draft:
    text: str
    citations: list[Citation] = field(default_factory=list)
    as_of: datetime | None = None
    supported: bool = True


def _bill_citation(n: int, card: BillCard, quote: str = "") -> Citation:
    name = card.short_title or card.title
    return Citation(n=n, title=f"{card.display}: {name}", url=safe_url(card.links.congress_gov),
                    fetched_at=card.fetched_at, kind="bill",
                    ref=f"{card.id} (Congress.gov bill status: stages, actions, votes)", quote=quote)


def _chamber_of(action: dict) -> str | None:
    if action.get("chamber"):
        return action["chamber"]
    text = action.get("text") or ""
    return "Senate" if "Senate" in text else "House" if "House" in text else None


def status_draft(ctx: Context, q: Question) -> Draft:
    """Stage, latest action, votes and dates of ``q.subject`` (and its companion in a chamber)."""
    bill = q.subject
    data = ctx.repo.bill(bill)
    if data is None:
        return Draft(f"The stored record has nothing on {display_bill(bill)}, so it does not say where it "
                     f"stands. `/bill {bill}` (or `legiswatch bill {bill}`) fetches it from Congress.gov.",
                     supported=False)
    card = bill_card(ctx, bill, fetch=False)
    cite = _bill_citation(1, card, (card.latest_action.text if card.latest_action else ""))
    citations = [cite]
    name = card.short_title or card.title
    stage = card.stage
    stage_day = next((s.date for s in reversed(card.stages) if s.stage == stage), None)
    lines = []
    if stage:
        lines.append(f"{card.display} ({name}) is at stage {stage}"
                     + (f", reached {day(stage_day)}" if stage_day else "") + " [1].")
    else:
        lines.append(f"The stored record shows no stage for {card.display} ({name}) [1].")
    if q.chamber:
        lines += _chamber_lines(ctx, q.chamber, card, data, citations)
    else:
        la = card.latest_action
        if la:
            lines.append(f"Latest action ({day(la.date)}): {la.text} [1]")
        for v in card.votes[-2:]:
            lines.append(f"Vote ({day(v.date)}): {v.text} [1]")
        if _LAW.search(q.text):
            if stage == "Became law":
                lines.append(f"It became law on {day(stage_day)} [1]." if stage_day else "It became law [1].")
            else:
                lines.append(f"It has not become law: the latest stage in the stored record is {stage or 'unknown'} [1].")
        lines += _other_bills(ctx, q, citations)
    if _COSPONSOR.search(q.text):
        cs = card.cosponsors
        split = ", ".join(f"{k} {p}" for p, k in cs.by_party.items())
        lines.append(f"Cosponsors: {cs.count}" + (f" ({split})" if split else "") + " [1].")
    elif _SPONSOR.search(q.text) and card.sponsor:
        lines.append(f"Sponsor: {card.sponsor.get('name', '')}"
                     + (f", introduced {day(card.introduced)}" if card.introduced else "") + " [1].")
    as_of = card.fetched_at
    if as_of:
        lines.append(f"As of {day(as_of)} (when the record was last fetched from Congress.gov).")
    return Draft("\n".join(lines), citations, as_of=as_of)


def _other_bills(ctx: Context, q: Question, citations: list[Citation]) -> list[str]:
    """One line each for the other bills the question names (ids, or the same short title)."""
    by_id = {str(b) for b in find_bill_ids(q.text, today=ctx.today())}
    lines = []
    for other in q.bills[1:4]:
        data = ctx.repo.bill(other)
        if data is None:
            continue
        card = card_from(ctx.repo, parse_bill_id(other), data, today=ctx.today())
        n = len(citations) + 1
        citations.append(_bill_citation(n, card, (card.latest_action.text if card.latest_action else "")))
        la = card.latest_action
        why = "Also asked about" if other in by_id else f"Same short title ({card.short_title})"
        lines.append(f"{why}: {card.display} is at stage {card.stage or 'unknown'}"
                     + (f"; latest action ({day(la.date)}): {la.text}" if la else "") + f" [{n}]")
    return lines


def _chamber_lines(ctx: Context, chamber: str, card: BillCard, data: dict, citations: list[Citation]) -> list[str]:
    lines = []
    acts = [a for a in data["actions"] if _chamber_of(a) == chamber]
    passed = next((s for s in card.stages if s.stage == f"Passed {chamber}"), None)
    if passed:
        lines.append(f"It passed the {chamber}" + (f" on {day(passed.date)}" if passed.date else "") + " [1].")
    if acts:
        for a in acts[-2:]:
            lines.append(f"In the {chamber} ({day(a['date'])}): {a['text']} [1]")
    else:
        lines.append(f"The stored record shows no {chamber} action on {card.display} [1].")
    for r in card.related:
        try:
            other = parse_bill_id(r.id)
        except LegiswatchError:
            continue
        if other.chamber != chamber:
            continue
        rdata = ctx.repo.bill(str(other))
        if rdata is None:
            continue
        rcard = card_from(ctx.repo, other, rdata, today=ctx.today())
        n = len(citations) + 1
        citations.append(_bill_citation(n, rcard, (rcard.latest_action.text if rcard.latest_action else "")))
        la = rcard.latest_action
        lines.append(f"Related {chamber} bill {rcard.display} ({r.relationship}) is at stage "
                     f"{rcard.stage or 'unknown'}"
                     + (f"; latest action ({day(la.date)}): {la.text}" if la else "") + f" [{n}]")
    return lines


# ---- deadlines -----------------------------------------------------------------------------

def _sentence_with(text: str, when: date) -> str:
    """The sentence of ``text`` that states ``when`` (long or ISO form), else ""."""
    forms = [when.isoformat(), f"{when:%B} {when.day}, {when.year}"]
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text or ""):
        if any(f in sentence for f in forms):
            return sentence.strip()[:300]
    return ""


def deadline_draft(ctx: Context, q: Question, numbers: list[str]) -> Draft:
    """Comment and effective dates of the FR documents ``numbers`` (named, or the best matches)."""
    today = ctx.today()
    rows = ctx.repo.deadlines(start=_FAR[0], end=_FAR[1])
    lines: list[str] = []
    citations: list[Citation] = []
    want_comments = bool(_COMMENT.search(q.text)) or not _EFFECT.search(q.text)
    missing = []
    for number in numbers:
        doc = ctx.repo.get_document("fr_document", number) or ctx.repo.get_document("public_inspection", number)
        if doc is None:
            missing.append(number)
            continue
        mine = [d for d in rows if d["document"] == number]
        n = len(citations) + 1
        label = f"FR Doc. {number}"
        quote = ""
        for d in sorted(mine, key=lambda d: (d["kind"] != "comments_close", d["due"])):
            left = (d["due"] - today).days
            rel = (f"in {left} days" if left > 1 else "tomorrow" if left == 1 else "today" if left == 0
                   else f"{-left} days ago")
            if d["kind"] == "comments_close":
                verb = "close" if left >= 0 else "closed"
                lines.append(f"Comments on {label} ({doc['title']}) {verb} on {day(d['due'])} ({rel}) [{n}].")
            else:
                verb = "takes effect" if left > 0 else "took effect"
                lines.append(f"{label} ({doc['title']}) {verb} on {day(d['due'])} ({rel}) [{n}].")
            quote = quote or _sentence_with(doc.get("text") or "", d["due"])
        if mine and want_comments and not any(d["kind"] == "comments_close" for d in mine):
            lines.insert(len(lines) - len(mine), f"The stored record gives no comment deadline for {label} [{n}].")
        if not mine:
            lines.append(f"The stored record gives no comment or effective date for {label} ({doc['title']}) [{n}].")
        citations.append(Citation(n=n, title=doc["title"], url=safe_url(doc["url"]), fetched_at=doc["fetched_at"],
                                  kind=doc["kind"], ref=label, quote=quote))
    dated = {c.n for c in citations if any(f"[{c.n}]" in ln and "gives no" not in ln for ln in lines)}
    if dated and len(dated) < len(citations):      # leave out documents without any date
        keep = [c for c in citations if c.n in dated]
        renumber = {c.n: k for k, c in enumerate(keep, 1)}
        lines = [ln for ln in lines if not any(f"[{c.n}]" in ln for c in citations if c.n not in dated)]
        for c in keep:
            lines = [ln.replace(f"[{c.n}]", f"[{renumber[c.n]}]") for ln in lines]
            c.n = renumber[c.n]
        citations = keep
    supported = bool(dated)
    if not lines and missing and missing == numbers and q.documents:
        names = ", ".join(missing)
        return Draft(f"The stored record has no Federal Register document {names}, so it does not say when its "
                     "comments close or when it takes effect.", [], supported=False)
    if not lines:
        return Draft("", [], supported=False)
    return Draft("\n".join(lines), citations, supported=supported)


# ---- what changed -------------------------------------------------------------------------

def _version_citation(ctx: Context, n: int, version_id: int | None, ref_extra: str = "") -> Citation | None:
    v = ctx.repo.version(version_id) if version_id else None
    if v is None:
        return None
    ref = v["external_id"]
    if v["kind"] in ("fr_document", "public_inspection"):
        ref = f"FR Doc. {ref} (stored version {v['seq']})"
    return Citation(n=n, title=v["title"], url=safe_url(v["url"]), fetched_at=v["fetched_at"], kind=v["kind"],
                    ref=(ref + (f" {ref_extra}" if ref_extra else "")).strip())


def change_draft(ctx: Context, q: Question) -> Draft | None:
    """What changed between text versions of ``q.subject`` (stored summary, else the offline diff)."""
    bill = q.subject
    changes = ctx.repo.changes(bill_id=bill, kinds=["text_version"], newest_first=True)
    if q.versions:
        chosen = [c for c in changes if c.subject.rsplit("-", 1)[-1] in q.versions] or changes
    else:
        chosen = changes
    pick = next((c for c in chosen if not c.detail.get("first_version")), None)
    if pick is None:
        if not changes:
            return None
        first = changes[-1]
        cite = _version_citation(ctx, 1, first.to_version_id)
        text = (f"The stored record has one text version of {display_bill(bill)} ({first.subject}), so there is "
                f"nothing to compare it with yet [1].")
        return Draft(text, [cite] if cite else [], supported=False)
    prev, this = previous_text(ctx, bill, pick.subject)
    if this is None:
        return None
    old_id = (prev or {}).get("external_id") or pick.detail.get("compared_with") or "the previous version"
    if pick.summary_id and (s := ctx.repo.summary(pick.summary_id)):
        bullets = [b.get("text", "") if isinstance(b, dict) else str(b) for b in s.get("bullets") or []]
        bullets = bullets or [s.get("text", "")]
        by = s.get("produced_by", "")
    elif prev is not None:
        diff = diff_bills(billtext_from_dict(prev["content"]), billtext_from_dict(this["content"]))
        bullets = [b.text for b in offline.summarize_diff(diff)]
        by = "offline diff"
    else:
        return None
    sections = sorted(set(re.findall(r"Sec\. \d+[A-Za-z]?(?:\([A-Za-z0-9]+\))*", " ".join(bullets))))
    new_cite = _version_citation(ctx, 1, this["version_id"], ", ".join(sections))
    old_cite = _version_citation(ctx, 2, prev["version_id"]) if prev else None
    cites = [c for c in (new_cite, old_cite) if c]
    marks = "".join(f"[{c.n}]" for c in cites)
    head = f"Changes from {old_id} to {this['external_id']} ({this['meta'].get('stage', '') or this['title']}" \
           + (f", {day(this['date'])}" if this["date"] else "") + f"), from the stored {by or 'summary'}:"
    lines = [head] + [f"- {b} {marks}" for b in bullets if b]
    if new_cite:
        new_cite.quote = bullets[0] if bullets else ""
    return Draft("\n".join(lines), cites)


def document_change_draft(ctx: Context, q: Question) -> Draft | None:
    """What changed in the Federal Register documents ``q.documents`` (republished versions)."""
    lines: list[str] = []
    cites: list[Citation] = []
    for number in q.documents:
        changes = ctx.repo.changes(kinds=["fr_updated"], subject=number, newest_first=True)
        if not changes:
            continue
        c = changes[0]
        new = _version_citation(ctx, len(cites) + 1, c.to_version_id)
        old = _version_citation(ctx, len(cites) + 2, c.from_version_id) if new else None
        marks = "".join(f"[{x.n}]" for x in (new, old) if x)
        cites += [x for x in (new, old) if x]
        summary = ctx.repo.summary(c.summary_id) if c.summary_id else None
        when = f" ({day(c.change_date or c.detected_at)})"
        lines.append(f"{c.headline}{when} {marks}".strip())
        if summary:
            bullets = [b.get("text", "") if isinstance(b, dict) else str(b) for b in summary.get("bullets") or []]
            lines += [f"- {b} {marks}" for b in (bullets or [summary.get("text", "")]) if b]
    if not lines:
        return None
    return Draft("\n".join(lines), cites)
