"""``legiswatch chat`` driven with a script: questions with sources, follow-ups in the session, the
Slack commands with a text rendering, one-line errors, exit/EOF."""

from __future__ import annotations

import io

import pytest
from answer_fixtures import build_store, make_context

from bot.frontends.chat import run_chat


@pytest.fixture
def ctx(db_url, gov_sandbox):
    c = make_context(db_url, gov_sandbox)      # a bill not stored is looked up in the sandbox, never outside
    build_store(c, polled=False)
    yield c
    c.close()


def chat(ctx, script: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_chat(ctx, io.StringIO(script), out)
    return code, out.getvalue()


def test_a_conversation(ctx):
    code, out = chat(ctx, "\n".join([
        "What is the status of H.R. 2683?",
        "and in the Senate?",
        "/bill hr2683-119",
        "/ask When do comments close on 2026-01234?",
        "/compare hr2683-119-ih hr2683-119-eh",
        "/digest",
        "exit",
        "What is the status of S. 3519?",          # after exit: never read
    ]) + "\n")
    assert code == 0
    blocks = out.split("\n\n")
    assert blocks[0].startswith("legiswatch chat")
    assert "is at stage Passed House" in out and "Sources:" in out and "[1] H.R. 2683 (119th)" in out
    assert "In the Senate (2026-01-13): Received in the Senate" in out        # the session kept the subject
    assert "Stage: Passed House" in out                                       # the /bill card
    assert "The stored record has no Federal Register document 2026-01234" in out   # not polled here
    assert "What changed: hr2683-119-ih → hr2683-119-eh" in out                 # /compare
    assert "legiswatch digest" in out                                            # /digest
    assert "S. 3519 (119th) (Remote Access Security Act) is at stage" not in out
    assert out.rstrip().endswith("bye")
    logged = [a for a in ctx.repo.answers() if a["where"] == "chat"]
    assert len({a["thread"] for a in logged}) == 1 and len(logged) == 3


def test_watch_commands_are_trusted(ctx):
    code, out = chat(ctx, '/watch add --term "quantum sensing"\n/watch list\n/watch remove --term "quantum sensing"\n'
                          "/watch remove --term \"quantum sensing\"\n")
    assert code == 0
    assert "Now watching term quantum sensing" in out and "term    quantum sensing" in out
    assert "Stopped watching term quantum sensing" in out and "Not watched: term quantum sensing" in out
    assert [e["actor"] for e in ctx.repo.watch_events()][-2:] == ["chat", "chat"]


def test_errors_are_one_line_and_the_conversation_goes_on(ctx):
    code, out = chat(ctx, "/bill nonsense\n/bill hr9999-119\n/frobnicate\n/watch add\n/digest --since yesterday\n"
                          "/compare one\n/ask\nWhat is the status of S. 3519?\n")      # EOF ends it
    assert code == 0
    errors = [ln for ln in out.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 7, out
    assert "accepted forms" in errors[0] and "H.R. 9999 (119th)" in errors[1]
    assert "unknown command /frobnicate" in errors[2]
    assert "Traceback" not in out
    assert "S. 3519 (119th) (Remote Access Security Act) is at stage In committee" in out   # referred: its text says so


def test_help_and_blank_lines(ctx):
    code, out = chat(ctx, "\n   \n/help\nquit\n")
    assert code == 0 and "/compare A B" in out and "/watch list" in out
