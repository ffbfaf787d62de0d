"""Shared fixtures: a clean environment for every test, and the real local fake servers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the project is importable even when not pip-installed
    sys.path.insert(0, str(ROOT))

from bot.sandbox.government import GovSandbox  # noqa: E402
from bot.sandbox.openai_fake import OpenAIFake  # noqa: E402
from bot.sandbox.slack_fake import SlackFake  # noqa: E402

pytest_plugins = ["tests.pg_fixtures"]     # db_backend, pg_url, pg_empty_url; skips PostgreSQL tests without a server
DATA = Path(__file__).resolve().parent / "data"
_SCRUB_PREFIXES = ("SLACK_", "OPENAI_", "LEGISWATCH_")
_SCRUB_NAMES = {"CONGRESS_API_KEY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No developer secrets, settings or proxies; run in a fresh directory (no stray .env or db)."""
    for name in list(os.environ):
        if name.startswith(_SCRUB_PREFIXES) or name.upper() in _SCRUB_NAMES:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    workdir = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(workdir)
    return workdir


@pytest.fixture
def gov_sandbox() -> Iterator[GovSandbox]:
    """The government sandbox serving the bundled ``bot/sandbox/data``."""
    with GovSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def gov_sandbox_factory() -> Iterator[Callable[[Path | str | None], GovSandbox]]:
    """``factory(data_dir)`` → a started sandbox on that directory; all are stopped afterwards."""
    started: list[GovSandbox] = []

    def factory(data_dir: Path | str | None = None) -> GovSandbox:
        sandbox = GovSandbox(data_dir).start()
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def slack_fake() -> Iterator[SlackFake]:
    with SlackFake() as fake:
        yield fake


@pytest.fixture
def llm_fake() -> Iterator[OpenAIFake]:
    with OpenAIFake() as fake:
        yield fake


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A temporary SQLite file (never :memory:, so WAL and several connections are exercised)."""
    return f"sqlite:///{tmp_path}/test.db"
