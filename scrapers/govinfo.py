"""govinfo: bill text XML and Congressional Record articles that mention watched bills.

Bill text comes from ``{govinfo_url}/content/pkg/BILLS-…/xml/BILLS-….xml`` (no key needed, no
bot challenge, unlike www.congress.gov). The Congressional Record comes from the govinfo API:
the granule list of ``CREC-YYYY-MM-DD``; only granules whose *title* names a watched bill
("H.R. 2683", "H.R.2683") or a watched short title are opened (summary + text), and kept when
their title or text still matches — a day's Record has hundreds of granules, so this keeps
requests proportional to what concerns the watchlist.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from scrapers.billtext import parse_bill_text, passages, render_text
from scrapers.congress_parse import GOVINFO_PUBLIC, html_to_text, need, need_list
from scrapers.errors import NotFound, SourceChanged
from scrapers.ids import BillId, current_congress, parse_bill_id
from scrapers.records import (
    BILL,
    BILL_TEXT,
    CONGRESSIONAL_RECORD,
    BillText,
    DocumentRecord,
    Passage,
    SourceNote,
    Watch,
    billtext_to_dict,
)

log = logging.getLogger(__name__)

SOURCE = "congress"
MAX_GRANULE_PAGES = 20
_TYPE_PATTERNS = {
    "hr": r"H\.?\s?R\.?", "s": r"S\.", "hjres": r"H\.?\s?J\.?\s?Res\.?", "sjres": r"S\.?\s?J\.?\s?Res\.?",
    "hconres": r"H\.?\s?Con\.?\s?Res\.?", "sconres": r"S\.?\s?Con\.?\s?Res\.?", "hres": r"H\.?\s?Res\.?",
    "sres": r"S\.?\s?Res\.?",
}
_PAGES_RE = re.compile(r"\[Pages? ([A-Z]?\d+)(?:\s*-\s*([A-Z]?\d+))?\]")
_PAGE_MARK = re.compile(r"\[\[Page ([A-Z]?\d+)\]\]")
_HEADER_RE = re.compile(r"\[Congressional Record Volume (\d+), Number (\d+)")


def bill_pattern(bill: BillId) -> re.Pattern:
    """How a bill number is written in the Record: ``H.R. 2683``, ``H.R.2683``, ``H. R. 2683``."""
    flags = 0 if bill.type == "s" else re.I
    return re.compile(rf"(?<![A-Za-z.]){_TYPE_PATTERNS[bill.type]}\s?{bill.number}(?!\d)", flags)


def type_pattern(bill_type: str) -> re.Pattern:
    """Any number of one bill type as the Record writes it; the number is group ``n``
    (``bill_pattern`` for one bill, with the same boundaries)."""
    flags = 0 if bill_type == "s" else re.I
    return re.compile(rf"(?<![A-Za-z.]){_TYPE_PATTERNS[bill_type]}\s?(?P<n>\d+)(?!\d)", flags)


def page_range(text: str, granule_id: str) -> str:
    """``H621-H623`` from the text header, else the first page in the granule id (``PgH621``)."""
    m = _PAGES_RE.search(text or "")
    if m:
        return f"{m.group(1)}-{m.group(2)}" if m.group(2) else m.group(1)
    m = re.search(r"-Pg([A-Z]?\d+)", granule_id)
    return m.group(1) if m else ""


def record_passages(text: str, first_page: str) -> list[Passage]:
    """One passage per printed page (``[[Page H622]]`` markers split the text)."""
    out, page, start = [], first_page, 0
    for m in _PAGE_MARK.finditer(text):
        chunk = text[start:m.start()].strip()
        if chunk:
            out.append(Passage(anchor=f"p. {page}" if page else "", heading="", text=chunk))
        page, start = m.group(1), m.end()
    chunk = text[start:].strip()
    if chunk:
        out.append(Passage(anchor=f"p. {page}" if page else "", heading="", text=chunk))
    return out


class GovinfoClient:
    """Bill text XML (www.govinfo.gov) and Congressional Record granules (api.govinfo.gov)."""

    def __init__(self, session, govinfo_url: str, govinfo_api_url: str, api_key: str):
        self.session = session
        self.govinfo_url = govinfo_url.rstrip("/")
        self.api_url = govinfo_api_url.rstrip("/")
        self.api_key = api_key

    # ---- addresses: the public one is stored and shown, the configured base is fetched --------
    def public_url(self, url: str) -> str:
        """A URL under the configured base (the demo's sandbox) → the same path on www.govinfo.gov."""
        if url and url.startswith(self.govinfo_url + "/"):
            return GOVINFO_PUBLIC + url[len(self.govinfo_url):]
        return url

    def local_url(self, url: str) -> str:
        """A public www.govinfo.gov URL (as stored) → the same path under the configured base."""
        if url and url.startswith(GOVINFO_PUBLIC + "/"):
            return self.govinfo_url + url[len(GOVINFO_PUBLIC):]
        return url

    # ---- bill text -------------------------------------------------------------------------
    def bill_text_url(self, bill_id: str, code: str) -> str:
        b = parse_bill_id(bill_id)
        stem = f"{b.congress}{b.type}{b.number}{code.lower()}"
        return f"{self.govinfo_url}/content/pkg/BILLS-{stem}/xml/BILLS-{stem}.xml"

    def bill_text(self, bill_id: str, code: str, url: str | None = None) -> tuple[BillText, bytes, str]:
        """Fetch and parse one text version: (parsed text, raw bytes, URL it came from)."""
        url = self.local_url(url) if url else self.bill_text_url(bill_id, code)
        result = self.session.get(url, headers={"Accept": "application/xml, text/xml"})
        head = result.content[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise SourceChanged(f"govinfo: expected bill XML, got an HTML page from {result.url}", source=SOURCE,
                                url=result.url)
        text = parse_bill_text(result.content, bill_id=bill_id, version_code=code, source=SOURCE)
        return text, result.content, result.url

    def new_text_documents(self, bill: BillId, record, known_codes: set[str], listed_at: str
                           ) -> Iterator[DocumentRecord | SourceNote]:
        """The text versions ``record`` lists that are not stored yet (``known_codes``), as documents;
        a version listed (at ``listed_at``) but not on govinfo yet is a note, and is asked again later."""
        key = str(bill)
        for version in record.text_versions or []:
            if version.code in known_codes or not version.xml_url:
                continue
            try:
                yield self.bill_text_document(key, version.code, url=self.bill_text_url(key, version.code),
                                              when=version.date, name=version.name)
            except NotFound:
                yield SourceNote("info", f"{bill.display}: text version {version.code.upper()} is listed "
                                 f"{listed_at} but not yet on govinfo", key=f"notext:{key}-{version.code}")

    def bill_text_document(self, bill_id: str, code: str, *, url: str | None = None, when: date | None = None,
                           name: str = "") -> DocumentRecord:
        """A text version as a ``bill_text`` document (content = the parsed section tree)."""
        bt, raw, fetched = self.bill_text(bill_id, code, url)
        public = self.public_url(fetched)        # never the sandbox's address; not part of the content
        bill = parse_bill_id(bill_id)
        stage = bt.stage or name
        return DocumentRecord(
            kind=BILL_TEXT, external_id=bill.version(code), title=f"{bill.display} — {stage} ({code.upper()})",
            url=public, source=SOURCE,
            content=billtext_to_dict(bt), text=render_text(bt), raw=raw,
            meta={"version_code": code.lower(), "stage": stage, "short_title": bt.short_title,
                  "official_title": bt.title, "schema": bt.schema, "xml_url": public},
            date=when or bt.date, parent=(BILL, str(bill)), passages=passages(bt), fetched_url=fetched)

    # ---- Congressional Record --------------------------------------------------------------
    def _api_get(self, url: str, params: dict | None = None) -> dict:
        return self.session.get_json(url, params={**(params or {}), "api_key": self.api_key})

    def _rebase(self, link: str) -> tuple[str, dict]:
        """An absolute govinfo API link → our configured API base + its path, query without a key."""
        parts = urlsplit(link)
        path = parts.path
        base_path = urlsplit(self.api_url).path
        if base_path and path.startswith(base_path + "/"):
            path = path[len(base_path):]
        return self.api_url + path, {k: v for k, v in parse_qsl(parts.query) if k != "api_key"}

    def granules(self, package_id: str) -> Iterator[dict]:
        """Every granule of a package; a missing package raises ``NotFound``."""
        url, params = f"{self.api_url}/packages/{package_id}/granules", {"offsetMark": "*", "pageSize": 100}
        for _ in range(MAX_GRANULE_PAGES):
            data = self._api_get(url, params)
            items = need_list(data, "granules", f"granules of {package_id}")
            yield from items
            nxt = data.get("nextPage")
            if not nxt or not items:
                return
            url, params = self._rebase(nxt)

    def _granule_text(self, package_id: str, granule_id: str, summary: dict) -> tuple[str, bytes]:
        link = (summary.get("download") or {}).get("txtLink")
        if link:
            url, params = self._rebase(link)
        else:
            url, params = f"{self.api_url}/packages/{package_id}/granules/{granule_id}/htm", {}
        result = self.session.get(url, params={**params, "api_key": self.api_key})
        return html_to_text(result.content.decode("utf-8", "replace")), result.content

    def crec_mentions(self, day: date, watch: Watch) -> Iterator[DocumentRecord]:
        """Record articles of ``day`` that mention a watched bill (number or short title)."""
        package_id = f"CREC-{day.isoformat()}"
        congress = current_congress(day)
        # one pattern per bill type, the number captured and looked up: a granule costs the same
        # at 1,000 watched bills as at 20 (a pattern per bill was 1,000 searches and compiles)
        numbers: dict[str, dict[int, str]] = {}
        order: dict[str, int] = {}
        for raw in watch.bills:
            try:
                bill = parse_bill_id(raw)
            except Exception:  # noqa: BLE001 - bad ids are reported by the source
                continue
            if bill.congress == congress:
                numbers.setdefault(bill.type, {})[bill.number] = str(bill)
                order.setdefault(str(bill), len(order))
        by_type = {t: type_pattern(t) for t in numbers}
        by_number = order
        titles: dict[str, list[str]] = {}
        for bid, short in watch.short_titles.items():
            if short and short.strip() and bid.endswith(f"-{congress}"):
                titles.setdefault(" ".join(short.split()), []).append(bid)
        if not by_number and not titles:
            return
        title_res = {t: re.compile(rf"(?<!\w){re.escape(t)}(?!\w)", re.I) for t in titles}

        def matches(text: str) -> list[str]:
            hits = {numbers[t][int(m.group("n"))] for t, rx in by_type.items() for m in rx.finditer(text)
                    if int(m.group("n")) in numbers[t]}
            found = sorted(hits, key=order.__getitem__)
            if not found:
                for t, rx in title_res.items():
                    if rx.search(text):
                        found.extend(b for b in titles[t] if b not in found)
            return found

        for i, granule in enumerate(self.granules(package_id)):
            title = " ".join(str(need(granule, "title", f"granules[{i}]")).split())
            granule_id = str(need(granule, "granuleId", f"granules[{i}]"))
            if not matches(title):
                continue
            try:
                summary = self._api_get(f"{self.api_url}/packages/{package_id}/granules/{granule_id}/summary")
                text, raw = self._granule_text(package_id, granule_id, summary)
            except NotFound:
                log.info("govinfo: granule %s vanished; skipped", granule_id)
                continue
            bills = matches(f"{title}\n{text}")
            if not bills:
                continue
            yield self._crec_document(day, package_id, granule_id, title, summary, text, raw, bills)

    def _crec_document(self, day, package_id, granule_id, title, summary, text, raw, bills) -> DocumentRecord:
        pages = page_range(text, granule_id)
        header = _HEADER_RE.search(text)
        meta = {"pages": pages, "bills": bills, "granule_class": summary.get("granuleClass", ""),
                "package_id": package_id}
        if header:
            meta.update(volume=int(header.group(1)), issue=int(header.group(2)))
        content = {"granule_id": granule_id, "title": title, "date": day.isoformat(), "pages": pages,
                   "text": text}
        return DocumentRecord(
            kind=CONGRESSIONAL_RECORD, external_id=granule_id,
            title=f"{title.title() if title.isupper() else title} (Congressional Record, {day.isoformat()}, {pages})",
            url=f"{GOVINFO_PUBLIC}/content/pkg/{package_id}/html/{granule_id}.htm", source=SOURCE,
            content=content, text=text, raw=raw, meta=meta, date=day, parent=(BILL, bills[0]),
            passages=record_passages(text, pages.split("-")[0]),
            fetched_url=f"{self.api_url}/packages/{package_id}/granules/{granule_id}/summary")
