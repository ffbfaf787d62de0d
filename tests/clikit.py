"""Running the real CLI in a test: every source and Slack URL at the sandbox, a temporary
database, no seed watchlist, a key of our own (so nothing reads bulk data first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.frontends.cli import main
from bot.sandbox.__main__ import ENV_NAMES

KEY = "sandbox-key-0123456789"


def point_at_sandbox(monkeypatch: pytest.MonkeyPatch, sandbox, db: Path, *, key: str | None = KEY,
                     watchlist: Path | None = None) -> None:
    """``legiswatch`` in this test talks to ``sandbox`` only, with the database ``db`` and the seed
    ``watchlist`` (none by default)."""
    monkeypatch.setenv("LEGISWATCH_DB_URL", f"sqlite:///{db}")
    monkeypatch.setenv("LEGISWATCH_WATCHLIST", str(watchlist or db.with_name("none.toml")))
    if key:
        monkeypatch.setenv("CONGRESS_API_KEY", key)
    for field, url in sandbox.base_urls().items():
        monkeypatch.setenv(ENV_NAMES[field], url)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``legiswatch ARGV…``: (exit status, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
