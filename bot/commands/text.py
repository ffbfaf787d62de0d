"""``text PATH|VERSION_ID``: one bill text version, unit by unit (its result and its body)."""

from __future__ import annotations

from argparse import Namespace
from dataclasses import dataclass, field

from bot.commands.spec import CLI, Call, Outcome
from bot.services.compare import resolve_version
from bot.services.context import Context
from bot.services.textview import units
from scrapers.records import billtext_from_dict


@dataclass
class VersionText:
    bill: str
    version: str                  # the version id, hr2683-119-eh (the file name when the XML names none)
    date: str | None
    title: str = ""
    units: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"bill": self.bill, "version": self.version, "date": self.date, "units": self.units}

    def __str__(self) -> str:
        head = " — ".join(p for p in (self.version, self.date or "no date", self.title) if p)
        lines = [head, f"{len(self.units)} units", ""]
        for u in self.units:
            words = " ".join(p for p in (u["label"], f"{u['heading']}." if u["heading"] else "", u["text"]) if p)
            lines.append(f"[{u['key']}] {words}")
        return "\n".join(lines)


def text(ctx: Context, args: Namespace, call: Call) -> Outcome:
    doc = resolve_version(ctx, args.ref, local_files=call.front == CLI)
    bt = billtext_from_dict(doc["content"])
    return Outcome(VersionText(bill=bt.bill_id, version=doc["external_id"],
                               date=bt.date.isoformat() if bt.date else None,
                               title=bt.short_title or bt.title, units=units(bt)))
