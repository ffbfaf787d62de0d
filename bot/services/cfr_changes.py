"""What a rule changed in the CFR, from the stored eCFR text (``cfr_text`` documents, written by
``scrapers/ecfr.py``): after an eCFR poll, every stored pair "day before / day of" of a part is
diffed and recorded once as a change ``cfr_change:{rule}:{part}:{before}:{after}`` whose detail
carries the cited offline summary (``bot/analysis/cfrdiff.py``: each line names the paragraph,
the whole both dates and the FR document); the summaries job words it with the LLM when one is
configured (``bot/services/summaries.py``, grounded like a bill text diff).

``compare "15 CFR 742" DATE DATE`` reads the same texts: ``bot/services/cfr_compare.py``.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot.analysis.cfrdiff import CfrChange, cfr_diff
from bot.services.context import Context
from scrapers.ecfr import CFR_TEXT, parse_ref
from scrapers.records import billtext_from_dict
from storage.repo import Repo

log = logging.getLogger(__name__)
KIND = "cfr_change"


def change_key(rule: str | None, cfr: str, before: str, after: str) -> str:
    return f"{KIND}:{rule or '-'}:{cfr}:{before}:{after}"


def rules_by_part_day(ctx: Context) -> dict[tuple[str, str], str]:
    """(``15-cfr-742``, effective date) → the stored FR rule that took effect then."""
    out: dict[tuple[str, str], str] = {}
    for number, meta in ctx.repo.latest_metas("fr_document"):
        if (meta.get("type") or "").lower() != "rule" or not meta.get("effective_on"):
            continue
        for ref in meta.get("cfr") or []:
            try:
                title, part, _ = parse_ref(ref)
            except ValueError:
                continue
            out.setdefault((f"{title}-cfr-{part}", meta["effective_on"]), number)
    return out


def record_cfr_changes(ctx: Context) -> list:
    """Diff each stored (day before, day) pair of a part not recorded yet; returns the new changes."""
    docs = {d["external_id"]: d for d in ctx.repo.documents(CFR_TEXT)}
    rules = rules_by_part_day(ctx)
    done = {(c.detail or {}).get("after") for c in ctx.repo.changes(kinds=[KIND])}
    added = []
    for ext, new in sorted(docs.items()):
        cfr, _, day_s = ext.partition("@")
        try:
            day = date.fromisoformat(day_s)
        except ValueError:
            continue
        before = f"{cfr}@{(day - timedelta(days=1)).isoformat()}"
        old = docs.get(before)
        if ext in done:
            continue                                   # recorded by an earlier poll
        if old is None or not old.get("content") or not new.get("content"):
            continue
        rule = (new.get("meta") or {}).get("rule") or rules.get((cfr, day_s))
        change = cfr_diff(billtext_from_dict(old["content"]), billtext_from_dict(new["content"]), rule=rule)
        if not change.lines:
            continue                                   # the day brought no change to this part's text
        row = ctx.repo.add_change(
            key=change_key(rule, cfr, change.before, change.after), kind=KIND, subject=rule or cfr,
            headline=_headline(change), materiality="high" if rule else "normal", change_date=day,
            document_id=new["id"],
            detail={"cfr": cfr, "rule": rule, "before": before, "after": ext, "summary": change.summary(),
                    "lines": change.lines, "citation": change.citation})
        if row is not None:
            added.append(row)
    return added


def _headline(change: CfrChange) -> str:
    who = f"FR {change.rule} changed" if change.rule else "eCFR shows a change in"
    n = len(change.lines)
    return f"{who} {change.citation} on {change.after} ({n} paragraph{'s' if n != 1 else ''})"


def rule_changes(repo: Repo, number: str) -> list[dict]:
    """The recorded CFR changes a rule made: ``[{"citation", "before", "after", "summary", "lines"}]``."""
    out = []
    for c in repo.changes(kinds=[KIND], subject=number):
        d = c.detail or {}
        out.append({"cfr": d.get("cfr"), "citation": d.get("citation"), "before": d.get("before"),
                    "after": d.get("after"), "summary": d.get("summary"), "lines": list(d.get("lines") or [])})
    return out
