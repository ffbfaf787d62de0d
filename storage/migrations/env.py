"""Alembic environment: the models' metadata, batch mode on SQLite, FTS tables ignored."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table)
from storage.db import make_engine

config = context.config
target_metadata = SQLModel.metadata
IGNORED_PREFIXES = ("passages_fts",)


def include_name(name, type_, parent_names):
    if type_ == "table" and name and name.startswith(IGNORED_PREFIXES):
        return False
    if type_ == "column" and name == "tsv":      # PostgreSQL-only generated column (migration 0002)
        return False
    if type_ == "index" and name == "ix_passages_tsv":
        return False
    return True


def _configure(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
