"""Documents, immutable versions, search passages and changes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from scrapers.records import (
    BILL,
    BILL_TEXT,
    CONGRESSIONAL_RECORD,
    FR_DOCUMENT,
    NEWS,
    PRESS_RELEASE,
    PUBLIC_INSPECTION,
    BillRecord,
    DocumentRecord,
)
from scrapers.records import Passage as P
from storage.models import Change, Deadline, Delivery, Document, DocumentVersion, Passage
from storage.repo.base import ChangeInfo, dumps, sha256


class Analyzer(Protocol):
    """What ``record`` needs from the analysis room (passed in; storage never imports it)."""

    def classify_action(self, action) -> tuple[str | None, bool]: ...      # (stage or None, procedural)
    def stages(self, actions: list, bill_type: str) -> list[tuple[str, date | None]]: ...
    def vote(self, text: str, votes: list) -> str | None: ...                # "369 - 22", "by voice vote"
    def stage_headline(self, short: str, stage: str, tally: str | None) -> str: ...
    def headline(self, kind: str, **facts: Any) -> str: ...                  # how a change reads
    def change_key(self, kind: str, *parts: Any) -> str: ...                # its natural unique key
    def materiality(self, kind: str, **facts: Any) -> str: ...


FIRST_VERSION_KINDS = {FR_DOCUMENT: "fr_document", PUBLIC_INSPECTION: "public_inspection",
                       PRESS_RELEASE: "press_release", NEWS: "news", CONGRESSIONAL_RECORD: "crec_mention",
                       BILL_TEXT: "text_version"}


class DocumentsMixin:
    # ---- recording ------------------------------------------------------------------------
    def record(self, records: Iterable[DocumentRecord | BillRecord], analyzer: Analyzer | None = None,
               *, watched_bills: set[str] | None = None) -> list[ChangeInfo]:
        """Record a batch (one source response) in one transaction; returns the new changes.

        Recording the same records again creates nothing; a changed payload creates exactly one
        new version and its change(s). ``analyzer`` defaults to the repo's own (``Repo.analyzer``,
        which the Context sets); with neither, recording refuses rather than record no stages."""
        batch = list(records)
        analyzer = analyzer or self.analyzer
        if analyzer is None:
            raise ValueError("Repo.record needs an analyzer (bot.analysis.analyzer.Analyzer, or the repo's own): "
                             "without one no stage, vote or materiality would be recorded")
        return self.retry_conflicts(lambda: self._record_batch(batch, analyzer, watched_bills or set()))

    def _record_batch(self, records: list, analyzer: Analyzer, watched_bills: set[str]) -> list[ChangeInfo]:
        changes: list[Change] = []
        with self.tx() as s:
            for rec in records:
                if isinstance(rec, BillRecord):
                    changes += self._record_bill(s, rec, analyzer)
                elif isinstance(rec, DocumentRecord):
                    changes += self._record_document(s, rec, analyzer, watched_bills)
            s.flush()
            return [ChangeInfo.from_row(c) for c in changes if not isinstance(c, _Skip)]

    def _document(self, s: Session, kind: str, external_id: str, *, lock: bool = False) -> Document | None:
        """``lock``: hold the row until commit (PostgreSQL ``FOR UPDATE``; SQLite's write transaction
        already excludes other writers), so two instances adding versions of one document queue up."""
        q = select(Document).where(Document.kind == kind, Document.external_id == external_id)
        return s.exec(q.with_for_update() if lock else q).first()

    def _upsert_document(self, s: Session, rec: DocumentRecord) -> Document:
        doc = self._document(s, rec.kind, rec.external_id, lock=True)
        parent_id = None
        if rec.parent:
            parent = self._document(s, *rec.parent)
            parent_id = parent.id if parent else None
        if doc is None:
            self.insert_ignore(s, Document, dict(
                kind=rec.kind, external_id=rec.external_id, title=rec.title or rec.external_id, url=rec.url,
                source=rec.source, parent_id=parent_id, doc_date=rec.date, first_seen_at=self.now(),
                updated_at=self.now(), version_count=0), ["kind", "external_id"])
            doc = self._document(s, rec.kind, rec.external_id, lock=True)
        elif parent_id and not doc.parent_id:
            doc.parent_id = parent_id
        return doc

    def _add_version(self, s: Session, doc: Document, rec: DocumentRecord) -> DocumentVersion | None:
        """Insert the version unless its hash is known; returns the new version or None."""
        digest = sha256(rec.content)
        raw = rec.raw.encode("utf-8") if isinstance(rec.raw, str) else rec.raw
        version = self.insert_returning(s, DocumentVersion, dict(
            document_id=doc.id, seq=doc.version_count + 1, content_sha256=digest, fetched_at=self.now(),
            fetched_url=rec.fetched_url or rec.url, title=rec.title, content_json=dumps(rec.content),
            text=rec.text, meta_json=dumps(rec.meta), raw=raw), ["document_id", "content_sha256"])
        if version is None:
            self._complete(s, doc, digest, rec, raw)
            return None
        doc.version_count += 1
        doc.latest_version_id = version.id
        doc.title = rec.title or doc.title
        doc.url = rec.url or doc.url
        doc.doc_date = rec.date or doc.doc_date
        doc.updated_at = self.now()
        s.add(doc)
        self._index(s, doc, version, rec)
        return version

    def _complete(self, s: Session, doc: Document, digest: str, rec: DocumentRecord, raw) -> None:
        """Fill in the full text of a stored version that was saved without it (the text fetch
        failed then): same content, so no new version and no change — the version is completed."""
        if not rec.meta.get("has_text"):
            return
        version = s.exec(select(DocumentVersion).where(DocumentVersion.document_id == doc.id,
                                                       DocumentVersion.content_sha256 == digest)).one()
        if json.loads(version.meta_json or "{}").get("has_text", True):
            return
        version.text, version.meta_json, version.raw = rec.text, dumps(rec.meta), raw
        s.add(version)
        if doc.latest_version_id == version.id:
            self._index(s, doc, version, rec, replace=True)

    def _index(self, s: Session, doc: Document, version, rec: DocumentRecord, *, replace: bool = False) -> None:
        """Replace the document's current passages with this version's (one UPDATE, one bulk INSERT)."""
        if doc.version_count > 1 or replace:
            s.execute(update(Passage).where(Passage.document_id == doc.id, Passage.current == True)  # noqa: E712
                      .values(current=False))
        ids = " ".join(filter(None, [rec.external_id, rec.parent[1] if rec.parent else "",
                                     rec.meta.get("ids", ""), rec.title]))
        passages = rec.passages or [_whole(rec)]
        s.execute(insert(Passage.__table__), [
            dict(version_id=version.id, document_id=doc.id, ordinal=n, anchor=p.anchor[:200], heading=p.heading,
                 text=p.text, ids=ids, current=True) for n, p in enumerate(passages)])

    def _record_document(self, s: Session, rec: DocumentRecord, analyzer: Analyzer,
                         watched_bills: set[str]) -> list[Change]:
        doc = self._upsert_document(s, rec)
        first = doc.version_count == 0
        previous_id = doc.latest_version_id
        version = self._add_version(s, doc, rec)
        if version is None:
            return []
        out: list[Change] = []
        if rec.kind == BILL and rec.meta.get("discovery") and rec.external_id not in watched_bills and first:
            term = rec.meta["discovery"].get("term", "")
            out.append(self._change(s, analyzer, key=analyzer.change_key("new_matching_bill", rec.external_id),
                                    kind="new_matching_bill", doc=doc, subject=rec.external_id,
                                    headline=analyzer.headline("new_matching_bill", term=term, title=rec.title),
                                    detail={"term": term, "title": rec.title, "url": rec.url},
                                    change_date=rec.date, to_version=version.id))
        elif rec.kind in FIRST_VERSION_KINDS and first:
            kind = FIRST_VERSION_KINDS[rec.kind]
            facts = _facts(rec)
            out.append(self._change(s, analyzer, key=analyzer.change_key(kind, rec.external_id), kind=kind, doc=doc,
                                    subject=rec.external_id, headline=analyzer.headline(
                                        kind, doc=rec.external_id, title=rec.title, type=rec.meta.get("type"),
                                        stage=rec.meta.get("stage")),
                                    detail={**facts, "url": rec.url, "title": rec.title},
                                    change_date=rec.date, to_version=version.id,
                                    bill_id=rec.parent[1] if rec.parent and rec.parent[0] == BILL else None,
                                    facts=facts))
        elif rec.kind == FR_DOCUMENT and not first:
            facts = _facts(rec)
            out.append(self._change(s, analyzer, key=analyzer.change_key("fr_updated", rec.external_id,
                                                                            version.content_sha256[:16]),
                                    kind="fr_updated", doc=doc, subject=rec.external_id,
                                    headline=analyzer.headline("fr_updated", doc=rec.external_id, title=rec.title),
                                    detail={**facts, "url": rec.url, "title": rec.title}, change_date=rec.date,
                                    from_version=previous_id, to_version=version.id, facts=facts))
        elif rec.kind == BILL_TEXT and not first:
            out.append(self._change(s, analyzer, key=analyzer.change_key("text_revised", rec.external_id,
                                                                            version.content_sha256[:16]),
                                    kind="text_version", doc=doc, subject=rec.external_id,
                                    headline=analyzer.headline("text_revised", doc=rec.external_id),
                                    detail={"url": rec.url, "republished": True}, change_date=rec.date,
                                    from_version=previous_id, to_version=version.id,
                                    bill_id=rec.parent[1] if rec.parent else None))
        if rec.kind in (FR_DOCUMENT,):
            self._record_deadlines(s, doc, rec)
        if rec.kind == BILL_TEXT and rec.parent:
            self._link_text_version(s, rec, doc)
        return out

    def _record_deadlines(self, s: Session, doc: Document, rec: DocumentRecord) -> None:
        wanted = {(k, date.fromisoformat(str(rec.meta[f])[:10]))
                  for k, f in (("comments_close", "comments_close_on"), ("effective", "effective_on"))
                  if rec.meta.get(f)}
        for row in s.exec(select(Deadline).where(Deadline.document_id == doc.id)):
            row.superseded = (row.kind, row.due) not in wanted
            s.add(row)
        for kind, due in wanted:
            self.insert_ignore(s, Deadline, dict(document_id=doc.id, kind=kind, due=due, superseded=False),
                               ["document_id", "kind", "due"])

    def _change(self, s: Session, analyzer: Analyzer | None, *, key: str, kind: str, doc: Document | None, subject: str,
                headline: str, detail: dict, change_date: date | None, from_version: int | None = None,
                to_version: int | None = None, bill_id: str | None = None, facts: dict | None = None,
                materiality: str | None = None) -> list[Change] | Change:
        level = materiality or analyzer.materiality(kind, **(facts or {}))
        row = self.insert_returning(s, Change, dict(
            key=key[:300], kind=kind, document_id=doc.id if doc else None, bill_id=bill_id, subject=subject[:200],
            headline=headline, detail_json=dumps(detail), from_version_id=from_version, to_version_id=to_version,
            materiality=level, change_date=change_date, detected_at=self.now(), summary_state="pending"), ["key"])
        return row if row is not None else _Skip(None)

    # ---- queries --------------------------------------------------------------------------
    def get_document(self, kind: str, external_id: str) -> dict | None:
        with self.tx() as s:
            doc = self._document(s, kind, external_id)
            if doc is None:
                return None
            version = s.get(DocumentVersion, doc.latest_version_id) if doc.latest_version_id else None
            return _doc_dict(doc, version)

    def document_by_id(self, document_id: int) -> dict | None:
        with self.tx() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                return None
            version = s.get(DocumentVersion, doc.latest_version_id) if doc.latest_version_id else None
            return _doc_dict(doc, version)

    def version(self, version_id: int) -> dict | None:
        with self.tx() as s:
            v = s.get(DocumentVersion, version_id)
            if v is None:
                return None
            doc = s.get(Document, v.document_id)
            return _doc_dict(doc, v)

    def versions(self, kind: str, external_id: str) -> list[dict]:
        with self.tx() as s:
            doc = self._document(s, kind, external_id)
            if doc is None:
                return []
            rows = s.exec(select(DocumentVersion).where(DocumentVersion.document_id == doc.id)
                          .order_by(DocumentVersion.seq)).all()
            return [_doc_dict(doc, v) for v in rows]

    def documents(self, kind: str, *, children_of: tuple[str, str] | None = None) -> list[dict]:
        with self.tx() as s:
            q = select(Document).where(Document.kind == kind)
            if children_of:
                parent = self._document(s, *children_of)
                if parent is None:
                    return []
                q = q.where(Document.parent_id == parent.id)
            out = []
            for doc in s.exec(q.order_by(Document.doc_date, Document.id)):
                v = s.get(DocumentVersion, doc.latest_version_id) if doc.latest_version_id else None
                out.append(_doc_dict(doc, v))
            return out

    def latest_metas(self, kind: str) -> list[tuple[str, dict]]:
        """``(external id, latest version's meta)`` of every stored ``kind`` — one query, whatever is
        stored (the watch's CFR rules are read from the FR documents' metas on every poll)."""
        with self.tx() as s:
            rows = s.exec(select(Document.external_id, DocumentVersion.meta_json)
                          .join(DocumentVersion, DocumentVersion.id == Document.latest_version_id)
                          .where(Document.kind == kind).order_by(Document.id))
            return [(eid, json.loads(meta or "{}")) for eid, meta in rows]

    def stored_ids(self, kind: str, external_ids: Iterable[str], *, with_text: bool = False) -> set[str]:
        """Which of ``external_ids`` are stored as ``kind`` (with ``with_text``: whose latest version
        says ``has_text``) — one query per 500 ids, never a read of every stored document."""
        ids = sorted(set(external_ids))
        out: set[str] = set()
        if not ids:
            return out
        with self.tx() as s:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                if not with_text:
                    out.update(s.exec(select(Document.external_id).where(
                        Document.kind == kind, col(Document.external_id).in_(chunk))))
                    continue
                rows = s.exec(select(Document.external_id, DocumentVersion.meta_json)
                              .join(DocumentVersion, DocumentVersion.id == Document.latest_version_id)
                              .where(Document.kind == kind, col(Document.external_id).in_(chunk)))
                out.update(eid for eid, meta in rows if json.loads(meta or "{}").get("has_text"))
        return out

    def counts(self) -> dict[str, int]:
        """Rows per table (status, tests, benchmarks)."""
        out = {}
        with self.tx() as s:
            for model in (Document, DocumentVersion, Passage, Change, Delivery, Deadline):
                out[model.__tablename__] = s.exec(select(func.count()).select_from(model)).one()
        return out

    def changes(self, *, since: datetime | None = None, kinds: Iterable[str] | None = None,
                ids: Iterable[int] | None = None, summary_state: str | None = None,
                subject: str | None = None, bill_id: str | None = None, limit: int | None = None,
                newest_first: bool = False) -> list[ChangeInfo]:
        with self.tx() as s:
            q = select(Change)
            if since is not None:
                q = q.where(Change.detected_at > since)
            if kinds is not None:
                q = q.where(col(Change.kind).in_(list(kinds)))
            if ids is not None:
                q = q.where(col(Change.id).in_(list(ids)))
            if summary_state is not None:
                q = q.where(Change.summary_state == summary_state)
            if subject is not None:
                q = q.where(Change.subject == subject)
            if bill_id is not None:
                q = q.where(Change.bill_id == bill_id)
            q = q.order_by(col(Change.id).desc() if newest_first else Change.id)
            if limit:
                q = q.limit(limit)
            return [ChangeInfo.from_row(r) for r in s.exec(q)]

    def update_change(self, change_id: int, *, materiality: str | None = None, detail: dict | None = None,
                      summary_id: int | None = None, summary_state: str | None = None,
                      headline: str | None = None) -> None:
        with self.tx() as s:
            row = s.get(Change, change_id)
            if row is None:
                return
            if materiality:
                row.materiality = materiality
            if detail is not None:
                row.detail_json = dumps({**json.loads(row.detail_json or "{}"), **detail})
            if summary_id is not None:
                row.summary_id = summary_id
            if summary_state:
                row.summary_state = summary_state
            if headline:
                row.headline = headline
            s.add(row)

    def add_change(self, *, key: str, kind: str, subject: str, headline: str, materiality: str,
                   change_date: date | None = None, detail: dict | None = None, bill_id: str | None = None,
                   document_id: int | None = None) -> ChangeInfo | None:
        """A change that stems from no new version (deadline reminders, source health...)."""
        with self.tx() as s:
            doc = s.get(Document, document_id) if document_id else None
            row = self._change(s, None, key=key, kind=kind, doc=doc, subject=subject, headline=headline,
                               detail=detail or {}, change_date=change_date, bill_id=bill_id, materiality=materiality)
            return None if isinstance(row, _Skip) else ChangeInfo.from_row(row)

    def deadlines(self, *, start: date, end: date) -> list[dict]:
        """Deadlines due in [start, end] that no later version moved."""
        with self.tx() as s:
            q = (select(Deadline, Document).join(Document, Deadline.document_id == Document.id)
                 .where(Deadline.due >= start, Deadline.due <= end, Deadline.superseded == False)  # noqa: E712
                 .order_by(Deadline.due))
            return [{"document_id": doc.id, "document": doc.external_id, "title": doc.title, "url": doc.url,
                     "kind": d.kind, "due": d.due, "days_left": (d.due - start).days} for d, doc in s.exec(q)]

    def pending_reminders(self, today: date, offsets=(7, 1)) -> list[dict]:
        """Deadlines exactly ``offset`` days away (the daily reminder job)."""
        out = []
        for d in self.deadlines(start=today, end=today + timedelta(days=max(offsets))):
            if d["days_left"] in offsets:
                out.append({**d, "offset": d["days_left"]})
        return out


class _Skip:
    """A change whose key already existed (not new): filtered out of ``record``'s result."""

    def __init__(self, row):
        self.row = row


def _whole(rec: DocumentRecord):
    return P(anchor="", heading=rec.title, text=rec.text or "")


def _facts(rec: DocumentRecord) -> dict:
    m = rec.meta
    facts: dict[str, Any] = {}
    if rec.kind in (FR_DOCUMENT, PUBLIC_INSPECTION):
        facts["doc_type"] = m.get("type", "")
        facts["watched_agency"] = any(str(x.get("watch", "")).startswith("agency:") for x in m.get("matched", []))
    if rec.kind == NEWS:
        facts["relevance"] = float(m.get("relevance", 1.0))
        facts["duplicate"] = bool(m.get("duplicate", False))
    return facts


def _doc_dict(doc: Document, v: DocumentVersion | None) -> dict:
    return {"id": doc.id, "kind": doc.kind, "external_id": doc.external_id, "title": doc.title, "url": doc.url,
            "source": doc.source, "date": doc.doc_date, "first_seen_at": doc.first_seen_at,
            "version_count": doc.version_count, "parent_id": doc.parent_id,
            "version_id": v.id if v else None, "seq": v.seq if v else None,
            "fetched_at": v.fetched_at if v else None,
            "content": json.loads(v.content_json) if v and v.content_json else None,
            "text": v.text if v else None, "meta": json.loads(v.meta_json) if v else {},
            "sha256": v.content_sha256 if v else None}
