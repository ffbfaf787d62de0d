"""Alembic, loaded only when a database is behind (or a command asks for migrations): importing it
costs ~0.2 s, so ``storage.db`` reaches this module through ``importlib`` when it needs it."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config(stdout=sys.stdout)   # not the default bound at import time (a closed stream under test capture)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_on(conn, url: str) -> None:
    """Alembic's ``upgrade head`` on an open connection (its transaction is the caller's)."""
    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def current_revision(conn) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
