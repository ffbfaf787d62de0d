"""Storage: SQLModel tables, the engine, migrations, and ``repo.py`` (the only place with SQL)."""
