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


# the one line each kind of change reads as, from its facts
TEMPLATES = {
    "committee": lambda f: f"{f['short']}: {f['activity']} {f['committee']}",
    "related_bill": lambda f: f"{f['short']}: related bill {f['related']} ({f['relationship']})",
    "summary": lambda f: f"{f['short']}: new CRS summary ({f['action_desc']})",
    "action": lambda f: f"{f['short']}: {f['text']}",
    "cosponsors": lambda f: f"{f['short']}: {f['parts']}",
    "new_matching_bill": lambda f: f'New bill matching "{f["term"]}": {f["title"]}',
    "fr_updated": lambda f: f"Federal Register document {f['doc']} updated: {f['title']}",
    "text_revised": lambda f: f"Text of {f['doc']} was republished with changes",
    "fr_document": lambda f: f"New Federal Register {(f.get('type') or 'document').lower()} {f['doc']}: {f['title']}",
    "public_inspection": lambda f: f"On public inspection ({f.get('type') or 'document'}) {f['doc']}: {f['title']}",
    "press_release": lambda f: f"BIS press release: {f['title']}",
    "news": lambda f: f"News: {f['title']}",
    "crec_mention": lambda f: f"Congressional Record: {f['title']}",
    "text_version": lambda f: f"New text version {f['doc']}: {f.get('stage') or f['title']}",
}


def headline(kind: str, **facts) -> str:
    """The headline of a change of ``kind`` (``H.R. 2683: Referred to the Committee on …``); a kind
    without a template reads as its title."""
    template = TEMPLATES.get(kind)
    return template(facts) if template else str(facts.get("title", kind))


def change_key(kind: str, *parts) -> str:
    """A change's natural key: its kind, then what it stems from (``action:hr2683-119:<hash>``).
    The same facts always give the same key, so recording again never repeats a change."""
    return ":".join([kind, *(str(p) for p in parts)])
