"""govinfo BILLSTATUS bulk data as a bill source: no API key, no hourly quota.

govinfo publishes every bill's status as one XML file
(``{govinfo}/bulkdata/BILLSTATUS/{congress}/{type}/BILLSTATUS-{congress}{type}{number}.xml``) and
lists them in sitemaps with each file's ``<lastmod>``: a sitemap index
(``{govinfo}/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml``, one ``<sitemap>`` per Congress and
bill type, with the newest ``lastmod`` inside it) and one ``urlset`` per group
(``…/BILLSTATUS/119hr/sitemap.xml``).

``BulkBillStatusSource.poll`` asks only for what changed since the watermark:

1. the index (conditional GET: its ETag is kept in the cursor) — a group's sitemap is opened only
   when the group holds a watched bill and its ``lastmod`` moved since the last poll;
2. a group sitemap (conditional GET too) gives each watched bill's file ``lastmod``;
3. a bill's file is fetched only when its ``lastmod`` is newer than the one last served (or the
   bill is new to the watch), parsed by ``scrapers.billstatus`` into the same ``BillRecord`` a
   Congress.gov poll produces, and yielded unless the stored record is more recent (then a note
   says so: the more recently updated record wins);
4. text versions not yet stored come from govinfo's bill XML, as in the Congress.gov source;
5. a ``CursorUpdate`` carries the per-group and per-bill ``lastmod``s and ``served_through``: the
   oldest ``updateDate`` among the files it served of the newest Congress (the one Congress.gov
   lists by update date), from which Congress.gov can pick up.

URLs are built from the configured govinfo base; a sitemap's absolute ``<loc>`` is never
followed (only its file name is read), so nothing is fetched from another host.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from scrapers.billstatus import parse_billstatus
from scrapers.errors import NotFound, SourceChanged
from scrapers.ids import BillId, parse_bill_id
from scrapers.records import BillRecord, CursorUpdate, DocumentRecord, SourceNote, Watch
from scrapers.xmlsafe import parse_xml, strip_ns

log = logging.getLogger(__name__)

SOURCE = "billstatus"
_FILE_RE = re.compile(r"BILLSTATUS-(\d+)([a-z]+)(\d+)\.xml$")
_GROUP_RE = re.compile(r"/BILLSTATUS/(\d+[a-z]+)/sitemap\.xml$")


def group_of(bill: BillId) -> str:
    return f"{bill.congress}{bill.type}"


def _entries(root, kind: str) -> list[tuple[str, str]]:
    """(loc, lastmod) of each ``<sitemap>`` / ``<url>`` of a sitemap document."""
    out = []
    for el in root:
        if strip_ns(el.tag) != kind:
            continue
        loc = lastmod = ""
        for child in el:
            name = strip_ns(child.tag)
            if name == "loc":
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = (child.text or "").strip()
        if loc:
            out.append((loc, lastmod))
    return out


class BulkBillStatusSource:
    """Watched bills from govinfo's BILLSTATUS bulk data (see the module docstring)."""

    name = SOURCE

    def __init__(self, session, govinfo_url: str, govinfo=None):
        self.session = session
        self.base = govinfo_url.rstrip("/")
        self.govinfo = govinfo            # a GovinfoClient for bill text, or None
        self.bytes = 0

    def index_url(self) -> str:
        return f"{self.base}/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"

    def group_url(self, group: str) -> str:
        return f"{self.base}/sitemap/bulkdata/BILLSTATUS/{group}/sitemap.xml"

    def file_url(self, bill: BillId) -> str:
        return (f"{self.base}/bulkdata/BILLSTATUS/{bill.congress}/{bill.type}/"
                f"BILLSTATUS-{bill.congress}{bill.type}{bill.number}.xml")

    def _get(self, url: str, etag: str | None):
        result = self.session.get(url, headers={"Accept": "application/xml, text/xml"}, etag=etag)
        self.bytes += len(result.content)
        if not result.not_modified and result.content[:512].lstrip().lower().startswith((b"<!doctype html",
                                                                                           b"<html")):
            raise SourceChanged(f"govinfo bulk data: expected XML, got an HTML page from {result.url}",
                                source=SOURCE, url=result.url)
        return result

    def _sitemap(self, url: str, etag: str | None, kind: str):
        """(entries or None when not modified, new etag)."""
        result = self._get(url, etag)
        if result.not_modified:
            return None, etag
        root = parse_xml(result.content, source=SOURCE)
        expected = "sitemapindex" if kind == "sitemap" else "urlset"
        if strip_ns(root.tag) != expected:
            raise SourceChanged(f"govinfo bulk data: {url} is <{strip_ns(root.tag)}>, expected <{expected}>",
                                source=SOURCE, url=url)
        return _entries(root, kind), result.etag

    def poll(self, watch: Watch, cursor: dict) -> Iterator[BillRecord | DocumentRecord | CursorUpdate | SourceNote]:
        cursor = dict(cursor or {})
        groups_state: dict = dict(cursor.get("groups") or {})
        files: dict = dict(cursor.get("files") or {})
        watched: dict[str, list[BillId]] = {}
        for raw in watch.bills:
            try:
                bill = parse_bill_id(raw)
            except Exception:  # noqa: BLE001 - a bad id in the watchlist should not stop the poll
                yield SourceNote("warning", f"watchlist entry {raw!r} is not a bill id; skipped", key=f"badid:{raw}")
                continue
            watched.setdefault(group_of(bill), []).append(bill)
        update: dict = {**cursor}
        if not watched:
            yield CursorUpdate(update)
            return
        index, index_etag = self._sitemap(self.index_url(), cursor.get("index_etag"), "sitemap")
        group_lastmod: dict[str, str] = {}
        if index is not None:
            for loc, lastmod in index:
                m = _GROUP_RE.search(loc)
                if m:
                    group_lastmod[m.group(1)] = lastmod
        served: dict[int, str] = {}           # Congress → oldest updateDate served
        for group, bills in sorted(watched.items()):
            state = dict(groups_state.get(group) or {})
            new_bill = any(str(b) not in files for b in bills)
            moved = new_bill or (index is not None and group_lastmod.get(group, "") != state.get("lastmod"))
            if index is not None and group not in group_lastmod:
                yield SourceNote("info", f"govinfo bulk data lists no BILLSTATUS files for {group} (yet)",
                                 key=f"bulk:nogroup:{group}")
                continue
            if not moved:
                continue
            entries, etag = self._sitemap(self.group_url(group), None if new_bill else state.get("etag"), "url")
            lastmods: dict[str, str] = {}
            for loc, lastmod in entries or []:
                m = _FILE_RE.search(loc)
                if m:
                    lastmods[f"{m.group(2)}{m.group(3)}-{m.group(1)}"] = lastmod
            for bill in bills:
                key = str(bill)
                if entries is not None and key not in lastmods:
                    yield SourceNote("info", f"{bill.display}: no BILLSTATUS file in govinfo bulk data (yet)",
                                     key=f"bulk:nofile:{key}")
                    continue
                lastmod = lastmods.get(key, "")
                if entries is None or (key in files and watch.known.get(key) and lastmod <= files[key]):
                    continue
                item = yield from self._bill(bill, watch)
                files[key] = lastmod
                if item:
                    served[bill.congress] = min(item, served.get(bill.congress, item))
            groups_state[group] = {"lastmod": group_lastmod.get(group, state.get("lastmod", "")),
                                   "etag": etag}
        update.update(index_etag=index_etag, groups=groups_state, files=files)
        if served:
            update["served_through"] = served[max(served)]     # of the newest Congress polled
        else:
            update.pop("served_through", None)
        yield CursorUpdate(update)

    def _bill(self, bill: BillId, watch: Watch):
        """Fetch, parse and yield one bill's record and its new text versions; returns its updateDate
        when the record was yielded."""
        key = str(bill)
        url = self.file_url(bill)
        try:
            result = self._get(url, None)
        except NotFound:
            yield SourceNote("info", f"{bill.display}: BILLSTATUS file listed but not found at {url}",
                             key=f"bulk:nofile:{key}")
            return None
        record = parse_billstatus(result.content, url=result.url)   # text versions named by their public URL
        if record.bill_id != key:
            raise SourceChanged(f"govinfo bulk data: {url} holds {record.bill_id}, not {key}", source=SOURCE, url=url)
        known = watch.known.get(key) or {}
        stored = known.get("update_date") or ""
        if stored and record.update_date and record.update_date < stored:
            yield SourceNote("info", f"{bill.display}: the BILLSTATUS file (updated {record.update_date}) is older "
                             f"than the stored record ({stored}); the stored one stays", key=f"bulk:older:{key}")
            return None
        if stored and record.update_date == stored:
            return None                       # the same state Congress.gov already served
        known_codes = set(known.get("text_versions") or [])
        docs = []
        if self.govinfo is not None:
            for item in self.govinfo.new_text_documents(bill, record, known_codes, "in BILLSTATUS"):
                if isinstance(item, SourceNote):
                    yield item
                else:
                    docs.append(item)
        if not record.short_title:
            record.short_title = next((d.meta.get("short_title") for d in docs if d.meta.get("short_title")), "")
        for doc in docs:
            doc.source = SOURCE
        yield record
        yield from docs
        return record.update_date or ""
