"""eCFR versioner API: the text of CFR parts on given days (source name ``ecfr``).

Endpoints (base ``LEGISWATCH_ECFR_URL``, ``https://www.ecfr.gov``):

- ``/api/versioner/v1/versions/title-{T}.json?part=P`` — every date a section of the part changed
  (``content_versions``: ``date``, ``identifier``, ``name``, ``part``, ``substantive``, ``removed``…);
- ``/api/versioner/v1/full/{date}/title-{T}.xml?part=P`` — the part's text as of that day
  (parsed by ``scrapers/ecfr_parse.py``).

What to read comes from the watch (``Watch.cfr_parts``: ``"15/742"``; ``Watch.cfr_rules``: the
watched Federal Register rules with the parts they amend and their effective dates). A poll asks
each part's version list; only a part whose latest version date moved since the cursor (or that
a rule newly names) has its text fetched: the day before and the day of each new version date
and of each rule's effective date. A date still ahead, or one eCFR has not caught up with
(after the list's latest date), stays in the cursor's ``pending`` list and is re-checked on
later polls. Each text is a ``cfr_text`` document keyed ``15-cfr-742@2026-01-15``; a refetch
whose text differs is a new version of it (every version kept).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta

from scrapers.ecfr_parse import cfr_id, parse_part, part_key
from scrapers.errors import NotFound, SourceChanged
from scrapers.records import CursorUpdate, DocumentRecord, Passage, SourceNote, Watch, billtext_to_dict

log = logging.getLogger(__name__)

NAME = "ecfr"
CFR_TEXT = "cfr_text"
MAX_DATES_PER_PART = 6          # at most this many new change dates of one part per poll


def parse_ref(value: str) -> tuple[int, str, str | None]:
    """``15 CFR 744`` / ``15 CFR 744.23`` / ``15/744`` → ``(15, "744", "744.23"|None)``; else ``ValueError``."""
    text = " ".join(value.replace("/", " ").replace("§", " ").split())
    parts = text.upper().replace(" C.F.R.", " CFR").replace(" CFR PART ", " CFR ").split()
    if len(parts) == 3 and parts[1] == "CFR":
        parts = [parts[0], parts[2]]
    if len(parts) != 2 or not parts[0].isdigit() or not (1 <= int(parts[0]) <= 50):
        raise ValueError(f"not a CFR part or section: {value!r} (accepted: \"15 CFR 744\", \"15 CFR 744.23\")")
    ident = parts[1]
    part, _, section = ident.partition(".")
    if not part.isdigit() or (section and not section.replace("-", "").isalnum()):
        raise ValueError(f"not a CFR part or section: {value!r} (accepted: \"15 CFR 744\", \"15 CFR 744.23\")")
    return int(parts[0]), part, ident if section else None


class EcfrClient:
    def __init__(self, session, base_url: str) -> None:
        self.session = session
        self.base = base_url.rstrip("/")

    def versions(self, title: int, part: str) -> list[dict]:
        data = self.session.get_json(f"{self.base}/api/versioner/v1/versions/title-{title}.json",
                                     params={"part": part})
        rows = data.get("content_versions")
        if not isinstance(rows, list):
            raise SourceChanged(f"{NAME}: versions of {title} CFR {part} have no content_versions list", source=NAME)
        return [r for r in rows if isinstance(r, dict) and _day(r.get("date"))]

    def part_xml(self, title: int, part: str, on: date) -> bytes:
        result = self.session.get(f"{self.base}/api/versioner/v1/full/{on.isoformat()}/title-{title}.xml",
                                  params={"part": part})
        return result.content


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def public_url(title: int, part: str, on: date) -> str:
    """The part as of ``on`` on www.ecfr.gov: what people open (the fetched base stays provenance)."""
    return f"https://www.ecfr.gov/on/{on.isoformat()}/title-{title}/part-{part}"


def text_record(title: int, part: str, on: date, data: bytes, url: str, *, rule: str | None = None) -> DocumentRecord:
    units = parse_part(data, title=title, on=on)
    passages = [Passage(anchor=u.key, heading=u.heading, text=u.text) for s in units.sections for u in s.walk()
                if u.text or u.heading]
    return DocumentRecord(kind=CFR_TEXT, external_id=part_key(title, part, on), title=f"{title} CFR part {part} "
                          f"as of {on.isoformat()}: {units.title}", url=public_url(title, part, on), source=NAME,
                          content=billtext_to_dict(units), text="\n".join(p.text for p in passages),
                          meta={"title": title, "part": part, "on": on.isoformat(), "cfr": cfr_id(title, part),
                                **({"rule": rule} if rule else {})},
                          date=on, passages=passages, fetched_url=url)


class EcfrSource:
    name = NAME

    def __init__(self, session, base_url: str) -> None:
        self.client = EcfrClient(session, base_url)
        self.base = base_url.rstrip("/")

    def poll(self, watch: Watch, cursor: dict, *, today: date | None = None) -> Iterator:
        today = today or date.today()
        latest: dict = dict(cursor.get("latest", {}))        # "15/742" -> latest version date seen
        fetched: set = set(cursor.get("fetched", []))        # "15/742@2026-01-15"
        pending: list = list(cursor.get("pending", []))      # [{"part": "15/742", "on": date, "rule": n}]
        parts = set(getattr(watch, "cfr_parts", []) or [])
        wants: dict[str, set[tuple[date, str | None]]] = {}
        for rule in getattr(watch, "cfr_rules", []) or []:
            on = _day(rule.get("effective_on"))
            for ref in rule.get("parts", []):
                parts.add(ref)
                if on:
                    wants.setdefault(ref, set()).add((on, rule.get("number")))
        for p in pending:
            parts.add(p["part"])
            if _day(p.get("on")):
                wants.setdefault(p["part"], set()).add((_day(p["on"]), p.get("rule")))
        still: list = []
        for ref in sorted(parts):
            title_s, _, part = ref.partition("/")
            title = int(title_s)
            try:
                rows = self.client.versions(title, part)
            except NotFound:
                yield SourceNote("warning", f"eCFR has no {title} CFR part {part}", key=f"ecfr-missing:{ref}")
                continue
            dates = sorted({_day(r["date"]) for r in rows})
            newest = dates[-1] if dates else None
            moved = newest is not None and newest.isoformat() != latest.get(ref)
            todo = set(wants.get(ref, set()))
            if moved:
                seen = _day(latest.get(ref)) if latest.get(ref) else None
                # a part seen for the first time: its latest change only, not its whole history
                fresh = [d for d in dates if d > seen][-MAX_DATES_PER_PART:] if seen else dates[-1:]
                todo |= {(d, None) for d in fresh}
            records = []
            for on, rule in sorted(todo, key=lambda t: (t[0], t[1] or "")):
                if on > today or newest is None or on > newest:     # ahead, or eCFR not caught up
                    still.append({"part": ref, "on": on.isoformat(), "rule": rule})
                    continue
                for day in (on - timedelta(days=1), on):
                    tag = f"{ref}@{day.isoformat()}"
                    if tag in fetched:
                        continue
                    url = f"{self.base}/api/versioner/v1/full/{day.isoformat()}/title-{title}.xml?part={part}"
                    records.append(text_record(title, part, day, self.client.part_xml(title, part, day), url,
                                               rule=rule))
                    fetched.add(tag)
            if newest is not None:
                latest[ref] = newest.isoformat()
            yield from records
            later = [p for p in pending if p["part"] > ref]
            yield CursorUpdate({"latest": dict(latest), "fetched": sorted(fetched), "pending": still_plus(still + later)})
        yield CursorUpdate({"latest": dict(latest), "fetched": sorted(fetched), "pending": still_plus(still)})


def still_plus(rows: list[dict]) -> list[dict]:
    out, seen = [], set()
    for r in rows:
        key = (r["part"], r["on"], r.get("rule"))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
