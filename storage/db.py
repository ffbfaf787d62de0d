"""The engine: SQLite pragmas (WAL, foreign keys, busy timeout, ``BEGIN IMMEDIATE``) or PostgreSQL,
and applying migrations (Alembic itself, ``storage/migrate.py``, is loaded only when a database is
behind: a command's check is one ``SELECT`` of ``alembic_version``)."""

from __future__ import annotations

import importlib
import logging
import threading
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
_migrated: set[str] = set()
_migrate_lock = threading.Lock()
MIGRATION_LOCK = 7_336_221_001     # pg_advisory_xact_lock key held while migrating (any constant)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys, a busy timeout and write
    transactions that start with ``BEGIN IMMEDIATE`` (so a read-then-write never fails with SQLITE_BUSY);
    transactions through :func:`reader` start deferred."""
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # reads (an engine from ``reader``) start deferred: a WAL reader never waits for a writer
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    if url.startswith(("postgresql", "postgres:")):
        # a dead server fails fast instead of hanging a job; instances show up in pg_stat_activity
        return create_engine(normalise_url(url), pool_pre_ping=True, pool_recycle=1800,
                             connect_args={"connect_timeout": 10, "application_name": "legiswatch"})
    return create_engine(url, pool_pre_ping=True)


READ_ONLY = "legiswatch_read_only"


def reader(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions only read: on SQLite they begin deferred, so
    they read the last committed state while a writer holds its lock. Never write through it."""
    return engine.execution_options(**{READ_ONLY: True})


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (psycopg2, not installed) mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _alembic():
    """``storage.migrate`` (Alembic, ~0.2 s to import), loaded on first use like the command table's targets."""
    return importlib.import_module("storage.migrate")


def alembic_config(url: str):
    return _alembic().alembic_config(url)


def upgrade(url: str, engine: Engine | None = None) -> str:
    """Apply pending migrations; returns the head revision. Safe to call on every command.

    On PostgreSQL the migration holds a transaction-scoped advisory lock, so instances starting
    together on a new database migrate one after the other (the second finds the head)."""

    own = engine is None
    engine = engine or make_engine(url)
    try:
        with _migrate_lock:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                _alembic().upgrade_on(conn, url)
            _migrated.add(url)
        return current_revision(engine)
    finally:
        if own:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _alembic().current_revision(conn)


def head_revision() -> str:
    """The newest migration this code knows (what ``upgrade`` brings a database to), from Alembic."""
    return _alembic().head_revision()


def latest_revision() -> str:
    """The head without Alembic: the newest file's revision prefix in ``migrations/versions``
    (``0007_bill_names.py`` → ``0007``; the chain is linear and numbered, a test holds it equal
    to :func:`head_revision`)."""
    names = sorted(p.name for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    return names[-1].split("_", 1)[0]


def stored_revision(engine: Engine) -> str | None:
    """The database's revision by one ``SELECT`` (None: no ``alembic_version`` table, a new database)."""
    try:
        with reader(engine).connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    except DBAPIError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def ensure_migrated(url: str, engine: Engine) -> None:
    """Apply pending migrations once per process and URL; Alembic runs only when the stored revision
    is not this code's head (a new or older database)."""
    if url in _migrated:
        return
    if stored_revision(engine) == latest_revision():
        _migrated.add(url)
        return
    upgrade(url, engine)


def backend(engine: Engine) -> str:
    return engine.dialect.name


def has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)
