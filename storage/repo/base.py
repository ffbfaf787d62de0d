"""Shared plumbing for the repo mixins: transactions, dialect upserts, hashing, value types."""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from storage.db import reader

log = logging.getLogger(__name__)
# PostgreSQL: deadlock_detected, serialization_failure, and unique_violation: another instance
# inserted the same natural key first (a bill, a kv row); run again, the work finds it and updates
RETRYABLE = {"40P01", "40001", "23505"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _default(o: Any):
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if isinstance(o, bytes):
        return o.decode("utf-8", "replace")
    if hasattr(o, "__dataclass_fields__"):
        return asdict(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces — equal content gives equal text (and hash)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def sha256(obj: Any) -> str:
    data = obj if isinstance(obj, str) else dumps(obj)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class ChangeInfo:
    """A detected change, as returned by ``record`` and the change queries."""

    id: int
    key: str
    kind: str
    subject: str
    headline: str
    materiality: str
    change_date: date | None
    detected_at: datetime
    bill_id: str | None = None
    document_id: int | None = None
    detail: dict = field(default_factory=dict)
    from_version_id: int | None = None
    to_version_id: int | None = None
    summary_id: int | None = None
    summary_state: str = "pending"

    @classmethod
    def from_row(cls, row) -> ChangeInfo:
        return cls(id=row.id, key=row.key, kind=row.kind, subject=row.subject, headline=row.headline or "",
                   materiality=row.materiality, change_date=row.change_date, detected_at=aware(row.detected_at),
                   bill_id=row.bill_id, document_id=row.document_id, detail=json.loads(row.detail_json or "{}"),
                   from_version_id=row.from_version_id, to_version_id=row.to_version_id,
                   summary_id=row.summary_id, summary_state=row.summary_state)


@dataclass
class SourceState:
    name: str
    cursor: dict
    etag: str | None
    last_modified: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failing_since: datetime | None
    consecutive_failures: int
    next_attempt_at: datetime | None
    alerted_failing: bool


_STATEMENTS: dict = {}


class RepoBase:
    def __init__(self, engine: Engine, url: str = "", now: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.url = url or str(engine.url)
        self.now = now          # the clock for fetched_at/detected_at/...: a fixed one in tests and the demo
        self.analyzer = None    # what record() classifies and grades with when given none (set by the Context)
        self._snapshot: contextvars.ContextVar = contextvars.ContextVar(f"snapshot-{id(self)}")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def tx(self):
        """One short transaction (``BEGIN IMMEDIATE`` on SQLite). Inside :meth:`snapshot` every
        ``tx`` joins the snapshot's transaction instead of opening its own."""
        joined = self._snapshot.get(None)
        if joined is not None:
            yield joined
            return
        with Session(self.engine, expire_on_commit=False) as s:
            with s.begin():
                yield s

    @contextmanager
    def snapshot(self):
        """Several reads as one transaction: every query inside sees the same state of the
        database (a status card is one read, not four). Read-only: on SQLite it begins deferred, so
        it never waits behind a poll's write transaction (never write inside one)."""
        if self._snapshot.get(None) is not None:
            yield
            return
        with Session(reader(self.engine), expire_on_commit=False) as s:
            with s.begin():
                token = self._snapshot.set(s)
                try:
                    yield
                finally:
                    self._snapshot.reset(token)

    def retry_conflicts(self, fn, attempts: int = 5):
        """Run ``fn`` (one whole, idempotent transaction) again when PostgreSQL aborted it because of
        another instance: a deadlock (overlapping batches recorded in a different order), a
        serialization failure, or a unique key the other inserted first. The transaction was
        rolled back, so running it again is safe."""
        for n in range(attempts):
            try:
                return fn()
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) not in RETRYABLE or n == attempts - 1:
                    raise
                log.info("transaction aborted (%s), retrying (%d)", exc.orig.sqlstate, n + 1)
                time.sleep(random.uniform(0.01, 0.05) * (n + 1))

    def insert(self, model):
        """A dialect ``INSERT`` supporting ``on_conflict_do_nothing/update``."""
        table = model.__table__
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def insert_ignore(self, s: Session, model, values: dict, conflict: list[str]) -> bool:
        """Insert unless the unique key exists; True when a row was inserted.

        ``RETURNING`` says whether a row went in: psycopg reports no rowcount (-1) for the
        ``INSERT … RETURNING`` SQLAlchemy emits on PostgreSQL."""
        return s.execute(self._upsert_stmt(model, tuple(conflict), all_columns=False), values).first() is not None

    def insert_returning(self, s: Session, model, values: dict, conflict: list[str]):
        """Insert unless the unique key exists; the new row (all columns), or None when it existed."""
        return s.execute(self._upsert_stmt(model, tuple(conflict), all_columns=True), values).first()

    def _upsert_stmt(self, model, conflict: tuple[str, ...], *, all_columns: bool):
        """One statement per (table, key): values go in as parameters, so SQLAlchemy compiles it once
        (building ``insert().values(...)`` per row costs more than SQLite's work)."""
        key = (model.__table__.name, conflict, all_columns)
        stmt = _STATEMENTS.get((self.dialect, *key))
        if stmt is None:
            cols = model.__table__.columns if all_columns else model.__table__.primary_key.columns
            stmt = self.insert(model).on_conflict_do_nothing(index_elements=list(conflict)).returning(*cols)
            _STATEMENTS[(self.dialect, *key)] = stmt
        return stmt

    def dispose(self) -> None:
        self.engine.dispose()
