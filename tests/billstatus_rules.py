"""The corpus checks' independent record: what the Library of Congress's action codes (not the
classifier's wording patterns) say a measure reached. Shared by tests/corpus and the unmarked
tests on the committed subset."""

from __future__ import annotations

from datetime import date

PASSAGE_CODES = {"8000": "House", "17000": "Senate"}


def passages_on_record(actions) -> list[tuple[str, date]]:
    """(chamber, date) of the first passage per chamber the LOC recorded (8000 House, 17000 Senate)."""
    out: dict[str, date] = {}
    for a in actions:
        for code in a.codes:
            if code in PASSAGE_CODES:
                out.setdefault(PASSAGE_CODES[code], a.date)
    return sorted(out.items(), key=lambda x: x[1])


def expected_final(record) -> str:
    """The final stage the LOC codes imply (law, veto, presented, both/one chamber, reported, referred)."""
    codes = {c for a in record.actions for c in a.codes}
    resolution = record.type in ("hres", "sres")
    concurrent = record.type in ("hconres", "sconres")
    chambers = {PASSAGE_CODES[c] for c in codes if c in PASSAGE_CODES}
    if "36000" in codes:
        return "Became law"
    if "31000" in codes:
        return "Vetoed"
    if "28000" in codes:
        return "To President"
    if resolution and chambers:
        return "Agreed to"
    if len(chambers) == 2:
        if concurrent:
            return "Agreed to"
        # the second chamber passing with an amendment leaves differences, until a chamber agrees
        second = max((a for a in record.actions if PASSAGE_CODES.keys() & set(a.codes)), key=lambda a: a.date)
        amended = "with an amendment" in " ".join(second.texts).lower()
        settled = any(a.date >= second.date and {"19500", "20500", "21000", "23000"} & set(a.codes)
                      for a in record.actions)
        return "Resolving differences" if amended and not settled else "Passed Congress"
    if chambers:
        return f"Passed {chambers.pop()}"
    # "Ordered to be reported" counts as reported (the project's and the peer classifier's convention)
    if {"5000", "14000"} & codes or any(a.text.lower().startswith(("reported", "ordered to be reported"))
                                        or "reported by" in a.text.lower() for a in record.actions):
        return "Reported"
    if {"H11100", "2000", "11000"} & codes or any("referred to" in a.text.lower() for a in record.actions):
        return "In committee"
    return "Introduced"
