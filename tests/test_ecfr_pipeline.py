"""eCFR wired in: the ``ecfr`` source in the pipeline, the schedule and status; the parts of the
watched rules (cfr_references + effective dates) and of ``watch add --cfr``; incremental re-polls."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clikit import point_at_sandbox, run

from bot.frontends.console import render_doc_card
from bot.sandbox.server import DATA_DIR
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.doc_card import doc_card
from bot.services.health import status_report
from bot.services.pipeline import SOURCES, poll_source
from bot.services.schedule import JOB_IDS, POLL_SOURCES, build_triggers
from bot.services.summaries import summarize_change
from bot.services.watchlist import build_watch
from bot.slack.blocks import doc_card as slack_doc_card

NOW = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)
DATA = Path(DATA_DIR) / "ecfr" / "api" / "versioner" / "v1"


@pytest.fixture
def env(gov_sandbox, tmp_path, monkeypatch):
    point_at_sandbox(monkeypatch, gov_sandbox, tmp_path / "w.db", key=None)
    return gov_sandbox


@pytest.fixture
def ctx(db_url, gov_sandbox):
    c = Context(settings=Settings(db_url=db_url, watchlist="no-watchlist.toml", openai_api_key="",
                                  openai_base_url="", http_retries=0, **gov_sandbox.base_urls()),
                now_override=NOW)
    yield c
    c.close()


def test_ecfr_is_a_source_with_a_daily_job_and_a_status_row(ctx, gov_sandbox):
    assert "ecfr" in SOURCES and "ecfr" in POLL_SOURCES and "poll:ecfr" in JOB_IDS
    trigger = build_triggers(ctx.settings, NOW)["poll:ecfr"]
    first = trigger.get_next_fire_time(None, NOW)
    assert trigger.get_next_fire_time(first, first) - first == timedelta(days=1)
    assert ctx.settings.ecfr_url == gov_sandbox.url + "/ecfr"
    report = poll_source(ctx, "ecfr")                       # nothing watched: no part asked
    assert report.ok and report.records == 0 and gov_sandbox.count("/ecfr/") == 0
    row = next(s for s in status_report(ctx)["sources"] if s["name"] == "ecfr")
    assert row["state"] == "ok" and row["next_run"] is not None


FULL = "/ecfr/api/versioner/v1/full/"
VERSIONS = "/ecfr/api/versioner/v1/versions/"


def _poll_rule(ctx):
    ctx.repo.add_watch("agency", "industry-and-security-bureau", label="BIS", actor="test")
    assert poll_source(ctx, "federal_register").ok


def test_a_watched_rule_names_its_parts_and_effective_date(ctx, gov_sandbox):
    _poll_rule(ctx)
    watch = build_watch(ctx.repo)
    rule = next(r for r in watch.cfr_rules if r["number"] == "2026-00789")
    assert rule == {"number": "2026-00789", "effective_on": "2026-01-15", "parts": ["15/742", "15/744", "15/748"]}
    gov_sandbox.reset_log()
    first = poll_source(ctx, "ecfr")
    assert first.ok, first.error
    assert gov_sandbox.count(FULL) == 6                       # three parts, the day before and the day of
    stored = {d["external_id"] for d in ctx.repo.documents("cfr_text")}
    assert {"15-cfr-742@2026-01-14", "15-cfr-742@2026-01-15", "15-cfr-744@2026-01-15",
            "15-cfr-748@2026-01-14"} <= stored
    gov_sandbox.reset_log()
    again = poll_source(ctx, "ecfr")                          # nothing moved: lists asked, no text fetched
    assert again.ok and gov_sandbox.count(FULL) == 0 and gov_sandbox.count(VERSIONS) == 3


def test_a_moved_part_alone_is_fetched_again(ctx, gov_sandbox):
    _poll_rule(ctx)
    assert poll_source(ctx, "ecfr").ok
    moved = json.loads((DATA / "versions" / "title-15.json@part=744").read_text())
    moved["content_versions"].append({**moved["content_versions"][-1], "date": "2026-01-19"})
    gov_sandbox.route("/ecfr/api/versioner/v1/versions/title-15.json", moved, query={"part": "744"})
    body = (DATA / "full" / "2026-01-15" / "title-15.xml@part=744").read_bytes()
    for day in ("2026-01-18", "2026-01-19"):
        gov_sandbox.route(f"{FULL}{day}/title-15.xml", body, query={"part": "744"})
    gov_sandbox.reset_log()
    assert poll_source(ctx, "ecfr").ok
    paths = [r.path for r in gov_sandbox.requests if r.path.startswith(FULL)]
    assert sorted(paths) == [f"{FULL}2026-01-18/title-15.xml", f"{FULL}2026-01-19/title-15.xml"]


def test_watch_add_cfr_is_checked_listed_and_removed(env, capsys):
    code, out, err = run(capsys, "watch", "add", "--cfr", "15 CFR 744.23")
    assert code == 0, err
    assert "15/744.23" in out and "744.23" in out and "Supercomputer" in out
    code, out, _ = run(capsys, "watch", "list")
    assert "cfr" in out and "15/744.23" in out
    code, _, err = run(capsys, "watch", "add", "--cfr", "15 CFR 744.99")
    assert code == 2 and "not a section of part 744" in err
    code, _, err = run(capsys, "watch", "add", "--cfr", "15 CFR 999")
    assert code == 2 and "not on eCFR" in err
    code, _, err = run(capsys, "watch", "add", "--cfr", "CFR 744")
    assert code == 2 and "accepted" in err and "Traceback" not in err
    code, out, err = run(capsys, "watch", "remove", "--cfr", "15 CFR 744.23")
    assert code == 0 and "15/744.23" in out
    code, out, _ = run(capsys, "watch", "list")
    assert "744.23" not in out


def test_watch_add_cfr_warns_when_ecfr_is_unreachable(env, capsys, monkeypatch):
    with socket.socket() as s:          # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("LEGISWATCH_ECFR_URL", f"http://127.0.0.1:{port}/ecfr")
    monkeypatch.setenv("LEGISWATCH_HTTP_RETRIES", "0")
    code, out, err = run(capsys, "watch", "add", "--cfr", "15 CFR 744")
    assert code == 0 and "could not be reached" in (out + err)


def test_a_watched_part_is_polled(ctx, gov_sandbox):
    ctx.repo.add_watch("cfr", "15/748.1", label="15 CFR 748.1", actor="test")
    assert build_watch(ctx.repo).cfr_parts == ["15/748"]
    gov_sandbox.reset_log()
    assert poll_source(ctx, "ecfr").ok
    assert [r.path for r in gov_sandbox.requests if r.path.startswith(FULL)] == [f"{FULL}2026-01-14/title-15.xml",
                                                                                   f"{FULL}2026-01-15/title-15.xml"]


def test_the_rule_change_is_recorded_once_with_a_cited_summary(ctx, gov_sandbox):
    _poll_rule(ctx)
    report = poll_source(ctx, "ecfr")
    changes = ctx.repo.changes(kinds=["cfr_change"])
    assert sorted(c.key for c in changes) == [
        f"cfr_change:2026-00789:15-cfr-{p}:2026-01-14:2026-01-15" for p in ("742", "744", "748")]
    assert {c.id for c in changes} <= {c.id for c in report.changes}
    c744 = next(c for c in changes if "744" in c.key)
    assert c744.subject == "2026-00789" and c744.materiality == "high"
    summary = c744.detail["summary"]
    assert summary.startswith("15 CFR part 744, 2026-01-14 → 2026-01-15 (FR 2026-00789):")
    assert "§ 744.23(a)(3): added" in summary and "remote access" in summary
    after = (DATA / "full" / "2026-01-15" / "title-15.xml@part=744").read_text()
    quoted = summary.split('"')[1].rstrip("…")
    assert " ".join(quoted.split()[2:]) in " ".join(after.split())     # quotes the text it cites
    poll_source(ctx, "ecfr")
    assert len(ctx.repo.changes(kinds=["cfr_change"])) == 3            # a re-poll records nothing twice
    assert summarize_change(ctx, c744).text                             # the summaries job words it


def test_compare_a_part_or_section_between_two_dates(env, capsys):
    code, out, err = run(capsys, "compare", "15 CFR 742", "2026-01-14", "2026-01-15")
    assert code == 0, err
    assert "15-cfr-742@2026-01-14 → 15-cfr-742@2026-01-15" in out and "742.6" in out
    code, out, err = run(capsys, "compare", "15 CFR 744.23", "2026-01-14", "2026-01-15", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["title"] == "15 CFR 744.23" and data["substantive"]
    assert all(c["key"].startswith("744.23") for c in data["changes"]["changes"])
    code, _, err = run(capsys, "compare", "15 CFR 744.99", "2026-01-14", "2026-01-15")
    assert code == 1 and "744.99" in err
    code, _, err = run(capsys, "compare", "15 CFR 742", "2026-01-15", "2026-01-14")
    assert code == 2 and "after the first" in err


def test_the_doc_card_shows_what_the_rule_changed_in_15_cfr(ctx, gov_sandbox):
    _poll_rule(ctx)
    card = doc_card(ctx, "2026-00789")
    assert card.cfr_changes == []                      # eCFR not polled yet: nothing claimed
    assert poll_source(ctx, "ecfr").ok
    card = doc_card(ctx, "2026-00789")
    assert [c["citation"] for c in card.cfr_changes] == ["15 CFR part 742", "15 CFR part 744", "15 CFR part 748"]
    text = render_doc_card(card)
    assert "What it changed in 15 CFR:" in text and "§ 744.23(a)(3): added" in text
    assert card.cfr_changes[1]["after"] == "15-cfr-744@2026-01-15"
    assert "cfr_changes" not in card.to_dict()          # doc --json keeps the contract's keys
    blocks = json.dumps(slack_doc_card(card))
    assert "What it changed in 15 CFR part 748" in blocks and "748.1(b)(2)" in blocks
