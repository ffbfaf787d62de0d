"""``legiswatch demo``: the flagship story end to end on bundled data, with no network."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path

import pytest

from bot.frontends.cli import main
from bot.frontends.demo import demo_context, demo_db_url
from bot.services.config import Settings
from bot.services.context import Context


@pytest.fixture
def loopback_only(monkeypatch):
    """Any connection to an address other than 127.0.0.1 fails the test."""
    real_connect = socket.socket.connect
    attempts: list = []

    def connect(self, address):
        attempts.append(address)
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"the demo tried to reach {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def test_demo_tells_the_story_offline(clean_env, loopback_only, capsys, caplog):
    with caplog.at_level(logging.WARNING):
        assert main(["demo"]) == 0
    out = capsys.readouterr().out
    # no warning of our own making: every offline summary passes its own grounding check
    assert [r.getMessage() for r in caplog.records if r.name.startswith("bot.")] == []
    assert loopback_only                                   # it did talk, to the local sandbox only
    assert "2026-02-11 18:00 UTC" in out and "backfills from 2026-01-01" in out
    # the alerts, as the channel would see them
    assert re.search(r"\[HIGH\] H.R. 2683[: ].*(Passed House|passed the House)", out)
    # the status card
    assert "Stage: Passed House" in out and "H.R. 2683 (119th) — Remote Access Security Act" in out
    # what changed in "remote access", H.R. 8152 → H.R. 2683 IH → EH: the mens rea words are added
    assert "hr8152-118-rfs → hr2683-119-ih" in out and "hr2683-119-ih → hr2683-119-eh" in out
    assert re.search(r"\{\+[^}]*purposeful, knowing, reckless, or negligent", out)
    # the weekly digest and two cited answers
    assert "legiswatch digest" in out
    assert "Congressional Record, 2026-01-12, H621-H623" in out          # the backfill read the Record
    assert out.count("━━ Q: ") == 2 and "[1]" in out.split("━━ Q: ", 1)[1]
    assert "(not available" not in out
    # the database is left for `legiswatch chat`
    assert (Path(clean_env) / "legiswatch-demo.db").exists()
    assert "LEGISWATCH_DB_URL=sqlite:///legiswatch-demo.db legiswatch chat" in out


def test_demo_again_starts_fresh(capsys):
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert main(["demo"]) == 0                              # a second run replays the same story
    second = capsys.readouterr().out
    alerts = re.compile(r"\((\d+) alerts\)")
    assert alerts.findall(first) == alerts.findall(second) and int(alerts.findall(first)[0]) > 0


def test_demo_database_is_legiswatch_db_url_when_set(tmp_path):
    assert demo_db_url(Context(settings=Settings())) == "sqlite:///legiswatch-demo.db"
    mine = Context(settings=Settings(db_url=f"sqlite:///{tmp_path}/mine.db", slack_bot_token="xoxb-1",
                                     openai_api_key="sk-1"))
    demo = demo_context(mine, {"bis_url": "http://127.0.0.1:9/bis"})
    assert demo.settings.db_url == f"sqlite:///{tmp_path}/mine.db"
    assert not demo.settings.slack_enabled and not demo.settings.llm_enabled    # console, offline summarizer
    assert demo.settings.bis_url == "http://127.0.0.1:9/bis" and demo.today().isoformat() == "2026-02-11"
