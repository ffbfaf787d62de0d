"""When Slack itself is the problem: a refused token or an unreachable Web API is named in one line
(the setting to check), never a traceback, and the token never appears."""

from __future__ import annotations

import logging

import pytest
from slackkit import BOT_TOKEN, SECRET, make_ctx

from bot.frontends.cli import main
from bot.slack.app import SlackUnavailable, build_app


def test_a_refused_token_names_the_setting(db_url, slack_fake):
    slack_fake.script("auth.test", [{"ok": False, "error": "invalid_auth"}])
    ctx = make_ctx(db_url, slack_fake)
    with pytest.raises(SlackUnavailable, match=r"Slack refused SLACK_BOT_TOKEN \(invalid_auth\)") as err:
        build_app(ctx)
    assert BOT_TOKEN not in str(err.value)
    ctx.close()


def test_an_unreachable_slack_names_the_url_setting(db_url):
    ctx = make_ctx(db_url, slack_bot_token=BOT_TOKEN, slack_api_url="http://127.0.0.1:9/api/")
    with pytest.raises(SlackUnavailable, match="Slack is unreachable at http://127.0.0.1:9/api/.*LEGISWATCH_SLACK_API_URL"):
        build_app(ctx)
    ctx.close()


def test_run_says_so_and_exits_1(db_url, slack_fake, monkeypatch, capsys):
    slack_fake.script("auth.test", [{"ok": False, "error": "token_revoked"}])
    for name, value in {"LEGISWATCH_DB_URL": db_url, "LEGISWATCH_WATCHLIST": "none.toml",
                        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                        "LEGISWATCH_SLACK_API_URL": slack_fake.url}.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "--http", "0"]) == 1
    err = capsys.readouterr().err
    assert "Slack refused SLACK_BOT_TOKEN (token_revoked)" in err and "Traceback" not in err
    assert BOT_TOKEN not in err


def test_no_warning_of_our_own_making_on_start(db_url, slack_fake, monkeypatch, caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)          # as in production: Bolt reads it too
    ctx = make_ctx(db_url, slack_fake)
    with caplog.at_level(logging.WARNING):
        build_app(ctx)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    ctx.close()
