"""Terminal renderings: the status card and answers as text. (Console delivery of the outbox,
when Slack is not configured, is ``bot/runtime/delivery.py``.)"""

from __future__ import annotations

import dataclasses
import textwrap

from bot.commands.results import (
    BillCards,
    BillMatches,
    DigestPosted,
    StatusReport,
    Text,
    WatchChanged,
    WatchImported,
    WatchItems,
)
from bot.services.answers import Answer
from bot.services.answers import render_text as render_answer
from bot.services.card import BillCard
from bot.services.compare import CompareResult
from bot.services.digest import Digest
from bot.services.digest import render_text as render_digest
from bot.services.doc_card import DocCard
from bot.services.ended import ended_line
from bot.services.health import render_status
from bot.slack.escape import sanitize
from scrapers.ids import ordinal


def _d(v) -> str:
    return v.isoformat() if hasattr(v, "isoformat") else (str(v) if v else "—")


def render_card(card: BillCard) -> str:
    """The status card as terminal text. Contains a ``Stage: NAME`` line (the contract)."""
    lines = [f"{card.display} — {sanitize(card.short_title or card.title, oneline=True)}"]
    if card.short_title and card.title != card.short_title:
        lines += textwrap.wrap(sanitize(card.title, oneline=True), 100, initial_indent="  ", subsequent_indent="  ")
    sp = card.sponsor
    if sp:
        lines.append(f"Sponsor: {sp.get('name', '')}" + (f" (introduced {_d(card.introduced)})"
                                                          if card.introduced else ""))
    lines.append(f"Stage: {card.stage or 'unknown'}")
    track = "  ".join(("●" if t.reached else "○") + f" {t.stage}" + (f" {_d(t.date)}" if t.date else "")
                      for t in card.track)
    lines.append(f"  {track}")
    if card.ended:
        lines.append(ended_line(card.ended))           # Died in the 118th Congress — last stage: …
    la = card.latest_action
    if la:
        lines.append(f"Latest action ({_d(la.date)}): {la.text}")
    for v in card.votes[-3:]:
        lines.append(f"Vote {_d(v.date)}: {v.text}")
    cs = card.cosponsors
    split = ", ".join(f"{n} {p}" for p, n in cs.by_party.items())
    lines.append(f"Cosponsors: {cs.count}" + (f" ({split})" if split else "")
                 + (f", {cs.withdrawn} withdrawn" if cs.withdrawn else ""))
    if card.committees:
        lines.append("Committees: " + "; ".join(c.name for c in card.committees))
    if card.text_versions:
        lines.append("Text versions:")
        for t in card.text_versions:
            lines.append(f"  {t.id:<18} {t.name or t.code.upper():<24} {_d(t.date)}  {t.url or ''}")
    if card.related:
        lines.append("Related: " + "; ".join(f"{r.id} ({r.relationship})" for r in card.related))
    if card.crs_summary:
        lines.append(sanitize(card.crs_label(), oneline=True) + ":")
        lines += textwrap.wrap(card.crs_summary, 100, initial_indent="  ", subsequent_indent="  ")[:8]
    lc = card.last_change
    if lc:
        lines.append(f"Last change ({_d(lc.date)}): {sanitize(lc.headline, oneline=True)}")
        if lc.summary:
            lines += ["  " + ln for ln in lc.summary.splitlines()]
    lines.append(f"Links: {card.links.congress_gov}")
    lines.append(f"As of: {_d(card.as_of)}")
    return "\n".join(lines)


def render_doc_card(card: DocCard) -> str:
    """The Federal Register document card as terminal text."""
    lines = [f"FR Doc. {card.number} — {sanitize(card.title, oneline=True)}"]
    lines.append(f"Type: {card.type or 'unknown'}" + (f" ({card.action.rstrip('.')})" if card.action else ""))
    if card.agencies:
        lines.append("Agencies: " + "; ".join(a.name for a in card.agencies))
    if card.citation:
        lines.append(f"Citation: {card.citation}")
    if card.rins:
        lines.append("RIN: " + ", ".join(card.rins))
    for d in card.dockets:
        lines.append(f"Docket: {d.id}" + (f"  {d.url}" if d.url else ""))
    if card.cfr_parts:
        lines.append("CFR parts affected: " + ", ".join(card.cfr_parts))
    lines.append(f"Published: {_d(card.publication_date)}" + (f"   Effective: {_d(card.effective_on)}"
                                                                if card.effective_on else ""))
    comments = card.comments_line()
    lines.append(f"Comments: {comments}" if comments else "Comments: no comment period stated")
    if card.correction_of:
        lines.append(f"Corrects: {card.correction_of}")
    if card.abstract:
        lines.append("Abstract:")
        lines += textwrap.wrap(card.abstract, 100, initial_indent="  ", subsequent_indent="  ")[:10]
    for title in sorted({str(c["citation"]).split(" CFR")[0] for c in card.cfr_changes}):
        lines.append(f"What it changed in {title} CFR:")
        for c in card.cfr_changes:
            if str(c["citation"]).startswith(f"{title} CFR"):
                lines += ["  " + sanitize(line, oneline=True) for line in str(c["summary"]).splitlines()]
    lines.append(f"Versions kept: {len(card.versions)}")
    for v in card.versions:
        what = ("changed: " + ", ".join(v.changed)) if v.changed else ("first seen" if v.seq == 1 else "no field changed")
        lines.append(f"  #{v.seq} {_d(v.fetched_at)}  {what}")
    if card.matched:
        lines.append("Matched: " + ", ".join(card.matched))
    if card.url:
        lines.append(f"Link: {card.url}")
    return "\n".join(lines)


# ---- the command table's results as terminal text ------------------------------------------------

def render(value, *, front: str = "cli") -> str:
    """Any shared command's result as text for the terminal (``legiswatch …`` and ``chat``), with
    every control, bidi and zero-width character removed (an ESC from a feed never reaches the
    terminal)."""
    return sanitize(_render(value, front=front))


def _render(value, *, front: str) -> str:
    if isinstance(value, BillCards):
        return "\n\n".join(render_card(c) for c in value.cards)
    if isinstance(value, DocCard):
        return render_doc_card(value)
    if isinstance(value, BillMatches):
        return render_bill_matches(value)
    if isinstance(value, WatchItems):
        return render_watch_items(value.items, front=front)
    if isinstance(value, WatchChanged):
        return value.text[0].lower() + value.text[1:] if front == "cli" else value.text
    if isinstance(value, WatchImported):
        return f"imported {value.added} new watch item{'s' if value.added != 1 else ''}"
    if isinstance(value, Text):
        return value.text.rstrip("\n")
    if isinstance(value, CompareResult):
        return value.text()
    if isinstance(value, Digest):
        return render_digest(value)
    if isinstance(value, DigestPosted):
        return f"digest queued: {value.queued} message{'s' if value.queued != 1 else ''}"
    if isinstance(value, Answer):
        return render_answer(value)
    if isinstance(value, StatusReport):
        return render_status(value.report)
    return str(value)


def render_bill_matches(found: BillMatches) -> str:
    """``bill "TITLE WORDS"`` with several matches: one line each (id, Congress, title, stage)."""
    lines = [f"{found.total} stored bills match “{found.query}”"
             + (f" (the first {len(found.matches)} shown)" if found.total > len(found.matches) else "") + ":"]
    for m in found.matches:
        title = sanitize(m["short_title"] or m["title"] or "", oneline=True)
        title = title if len(title) <= 70 else title[:69] + "…"
        lines.append(f"  {m['id']:<14} {ordinal(m['congress']):<6} {title:<70}  {m['stage'] or '—'}")
    lines.append("Show one with: bill ID")
    return "\n".join(lines)


def render_watch_items(items: list[dict], *, front: str = "cli") -> str:
    if not items:
        hint = "watch add BILL | --term TEXT | --agency SLUG | --feed URL | --cfr REF"
        return (f"the watchlist is empty (legiswatch {hint})" if front == "cli"
                else f"The watchlist is empty (/{hint}).")
    lines = []
    for i in items:
        label = f"  ({i['label']})" if i["label"] and i["label"] != i["value"] else ""
        where = f"  → {i['channel']}" if i.get("channel") and front == "cli" else ""
        lines.append(f"{i['kind']:<7} {i['value']}{label}{where}")
    return "\n".join(lines)


def as_json(value):
    """The ``--json`` form of a result (the contract's keys)."""
    if isinstance(value, BillCards):
        cards = [c.to_dict() for c in value.cards]
        return cards[0] if len(cards) == 1 else cards
    if isinstance(value, StatusReport):
        return value.report
    if isinstance(value, WatchItems):
        return value.items
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return value
