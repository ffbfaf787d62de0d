"""One command table for the CLI, chat and Slack: every command reachable from each front end that
offers it, every ``--help`` describing every argument, several bills at once, a closed pipe, and the
README's command list generated from the table."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from answer_fixtures import build_store, make_context
from slackkit import flagship_bill, http_app, make_ctx

from bot.commands import table
from bot.commands.parse import parse_text, parser_for
from bot.commands.spec import CHAT, CLI, SLACK, Command, HelpRequested
from bot.frontends.chat import handle, run_chat
from bot.frontends.cli import all_commands, commands_markdown, main
from scrapers.errors import BadInput

ROOT = Path(__file__).resolve().parent.parent


def every(commands) -> list[tuple[list[str], Command]]:
    """(words that name it, command) for every command and subcommand."""
    out = []
    for c in commands:
        out.append(([c.name], c))
        out += [([c.name, s.name], s) for s in c.subcommands]
    return out


@pytest.mark.parametrize("words,command", every(all_commands()), ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_every_cli_help_describes_every_argument(words, command, capsys):
    assert main([*words, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"legiswatch {' '.join(words)}" in out and command.help[:40].lower() in out.lower()
    for arg in command.args:
        if CLI in arg.fronts:
            assert arg.help.split()[0] in out, (arg.name, out)
    for sub in command.subcommands:
        assert sub.name in out and sub.help[:30] in out


def test_the_table_is_reachable_from_each_front_end_that_offers_it(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    cli_names = {c.name for c in all_commands()}
    with http_app(ctx, slack_fake) as app:
        for command in table.COMMANDS:
            assert command.name in cli_names                   # every shared command is in the CLI
            if command.offered(CHAT):
                assert f"/{command.name}" in handle(ctx, f"/{command.name} --help", "s")
            else:
                with pytest.raises(BadInput, match="unknown command"):
                    handle(ctx, f"/{command.name} --help", "s")
            ack = app.command(f"/{command.name}", "--help", slack_fake.response_url(command.name))
            if command.offered(SLACK):
                assert ack.status_code == 200 and f"/{command.name}" in ack.text and "usage" in ack.text
            else:
                assert f"/{command.name}" not in ack.text
        app.settle()
    ctx.close()


def test_one_parser_for_every_front_end():
    bill = table.lookup("bill")
    assert parse_text(bill, "hr2683-119 s3519-119", SLACK).ids == ["hr2683-119", "s3519-119"]
    assert parser_for(bill, CLI).parse_args(["hr2683-119", "--json"]).json is True
    with pytest.raises(HelpRequested) as shown:
        parse_text(table.lookup("watch"), "add --help", CHAT)
    assert "--agency SLUG" in shown.value.text
    digest = table.lookup("digest")
    assert parse_text(digest, "post --since 2026-01-01", SLACK).post is True       # the old `/digest post`
    assert parse_text(table.lookup("compare"), "hr8152-118 vs hr2683-119", SLACK).b == "hr2683-119"
    question = parse_text(table.lookup("ask"), "What's the status of H.R. 2683?", SLACK).question
    assert question == ["What's the status of H.R. 2683?"]                         # the apostrophe stays


def test_bill_with_several_ids_shows_several_cards(db_url, monkeypatch, capsys):
    monkeypatch.setenv("LEGISWATCH_DB_URL", db_url)
    monkeypatch.setenv("LEGISWATCH_WATCHLIST", "none.toml")
    ctx = make_ctx(db_url)
    ctx.repo.record([flagship_bill(), flagship_bill(bill_id="s3519-119", type="s", number=3519,
                                                    origin_chamber="Senate", text_versions=[], actions=[])],
                    ctx.analyzer)
    ctx.close()
    assert main(["bill", "H.R.", "2683", "s3519-119"]) == 0
    out = capsys.readouterr().out
    assert out.count("Stage: ") == 2 and "H.R. 2683 (119th)" in out and "S. 3519 (119th)" in out
    assert main(["bill", "hr2683-119", "s3519-119", "--json"]) == 0
    assert '"id": "s3519-119"' in capsys.readouterr().out
    assert main(["bill", "hr2683-119", "nonsense"]) == 2
    assert "accepted forms" in capsys.readouterr().err


def test_chat_help_clear_and_quit_are_not_questions(db_url, gov_sandbox):
    ctx = make_context(db_url, gov_sandbox)
    build_store(ctx, polled=False)
    out = io.StringIO()
    run_chat(ctx, io.StringIO("What is the status of H.R. 2683?\nclear\nhelp\nquit\nWhat is S. 3519?\n"), out)
    text = out.getvalue()
    assert "a new conversation" in text and "/watch add" in text and text.rstrip().endswith("bye")
    logged = ctx.repo.answers()
    assert [a["question"] for a in logged] == ["What is the status of H.R. 2683?"]    # clear and help are not asked
    ctx.close()


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LEGISWATCH_DB_URL": f"sqlite:///{tmp_path}/pipe.db",
           "LEGISWATCH_WATCHLIST": "none.toml", "PYTHONPATH": str(ROOT)}
    # the reader exits at once (long before Python has started), so the first write meets a closed pipe
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m bot config | true"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.stderr == ""
    assert proc.returncode == 141                            # 128 + SIGPIPE, as a shell reports it


def test_the_readme_lists_the_commands_of_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert commands_markdown() in readme, "README is stale: run python docs/gen_readme.py"
