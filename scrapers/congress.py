"""Congress.gov API v3 client and the ``congress`` source (bills, their text, the Record).

``CongressClient`` always asks for ``format=json`` and ``limit=250``, sends the key as the
``api_key`` query parameter (the session masks it in logs and errors) and follows
``pagination.next`` — rebased onto the configured base URL, with the key re-appended, so a
``next`` link can never send the key to another host.

``CongressSource.poll`` is incremental ("ask the source what changed"):

1. list the current Congress's bills updated since ``cursor["since"]`` minus one hour;
2. for a watched bill, fetch the detail only if it appears in that list (or lives in another
   Congress, or is new to the watch), and the sub-resources only when they can have changed:
   actions when ``updateDate``/latest action moved, text versions when
   ``updateDateIncludingText`` moved, the others when their count in the detail moved;
3. fetch the govinfo XML of every text version not yet known and yield it as a ``bill_text``
   document; unwatched rows of the list whose title holds a watched term are yielded as
   discovered bills; then the Congressional Record days since ``cursor["crec_since"]``;
4. end with a ``CursorUpdate`` (watermarks only move forward).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scrapers import congress_parse as cp
from scrapers.errors import NotFound, SourceChanged
from scrapers.ids import BillId, current_congress, parse_bill_id
from scrapers.records import (
    BILL,
    BillRecord,
    CursorUpdate,
    DocumentRecord,
    SourceNote,
    UpdatedBill,
    Watch,
)

log = logging.getLogger(__name__)

SOURCE = "congress"
PAGE_LIMIT = 250
MAX_PAGES = 40
OVERLAP = timedelta(hours=1)
FIRST_POLL_LOOKBACK = timedelta(days=1)
# part name → (path suffix, JSON list key, count key in the detail)
PARTS: dict[str, tuple[str, str, str]] = {
    "actions": ("actions", "actions", "actions"),
    "text": ("text", "textVersions", "textVersions"),
    "summaries": ("summaries", "summaries", "summaries"),
    "cosponsors": ("cosponsors", "cosponsors", "cosponsors"),
    "committees": ("committees", "committees", "committees"),
    "related": ("relatedbills", "relatedBills", "relatedBills"),
    "titles": ("titles", "titles", "titles"),
}
ALL_PARTS = tuple(PARTS)
DEMO_KEY_NOTE = ("CONGRESS_API_KEY is DEMO_KEY, which allows 30 requests/hour and 50/day: polls are slowed "
                 "down and may fail. Get a free key at https://api.data.gov/signup/ and set CONGRESS_API_KEY.")


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def fmt_z(dt: datetime) -> str:
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_z(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return _utc(datetime.fromisoformat(cp.iso_z(value).replace("Z", "+00:00")))
    except ValueError:
        return None


class CongressClient:
    """Typed access to the Congress.gov API v3 endpoints the bot uses."""

    def __init__(self, session, base_url: str, api_key: str, *, govinfo_url: str = "https://www.govinfo.gov"):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.govinfo_url = govinfo_url.rstrip("/")

    # ---- transport -------------------------------------------------------------------------
    def _params(self, extra: dict | None = None) -> dict:
        params = {"format": "json", "limit": PAGE_LIMIT}
        params.update(extra or {})
        params["api_key"] = self.api_key
        return params

    def _rebase(self, next_url: str) -> tuple[str, dict]:
        """A ``pagination.next`` link → (our base URL + its path after /v3, its query without a key)."""
        parts = urlsplit(next_url)
        path = parts.path
        cut = path.find("/v3/")
        rest = path[cut + 3:] if cut >= 0 else path
        query = {k: v for k, v in parse_qsl(parts.query) if k != "api_key"}
        return self.base_url + rest, query

    def get(self, path: str, params: dict | None = None) -> dict:
        return self.session.get_json(f"{self.base_url}{path}", params=self._params(params))

    def get_all(self, path: str, key: str, params: dict | None = None) -> Iterator[dict]:
        """Every item of a list endpoint, page after page."""
        url, query = f"{self.base_url}{path}", dict(params or {})
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            data = self.session.get_json(url, params=self._params(query))
            items = cp.need_list(data, key, path)
            yield from items
            nxt = (data.get("pagination") or {}).get("next")
            if not nxt or not items:
                return
            url, query = self._rebase(nxt)
            marker = url + "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))
            if marker in seen:
                return
            seen.add(marker)
        log.warning("congress: stopped paging %s after %d pages", path, MAX_PAGES)

    # ---- bills -----------------------------------------------------------------------------
    @staticmethod
    def bill_path(bill: BillId) -> str:
        return f"/bill/{bill.congress}/{bill.type}/{bill.number}"

    def detail(self, bill_id: str | BillId) -> BillRecord:
        """The bill detail only. A 404 raises ``NotFound`` naming the bill."""
        bill = bill_id if isinstance(bill_id, BillId) else parse_bill_id(bill_id)
        path = self.bill_path(bill)
        try:
            data = self.get(path)
        except NotFound:
            raise NotFound(f"{bill.display} ({bill}) was not found at Congress.gov") from None
        record = cp.parse_detail(data, api_url=f"{self.base_url}{path}")
        if record.bill_id != str(bill):
            raise SourceChanged(f"Congress.gov answered {record.bill_id} when asked for {bill}", source=SOURCE)
        return record

    def fetch_parts(self, record: BillRecord, parts: tuple[str, ...] | list[str]) -> BillRecord:
        """Fill the named sub-resources of ``record`` (in place) and return it."""
        path = self.bill_path(parse_bill_id(record.bill_id))
        for part in parts:
            suffix, key, _ = PARTS[part]
            try:
                items = list(self.get_all(f"{path}/{suffix}", key))
            except NotFound:
                raise SourceChanged(f"Congress.gov has no {suffix} for {record.bill_id} although the bill exists",
                                    source=SOURCE) from None
            if part == "actions":
                record.actions = cp.parse_actions(items)
            elif part == "text":
                record.text_versions = cp.parse_text_versions(items, cp.GOVINFO_PUBLIC)   # public; fetched rebased
            elif part == "summaries":
                record.summaries = cp.parse_summaries(items)
            elif part == "cosponsors":
                record.cosponsors = cp.parse_cosponsors(items)
            elif part == "committees":
                record.committees = cp.parse_committees(items)
            elif part == "related":
                record.related = cp.parse_related(items)
            elif part == "titles":
                record.titles = cp.parse_titles(items)
                record.short_title = record.short_title or cp.short_title_from_titles(record.titles)
        return record

    def bill(self, bill_id: str | BillId, parts: tuple[str, ...] | list[str] = ALL_PARTS) -> BillRecord:
        """Detail plus the named sub-resources (all by default)."""
        return self.fetch_parts(self.detail(bill_id), parts)

    def updated_bills(self, congress: int, since: datetime, until: datetime | None = None) -> Iterator[UpdatedBill]:
        """Bills of ``congress`` whose ``updateDate`` falls in [since, until], oldest update first."""
        params: dict[str, Any] = {"fromDateTime": fmt_z(since), "sort": "updateDate+asc"}
        if until is not None:
            params["toDateTime"] = fmt_z(until)
        for i, row in enumerate(self.get_all(f"/bill/{congress}", "bills", params)):
            yield cp.parse_list_row(row, i)


def known_entry(record: BillRecord, text_codes: list[str] | None = None) -> dict:
    """What ``Watch.known[bill]`` should hold after storing ``record`` (the pipeline builds it).

    ``text_codes`` are the versions whose text documents are stored (default: the record's).
    """
    codes = text_codes if text_codes is not None else [v.code for v in record.text_versions or []]
    la = record.latest_action
    return {"update_date": record.update_date, "update_date_including_text": record.update_date_including_text,
            "text_versions": sorted(set(codes)), "counts": cp.detail_counts(record.raw),
            "latest_action": f"{la.date.isoformat()}|{la.text}" if la else ""}


def parts_to_refetch(record: BillRecord, known: dict | None) -> list[str]:
    """The sub-resources of a freshly fetched detail that can have changed since ``known``."""
    if not known:
        return list(ALL_PARTS)
    counts_now, counts_then = cp.detail_counts(record.raw), known.get("counts") or {}
    la = record.latest_action
    latest = f"{la.date.isoformat()}|{la.text}" if la else ""
    moved = record.update_date != known.get("update_date")
    moved_text = record.update_date_including_text != known.get("update_date_including_text")
    parts = []
    for part, (_, _, count_key) in PARTS.items():
        changed_count = count_key not in counts_then or counts_now.get(count_key) != counts_then.get(count_key)
        if part == "actions":
            latest_moved = latest != known["latest_action"] if "latest_action" in known else moved
            if changed_count or latest_moved:
                parts.append(part)
        elif part == "text":
            if moved_text or changed_count:
                parts.append(part)
        elif changed_count and (moved or moved_text):
            parts.append(part)
    return parts


def title_matches(title: str, terms: list[str]) -> str | None:
    """The first watched term found in ``title`` as a whole phrase (case-insensitive)."""
    for term in terms:
        t = " ".join(term.split())
        if t and re.search(rf"(?<!\w){re.escape(t)}(?!\w)", title, re.I):
            return term
    return None


BACKFILL_CREC_DAYS = 92          # one quarter of daily Records per backfill poll


class CongressSource:
    """The ``congress`` source: watched bills, their text versions, discovery, the Record."""

    name = SOURCE

    def __init__(self, client: CongressClient, govinfo, *, demo_key: bool,
                 now: Callable[[], datetime] | None = None, crec_days: int | None = None):
        self.client = client
        self.govinfo = govinfo
        self.demo_key = demo_key
        self.now = now or (lambda: datetime.now(UTC))
        self.crec_days = crec_days if crec_days is not None else (1 if demo_key else 3)

    def poll(self, watch: Watch, cursor: dict) -> Iterator[BillRecord | DocumentRecord | CursorUpdate | SourceNote]:
        start = _utc(self.now())
        cursor = dict(cursor or {})
        if self.demo_key:
            yield SourceNote("warning", DEMO_KEY_NOTE, key="congress:demo_key")
        watched: list[BillId] = []
        for raw in watch.bills:
            try:
                watched.append(parse_bill_id(raw))
            except Exception:  # noqa: BLE001 - a bad id in the watchlist should not stop the poll
                yield SourceNote("warning", f"watchlist entry {raw!r} is not a bill id; skipped", key=f"badid:{raw}")
        congress = current_congress(start.date())
        since = parse_z(cursor.get("since"))
        newest: datetime | None = None
        rows: dict[str, UpdatedBill] = {}
        terms = [t for t in watch.terms if t.strip()]
        if terms or any(b.congress == congress for b in watched):
            frm = (since - OVERLAP) if since else (start - FIRST_POLL_LOOKBACK)
            for row in self.client.updated_bills(congress, frm, start):
                rows[row.bill_id] = row
                seen = parse_z(row.update_date)
                if seen and (newest is None or seen > newest):
                    newest = seen
        short_titles = dict(watch.short_titles)
        for bill in watched:
            for item in self._poll_bill(bill, watch, rows, congress):
                if isinstance(item, BillRecord) and item.short_title:
                    short_titles[item.bill_id] = item.short_title
                yield item
        watched_ids = {str(b) for b in watched}
        for row in rows.values():
            if row.bill_id in watched_ids:
                continue
            term = title_matches(row.title, terms)
            if term:
                yield self._discovered(row, term)
        crec_watch = Watch(bills=list(watch.bills), short_titles=short_titles)
        crec_next = yield from self._poll_crec(crec_watch, cursor, start.date())
        new_since = min(newest, start) if newest else start
        old = parse_z(cursor.get("since"))
        if old and old > new_since:
            new_since = old
        update = {**cursor, "since": fmt_z(new_since)}
        if crec_next:
            update["crec_since"] = crec_next
        yield CursorUpdate(update)

    # ---- one watched bill ------------------------------------------------------------------
    def _poll_bill(self, bill: BillId, watch: Watch, rows: dict[str, UpdatedBill], congress: int):
        key = str(bill)
        known = watch.known.get(key)
        row = rows.get(key)
        if known and bill.congress == congress:
            if row is None:
                return
            if (row.update_date == known.get("update_date") and row.update_date_including_text
                    and row.update_date_including_text == known.get("update_date_including_text")):
                return
        try:
            record = self.client.detail(bill)
        except NotFound as exc:
            yield SourceNote("warning", f"{exc}; check the number and Congress in the watchlist",
                             key=f"notfound:{key}")
            return
        if known and record.update_date == known.get("update_date") and \
                record.update_date_including_text == known.get("update_date_including_text"):
            return
        self.client.fetch_parts(record, parts_to_refetch(record, known))
        known_codes = set((known or {}).get("text_versions") or [])
        docs = []
        for item in self.govinfo.new_text_documents(bill, record, known_codes, "at Congress.gov"):
            if isinstance(item, SourceNote):
                yield item
            else:
                docs.append(item)
        if not record.short_title:
            record.short_title = next((d.meta.get("short_title") for d in docs if d.meta.get("short_title")), "")
        yield record
        yield from docs

    def _discovered(self, row: UpdatedBill, term: str) -> DocumentRecord:
        bill = parse_bill_id(row.bill_id)
        la = row.latest_action
        content = {"bill_id": row.bill_id, "title": row.title,
                   "latest_action": {"date": la.date.isoformat(), "text": la.text} if la else None}
        return DocumentRecord(kind=BILL, external_id=row.bill_id, title=row.title, url=bill.congress_gov_url(),
                              source=SOURCE, content=content, text=row.title,
                              meta={"discovery": {"term": term}, "update_date": row.update_date},
                              date=la.date if la else None,
                              fetched_url=f"{self.client.base_url}/bill/{bill.congress}")

    # ---- Congressional Record --------------------------------------------------------------
    def _poll_crec(self, watch: Watch, cursor: dict, today: date):
        """Check at most ``crec_days`` days from ``crec_since`` (never before the recent window,
        except in a backfill, which starts at ``since``); returns the next ``crec_since`` (the day
        after the newest issue found, or the old value)."""
        if not (watch.bills or watch.short_titles) or self.govinfo is None:
            return cursor.get("crec_since")
        floor = today - timedelta(days=self.crec_days - 1 if self.crec_days > 1 else 1)
        old = date.fromisoformat(cursor["crec_since"]) if cursor.get("crec_since") else None
        day = max(old or floor, floor)
        backfill = parse_z(cursor.get("since")) if cursor.get("backfill") else None
        limit = self.crec_days
        if backfill is not None:
            day = backfill.date()
            limit = BACKFILL_CREC_DAYS        # a backfill reads the Record day by day, up to a bound
        last_found = None
        checked = 0
        while day <= today and checked < limit:
            try:
                yield from self.govinfo.crec_mentions(day, watch)
                last_found = day
            except NotFound:
                log.info("congress: no Congressional Record issue for %s (yet)", day)
            checked += 1
            day += timedelta(days=1)
        if last_found is None:
            return cursor.get("crec_since") or floor.isoformat()
        nxt = (last_found + timedelta(days=1)).isoformat()
        return max(nxt, cursor.get("crec_since") or nxt)
