"""PostgreSQL fixtures (a pytest plugin module): an empty migrated database per test, and a
``db_backend`` parameter that runs a test on SQLite and on PostgreSQL.

``TEST_DATABASE_URL`` names a PostgreSQL database whose role may ``CREATE DATABASE``
(``postgresql+psycopg://postgres@127.0.0.1:5432/legiswatch_test``). Once per session a database
is created on that server and migrated to head; before each test every table is emptied and
every sequence restarted (``pg_url``), which is much faster than a new database per test.
``pg_empty_url`` gives a new, empty database (migration tests); both are dropped afterwards.

Without ``TEST_DATABASE_URL`` the ``postgres``-marked tests are marked ``skipif`` at collection
(``pytest_collection_modifyitems`` below), with the reason, unless ``TEST_DATABASE_REQUIRED=1`` (set by
``.ci/postgres``): then they fail, so CI can never pass with them skipped.

Use: the top-level conftest loads this plugin (``pytest_plugins``); then ask for ``db_backend`` (``.name``, ``.url``), ``pg_url``
or ``pg_empty_url``. Tests that need PostgreSQL alone carry ``@pytest.mark.postgres``; the
``postgres`` half of ``db_backend`` is marked already, so ``pytest -m postgres`` selects it.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table)
from storage.db import upgrade

URL_ENV = "TEST_DATABASE_URL"
REQUIRED_ENV = "TEST_DATABASE_REQUIRED"
_counter = itertools.count(1)
NEEDS = (f"PostgreSQL tests need {URL_ENV}=postgresql+psycopg://USER@HOST:PORT/DB (a role that may "
         f"CREATE DATABASE); .ci/postgres starts a throwaway server and sets it")


def skip_reason() -> str | None:
    """Why the ``postgres``-marked tests are skipped here, or None when they must run: they run
    when ``TEST_DATABASE_URL`` is set, and fail (never skip) when ``TEST_DATABASE_REQUIRED=1``."""
    if os.environ.get(URL_ENV, "").strip() or os.environ.get(REQUIRED_ENV) == "1":
        return None
    return NEEDS


@dataclass
class DB:
    """A fresh, migrated database for one test: ``name`` is "sqlite" or "postgres"."""

    name: str
    url: str


class PgServer:
    """Creates and drops databases on the server behind ``TEST_DATABASE_URL``."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.prefix = f"lw_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def url_for(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def create(self) -> str:
        """A new, empty database; returns its name."""
        name = f"{self.prefix}_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(URL_ENV, "").strip()
    if not url:      # only reachable when required: otherwise the tests were deselected as skipped
        pytest.fail(f"{URL_ENV} is not set: {NEEDS}")
    server = PgServer(url)
    try:
        with server.admin.connect() as conn:      # unreachable server: fail loudly, never skip
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        server.close()
        pytest.fail(f"{URL_ENV} is set but the server refused: {str(exc).splitlines()[0]}")
    yield server
    server.close()


class PgDatabase:
    """One migrated database per session, emptied before each test (fast: no CREATE DATABASE)."""

    def __init__(self, server: PgServer):


        self.name = server.create()
        self.url = server.url_for(self.name)
        self.engine = create_engine(self.url, poolclass=NullPool)
        upgrade(self.url, self.engine)     # also marks the URL migrated for open_repo
        with self.engine.connect() as conn:
            sequences = conn.execute(text("SELECT sequence_name FROM information_schema.sequences "
                                          "WHERE sequence_schema = current_schema()")).scalars().all()
        # children before parents; every sequence back to 1, as in a new database
        self._reset = "; ".join([f'DELETE FROM "{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables)]
                                + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences])

    def reset(self) -> str:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(self._reset)
        return self.url


@pytest.fixture(scope="session")
def pg_database(pg_server: PgServer) -> Iterator[PgDatabase]:
    database = PgDatabase(pg_server)
    yield database
    database.engine.dispose()
    pg_server.drop(database.name)


@pytest.fixture
def pg_url(pg_database: PgDatabase) -> str:
    """The URL of an empty PostgreSQL database at the head revision (tables emptied, sequences
    restarted). Tests that change the schema use ``pg_empty_url`` instead."""
    return pg_database.reset()


@pytest.fixture
def pg_empty_url(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database (no tables: for migration tests)."""
    name = pg_server.create()
    yield pg_server.url_for(name)
    pg_server.drop(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_backend(request: pytest.FixtureRequest, tmp_path) -> DB:
    """The test runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return DB("sqlite", f"sqlite:///{tmp_path}/test.db")
    return DB("postgres", request.getfixturevalue("pg_url"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL tests without a server: marked skipped with the reason at collection (see
    this module); ``.ci/postgres`` provides one and requires them to run."""
    reason = skip_reason()
    if reason:
        marker = pytest.mark.skipif(True, reason=reason)
        for item in items:
            if item.get_closest_marker("postgres"):
                item.add_marker(marker)
