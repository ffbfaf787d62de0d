"""How a change reads in one line: headlines written by the analysis room, for storage to keep
(``Repo.record`` asks the analyzer; storage writes no wording of its own for stages)."""

from __future__ import annotations

from scrapers.stage_names import VERBS


def stage_headline(short: str, stage: str, tally: str | None) -> str:
    """``H.R. 2683 passed the House 369–22``; ``… by voice vote``."""
    text = f"{short} {VERBS.get(stage, stage)}"
    if tally:
        text += " " + (tally.replace(" - ", "–") if tally[0].isdigit() else tally)
    return text
