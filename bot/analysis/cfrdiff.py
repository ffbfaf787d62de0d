"""What a rule changed in the CFR: the section diff of a part's text on two days, and its offline
summary (pure).

The units come from ``scrapers/ecfr_parse.py`` (sections with their labelled paragraphs); the
alignment is the bill diff's (``diff_bills``), so a paragraph renumbered (b)(3)→(b)(4) is
``renumbered``, not removed + added. Every line of the summary names the paragraph
(``§ 742.6(b)(10)(iii)(A)(1)``), and the whole names both dates and the FR document that made the
change, so it can be checked against the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.analysis.billdiff import ADDED, REMOVED, RENUMBERED, BillDiff, diff_bills
from scrapers.ecfr_parse import unit_label
from scrapers.records import BillText

__all__ = ["CfrChange", "cfr_diff", "describe"]

_QUOTE = 160


@dataclass
class CfrChange:
    """The change of one CFR part between two days (``before`` is the day before ``after``)."""

    cfr: str                      # 15-cfr-742
    before: str                   # 2026-01-14
    after: str                    # 2026-01-15
    rule: str | None              # FR document number that made it, when known
    diff: BillDiff
    lines: list[str] = field(default_factory=list)

    @property
    def citation(self) -> str:
        title, _, part = self.cfr.partition("-cfr-")
        return f"{title} CFR part {part}"

    def summary(self, limit: int = 5) -> str:
        head = (f"{self.citation}, {self.before} → {self.after}"
                + (f" (FR {self.rule})" if self.rule else "") + ":")
        if not self.lines:
            return f"{head} no change in the text."
        more = len(self.lines) - limit
        body = self.lines[:limit] + ([f"…and {more} more"] if more > 0 else [])
        return "\n".join([head, *(f"• {line}" for line in body)])

    def to_dict(self) -> dict:
        return {"cfr": self.cfr, "before": self.before, "after": self.after, "rule": self.rule,
                "lines": list(self.lines), "changes": [
                    {**c.to_dict(), "label": unit_label(c.key), "old_label": unit_label(c.old_key or c.key)}
                    for c in self.diff.changes]}


def _clip(words: list[str]) -> str:
    text = " ".join(w for chunk in words for w in chunk.split())
    return text if len(text) <= _QUOTE else text[:_QUOTE].rsplit(" ", 1)[0] + "…"


def describe(diff: BillDiff) -> list[str]:
    """One line per changed paragraph, most specific first in document order; each quotes only
    words of the two texts."""
    out = []
    for c in diff.changes:
        if c.key.endswith("/cita"):
            continue                              # the source note moves with every amendment
        label = unit_label(c.key)
        if c.kind == ADDED:
            out.append(f"{label}: added — \"{_clip([c.new_heading, c.new_text])}\"")
        elif c.kind == REMOVED:
            out.append(f"{label}: removed — was \"{_clip([c.old_heading, c.old_text])}\"")
        elif c.kind == RENUMBERED and not (c.inserted or c.deleted):
            out.append(f"{label}: renumbered from {unit_label(c.old_key or '')}")
        else:
            parts = []
            if c.inserted:
                parts.append(f"adds \"{_clip(c.inserted)}\"")
            if c.deleted:
                parts.append(f"removes \"{_clip(c.deleted)}\"")
            if c.heading_changed:
                parts.append(f"heading now \"{c.new_heading}\"")
            out.append(f"{label}: " + "; ".join(parts or ["reworded"]))
    return out


def cfr_diff(old: BillText, new: BillText, *, rule: str | None = None) -> CfrChange:
    diff = diff_bills(old, new)
    return CfrChange(cfr=new.bill_id, before=old.version_code, after=new.version_code, rule=rule, diff=diff,
                     lines=describe(diff))
