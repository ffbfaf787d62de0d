"""Federal Register public inspection: documents filed for publication in the coming days.

``public-inspection-documents/current.json`` lists everything on display now; it is filtered
here to the watched agencies (``agencies[].slug``) and terms (title and subjects). An entry that
leaves the list before it is published was withdrawn: the scraper reports the numbers on display
(``CursorUpdate({"on_display": [...]})``) and :func:`withdrawn` compares two such lists.
A public-inspection entry keeps its document number when published, so ``meta["fr_document_number"]``
links it to the Federal Register document that follows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime

from scrapers.errors import SourceChanged
from scrapers.federal_register import DEFAULT_AGENCIES
from scrapers.news import phrase_regex
from scrapers.records import PUBLIC_INSPECTION, CursorUpdate, DocumentRecord, Passage, SourceNote, Watch

log = logging.getLogger(__name__)

NAME = "public_inspection"
# Fields that change without the filing changing.
VOLATILE = {"page_views", "excerpts", "last_public_inspection_issue", "json_url"}


def withdrawn(previous: list[str], current: list[str], published: set[str]) -> list[str]:
    """Entries on display last time, gone now, and never published: withdrawn before publication."""
    now = set(current)
    return [n for n in previous if n not in now and n not in published]


def _filed_date(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def match_entry(entry: dict, watch: Watch) -> list[dict]:
    """Which watched agencies and terms this entry matches (terms: title and subjects, as phrases)."""
    matched = []
    slugs = {a.get("slug") for a in entry.get("agencies") or [] if isinstance(a, dict)}
    for slug in watch.agencies or DEFAULT_AGENCIES:
        if slug in slugs:
            matched.append({"watch": f"agency:{slug}", "phrase": slug, "where": "agencies"})
    fields = [("title", entry.get("title")), ("subject", entry.get("toc_subject")), ("subject", entry.get("toc_doc")),
              *[("subject", entry.get(f"subject_{i}")) for i in (1, 2, 3)]]
    for term in watch.terms:
        rx = phrase_regex(term)
        where = next((name for name, text in fields if isinstance(text, str) and rx.search(text)), None)
        if where:
            matched.append({"watch": f"term:{term}", "phrase": term, "where": where})
    return matched


def entry_record(entry: dict, matched: list[dict]) -> DocumentRecord:
    """One public-inspection entry → a ``DocumentRecord``."""
    number = entry.get("document_number")
    if not isinstance(number, str) or not number:
        raise SourceChanged("public inspection entry without document_number", source=NAME)
    subjects = [entry.get(k) for k in ("toc_subject", "toc_doc", "subject_1", "subject_2", "subject_3")]
    subjects = [s for s in subjects if isinstance(s, str) and s]
    title = entry.get("title") or (subjects[0] if subjects else number)
    agencies = [a.get("slug") for a in entry.get("agencies") or [] if isinstance(a, dict) and a.get("slug")]
    note = entry.get("editorial_note") if isinstance(entry.get("editorial_note"), str) else ""
    text = "\n".join([title, *[s for s in subjects if s != title], note]).strip()
    meta = {"filed_at": entry.get("filed_at"), "publication_date": entry.get("publication_date"),
            "filing_type": entry.get("filing_type"), "agencies": agencies, "pdf_url": entry.get("pdf_url"),
            "type": entry.get("type"), "docket_numbers": entry.get("docket_numbers") or [],
            "fr_document_number": number, "matched": matched}
    content = {k: v for k, v in sorted(entry.items()) if k not in VOLATILE}
    return DocumentRecord(kind=PUBLIC_INSPECTION, external_id=number, title=title, url=entry.get("html_url"),
                          source=NAME, content=content, text=text, meta=meta, date=_filed_date(entry.get("filed_at")),
                          passages=[Passage(anchor="", heading=title, text=text)])


class PublicInspectionSource:
    """Poll ``public-inspection-documents/current.json`` (see the module docstring)."""

    name = NAME

    def __init__(self, session, base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")

    def poll(self, watch: Watch, cursor: dict, *, today: date | None = None
             ) -> Iterator[DocumentRecord | CursorUpdate | SourceNote]:
        data = self.session.get_json(f"{self.base_url}/public-inspection-documents/current.json")
        results = data.get("results", [] if data.get("count") == 0 else None)
        if not isinstance(results, list):
            raise SourceChanged("public inspection answer has no results list", source=NAME)
        on_display: list[str] = []
        for entry in results:
            if not isinstance(entry, dict):
                raise SourceChanged("public inspection entry is not an object", source=NAME)
            matched = match_entry(entry, watch)
            if not matched:
                continue
            record = entry_record(entry, matched)
            on_display.append(record.external_id)
            yield record
        previous = [n for n in cursor.get("on_display") or [] if isinstance(n, str)]
        gone = [n for n in previous if n not in on_display]
        if gone:
            log.info("public_inspection: no longer on display: %s", ", ".join(gone))
        yield CursorUpdate({"on_display": sorted(on_display)})
