"""Federal Register API: documents of watched agencies and documents matching watched terms.

One search per watched agency (``conditions[agencies][]``) and per watched term
(``conditions[term]`` with the phrase quoted), restricted to a ``publication_date`` window that
starts at the watermark (``cursor["since"]``; first poll: the last 30 days). Long backfills are
split into windows of at most 31 days, so no query nears the API's 10,000-result cap, and no
request ever asks for a page beyond 50. Documents are deduped by document number across queries.

Each document's full text (GPO FR XML at ``full_text_xml_url``, else ``raw_text_url``) is fetched
once: the caller passes the document numbers that already have stored text as ``known``.
Documents whose comment period is still open are remembered (``cursor["tracking"]``) and
re-fetched in one multi-document request per poll, so an extended comment period shows up as a
new version even after its publication date has left the search window.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

from scrapers.bis import parse_html
from scrapers.errors import HostileContent, NotFound, SourceChanged
from scrapers.frtext import parse_fr_xml, plain_text_passages
from scrapers.records import FR_DOCUMENT, CursorUpdate, DocumentRecord, Passage, SourceNote, Watch

log = logging.getLogger(__name__)

NAME = "federal_register"
DEFAULT_AGENCIES = ("industry-and-security-bureau",)
FIELDS = ("document_number", "title", "type", "abstract", "action", "dates", "publication_date", "effective_on",
          "comments_close_on", "agencies", "regulation_id_numbers", "docket_ids", "cfr_references", "citation",
          "html_url", "pdf_url", "raw_text_url", "full_text_xml_url", "correction_of", "significant")
MAX_PAGE = 50           # the API resets page > 50 to 1
_DOCNUM_RE = re.compile(r"(\d{2,4}-\d{3,})")


def parse_day(value: object) -> date | None:
    """A date from a date, an ISO date or the date of an ISO timestamp; else None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def windows(start: date, end: date, days: int = 31) -> list[tuple[date, date]]:
    """``[start, end]`` cut into consecutive inclusive windows of at most ``days`` days."""
    out = []
    lo = start
    while lo <= end:
        hi = min(end, lo + timedelta(days=days - 1))
        out.append((lo, hi))
        lo = hi + timedelta(days=1)
    return out


def document_number_of(value: str | None) -> str | None:
    """``"https://…/api/v1/documents/2026-00789"`` or ``"2026-00789"`` → ``"2026-00789"``."""
    if not value:
        return None
    m = _DOCNUM_RE.search(str(value).rstrip("/").rsplit("/", 1)[-1])
    return m.group(1) if m else None


def deadlines_of(record: DocumentRecord) -> list[tuple[str, date]]:
    """The dated obligations an FR record announces: ``[("comments_close", d), ("effective", d)]``."""
    source = record.meta if record.meta else {}
    content = record.content if isinstance(record.content, dict) else {}
    out = []
    for key, kind in (("comments_close_on", "comments_close"), ("effective_on", "effective")):
        d = parse_day(source.get(key) or content.get(key))
        if d:
            out.append((kind, d))
    return out


def document_content(doc: dict) -> dict:
    """What is hashed: the requested fields only (page views, excerpts and the like never enter)."""
    return {k: doc.get(k) for k in FIELDS if k in doc}


def raw_text_of(body: bytes) -> str:
    """The document's text from a ``raw_text_url`` answer: plain text, or the ``<pre>`` of the HTML
    wrapper the FR serves. An error page or a JSON answer raises ``SourceChanged`` (never stored as
    the document's text)."""
    text = body.decode("utf-8", "replace").strip()
    if text[:1] in ("{", "["):
        raise SourceChanged("raw text answer is JSON, not the document", source=NAME)
    if "<" in text[:200]:
        root = parse_html(body)
        pres = root.xpath("//pre")
        if not pres:
            raise SourceChanged("raw text answer is an HTML page without the document's <pre> text", source=NAME)
        text = "\n".join(p.text_content() for p in pres).strip()
    if not text:
        raise SourceChanged("raw text answer is empty", source=NAME)
    return text


def document_record(doc: dict, matched: list[dict], *, full_text=None, raw_text: str | None = None) -> DocumentRecord:
    """One API document (plus, when fetched, its parsed full text) → a ``DocumentRecord``."""
    number = doc.get("document_number")
    title = doc.get("title")
    if not number or not isinstance(number, str) or not isinstance(title, str):
        raise SourceChanged(f"Federal Register document without document_number/title: {str(doc)[:120]}",
                            source=NAME)
    summary_parts = [p for p in (doc.get("abstract"), doc.get("action"), doc.get("dates")) if isinstance(p, str) and p]
    passages: list[Passage] = []
    if full_text is not None:
        passages = list(full_text.passages)
    elif raw_text:
        passages = plain_text_passages(raw_text)
    elif doc.get("abstract"):
        passages = [Passage(anchor="ABSTRACT", heading="Abstract", text=doc["abstract"])]
    text = "\n\n".join([title, *summary_parts])
    if full_text is not None:
        text += "\n\n" + full_text.text
    elif raw_text:
        text += "\n\n" + raw_text
    agencies = [a.get("slug") for a in doc.get("agencies") or [] if isinstance(a, dict) and a.get("slug")]
    cfr = [f"{c.get('title')} CFR {c.get('part')}" for c in doc.get("cfr_references") or []
           if isinstance(c, dict) and c.get("title") and c.get("part")]
    rins = doc.get("regulation_id_numbers") or []
    meta = {
        "type": doc.get("type"), "publication_date": doc.get("publication_date"),
        "effective_on": doc.get("effective_on"), "comments_close_on": doc.get("comments_close_on"),
        "agencies": agencies, "rin": rins[0] if len(rins) == 1 else rins or None, "rins": rins,
        "docket_ids": doc.get("docket_ids") or [], "citation": doc.get("citation"), "cfr": cfr,
        "correction_of": document_number_of(doc.get("correction_of")),
        "correction_of_url": doc.get("correction_of"), "pdf_url": doc.get("pdf_url"),
        "significant": doc.get("significant"), "matched": matched,
        "has_text": full_text is not None or bool(raw_text),
    }
    parent = (FR_DOCUMENT, meta["correction_of"]) if meta["correction_of"] else None
    return DocumentRecord(kind=FR_DOCUMENT, external_id=number, title=title, url=doc.get("html_url"), source=NAME,
                          content=document_content(doc), text=text, meta=meta,
                          date=parse_day(doc.get("publication_date")), parent=parent, passages=passages)


TEXT_RETRIES = 5      # polls that retry a full text that could not be fetched


class FederalRegisterSource:
    """Poll the Federal Register API (see the module docstring)."""

    name = NAME

    def __init__(self, session, base_url: str, *, backfill_days: int = 30, window_days: int = 31,
                 per_page: int = 100, fetch_full_text: bool = True, track_limit: int = 20) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        # The site root (for full-text and next-page URLs): the API base without "/api/v1".
        self.site_root = re.sub(r"/api/v\d+$", "", self.base_url)
        self.backfill_days = backfill_days
        self.window_days = min(window_days, 31)
        self.per_page = per_page
        self.fetch_full_text = fetch_full_text
        self.track_limit = track_limit

    # ---- URLs ------------------------------------------------------------------------------
    def local_url(self, url: str) -> str:
        """Re-root a federalregister.gov URL (full text) on our configured site root (identity in production,
        the sandbox in tests); URLs on other hosts are refused."""
        parts = urlsplit(url)
        root = urlsplit(self.site_root)
        if parts.netloc and parts.netloc not in ("www.federalregister.gov", "federalregister.gov", root.netloc):
            raise SourceChanged(f"Federal Register pointed at an unexpected host: {parts.netloc}", source=NAME)
        path = parts.path
        if parts.netloc == root.netloc and path.startswith(root.path):
            path = path[len(root.path):]
        return urlunsplit((root.scheme, root.netloc, root.path + path, parts.query, ""))

    def _params(self, condition: tuple[str, str], lo: date, hi: date) -> list[tuple[str, str]]:
        return [condition, ("conditions[publication_date][gte]", lo.isoformat()),
                ("conditions[publication_date][lte]", hi.isoformat()), ("order", "newest"),
                ("per_page", str(self.per_page)), *[("fields[]", f) for f in FIELDS]]

    # ---- search ----------------------------------------------------------------------------
    def search(self, condition: tuple[str, str], lo: date, hi: date) -> Iterator[dict]:
        """Every document matching ``condition`` published in ``[lo, hi]``, page by page while the
        answer has a ``next_page_url`` (never beyond page 50).

        A window with more results than 50 pages can hold is split in two and searched again."""
        url = f"{self.base_url}/documents.json"
        data = self.session.get_json(url, params=self._params(condition, lo, hi))
        count = data.get("count")
        if not isinstance(count, int):
            raise SourceChanged(f"Federal Register search answer has no count ({sorted(data)[:5]})", source=NAME)
        if count > self.per_page * MAX_PAGE and hi > lo:
            mid = lo + (hi - lo) // 2
            log.info("federal_register: %d results for %s %s..%s, splitting the window", count, condition, lo, hi)
            yield from self.search(condition, lo, mid)
            yield from self.search(condition, mid + timedelta(days=1), hi)
            return
        page = 1
        while True:
            results = data.get("results", [] if count == 0 else None)
            if not isinstance(results, list):
                raise SourceChanged("Federal Register search answer has no results list", source=NAME)
            for doc in results:
                if not isinstance(doc, dict):
                    raise SourceChanged("Federal Register result is not an object", source=NAME)
                yield doc
            if not data.get("next_page_url") or not results:
                return
            page += 1
            if page > MAX_PAGE:
                log.warning("federal_register: more than %d pages for %s %s..%s; stopping", MAX_PAGE, condition, lo, hi)
                return
            # The next page is asked with our own conditions (the API's next_page_url names the
            # same ones): the window and fields stay exactly what we asked for.
            data = self.session.get_json(url, params=[*self._params(condition, lo, hi), ("page", str(page))])

    def fetch_documents(self, numbers: list[str]) -> list[dict]:
        """Several documents by number in one request (``/documents/a,b.json``)."""
        if not numbers:
            return []
        url = f"{self.base_url}/documents/{','.join(numbers)}.json"
        data = self.session.get_json(url, params=[("fields[]", f) for f in FIELDS])
        if "results" in data:
            results = data["results"]
        elif "document_number" in data:
            results = [data]
        else:
            raise SourceChanged("Federal Register document answer has neither results nor document_number",
                                source=NAME)
        return [d for d in results if isinstance(d, dict)]

    def full_text(self, doc: dict) -> tuple[object | None, str | None, SourceNote | None]:
        """(parsed FR XML, raw text, note) for one document; transient failures propagate."""
        number = doc["document_number"]
        problem = ""
        if doc.get("full_text_xml_url"):
            try:
                result = self.session.get(self.local_url(doc["full_text_xml_url"]))
                return parse_fr_xml(result.content, document_number=number), None, None
            except (NotFound, SourceChanged, HostileContent) as exc:
                problem = f"full-text XML unusable ({type(exc).__name__}: {exc})"
                log.warning("federal_register: %s: %s", number, problem)
        if doc.get("raw_text_url"):
            try:
                result = self.session.get(self.local_url(doc["raw_text_url"]))
                return None, raw_text_of(result.content), None
            except (NotFound, SourceChanged, HostileContent) as exc:
                problem += f"; raw text unusable ({type(exc).__name__})"
        if not problem:
            return None, None, None
        note = SourceNote("warning", f"Federal Register {number}: {problem}; stored without full text",
                          key=f"fr-fulltext:{number}")
        return None, None, note

    # ---- poll ------------------------------------------------------------------------------
    def conditions(self, watch: Watch) -> list[tuple[tuple[str, str], dict]]:
        """(query condition, matched entry) for every watched agency and term."""
        out = []
        for slug in watch.agencies or DEFAULT_AGENCIES:
            out.append((("conditions[agencies][]", slug), {"watch": f"agency:{slug}", "phrase": slug}))
        for term in watch.terms:
            phrase = " ".join(term.replace('"', " ").split())
            if phrase:
                out.append((("conditions[term]", f'"{phrase}"'), {"watch": f"term:{term}", "phrase": phrase}))
        return out

    def poll(self, watch: Watch, cursor: dict, *, today: date | None = None,
             known: set[str] | Callable[[list[str]], set[str]] | None = None,
             ) -> Iterator[DocumentRecord | CursorUpdate | SourceNote]:
        """Search each window since the watermark; yield records, then the cursor covering them.

        ``known``: the document numbers with stored text, or a function asked once per window with
        the numbers found there (so the caller reads only what the search returned)."""
        today = today or date.today()
        lookup = known if callable(known) else None
        known = set() if lookup else set(known or ())
        since = parse_day(cursor.get("since"))
        start = since or today - timedelta(days=self.backfill_days)
        tracking: dict[str, dict] = dict(cursor.get("tracking") or {})
        done: set[str] = set()
        for lo, hi in windows(start, today, self.window_days):
            found: dict[str, tuple[dict, list[dict]]] = {}
            for condition, match in self.conditions(watch):
                for doc in self.search(condition, lo, hi):
                    number = doc.get("document_number")
                    if not isinstance(number, str):
                        raise SourceChanged("Federal Register result without document_number", source=NAME)
                    entry = found.setdefault(number, (doc, []))
                    if match not in entry[1]:
                        entry[1].append(match)
            if lookup and found:
                known |= lookup(sorted(set(found) - known))
            for number in sorted(found):
                doc, matched = found[number]
                yield from self._emit(doc, matched, known, tracking, today)
                done.add(number)
            since = max(since or hi, hi)
            yield CursorUpdate({"since": since.isoformat(), "tracking": self._trim(tracking, today)})
        pending = [n for n in self._trim(tracking, today) if n not in done][: self.track_limit]
        if pending:
            if lookup:
                known |= lookup(sorted(set(pending) - known))
            for doc in self.fetch_documents(pending):
                number = doc.get("document_number")
                if number in tracking and number not in done:
                    yield from self._emit(doc, tracking[number].get("matched", []), known, tracking, today)
            yield CursorUpdate({"since": (since or today).isoformat(), "tracking": self._trim(tracking, today)})

    def _emit(self, doc: dict, matched: list[dict], known: set[str], tracking: dict, today: date):
        number = doc["document_number"]
        full, raw, note = (None, None, None)
        if self.fetch_full_text and number not in known:
            full, raw, note = self.full_text(doc)
        if note:
            yield note
        yield document_record(doc, matched, full_text=full, raw_text=raw)
        if full is not None or raw:
            known.add(number)
        closes = parse_day(doc.get("comments_close_on"))
        if closes and closes >= today:
            tracking[number] = {"comments_close_on": closes.isoformat(), "matched": matched}
        elif number in tracking:
            tracking[number] = {**tracking[number], "comments_close_on": closes.isoformat() if closes else None}
        if self.fetch_full_text and number not in known:
            # the text could not be fetched: ask again on the next polls (a bounded number of times)
            entry = tracking.get(number, {"comments_close_on": None, "matched": matched})
            tracking[number] = {**entry, "needs_text": int(entry.get("needs_text", 0)) + 1}
        elif number in tracking and "needs_text" in tracking[number]:
            tracking[number] = {k: v for k, v in tracking[number].items() if k != "needs_text"}

    def _trim(self, tracking: dict, today: date) -> dict:
        """Keep open comment periods only (the soonest-closing ``track_limit``)."""
        open_ = {n: t for n, t in tracking.items()
                 if (parse_day(t.get("comments_close_on")) or date.min) >= today or 0 < t.get("needs_text", 0) <= TEXT_RETRIES}
        keep = sorted(open_, key=lambda n: (open_[n].get("comments_close_on") or "", n))[: self.track_limit]
        tracking.clear()
        tracking.update({n: open_[n] for n in keep})
        return dict(tracking)
