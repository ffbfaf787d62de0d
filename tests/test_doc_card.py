"""`legiswatch doc NUMBER` and `/doc`: the Federal Register document card, against the sandbox."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

import pytest
from clikit import point_at_sandbox, run
from slackkit import http_app, make_ctx

from bot.sandbox import DATA_DIR
from bot.services.doc_card import parse_number, read_doc_card
from scrapers.errors import BadInput
from scrapers.federal_register import document_record

CONTRACT_KEYS = {"number", "title", "type", "agencies", "citation", "rins", "dockets", "cfr_parts",
                 "publication_date", "effective_on", "comments_close_on", "comments_open", "abstract",
                 "versions", "matched", "url"}


@pytest.fixture
def env(gov_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "watchlist.toml").write_text('agencies = ["industry-and-security-bureau"]\n'
                                             'terms = ["remote access"]\n', encoding="utf-8")
    point_at_sandbox(monkeypatch, gov_sandbox, tmp_path / "t.db", watchlist=tmp_path / "watchlist.toml")
    return gov_sandbox


def polled(capsys):
    code, _, err = run(capsys, "poll", "--source", "federal_register", "--since", "2026-01-01")
    assert code == 0, err


def test_doc_json_has_exactly_the_contract_keys_and_the_stored_facts(env, capsys):
    polled(capsys)
    code, out, err = run(capsys, "doc", "2026-00789", "--json")
    assert code == 0, err
    card = json.loads(out)
    assert set(card) == CONTRACT_KEYS
    assert card["citation"] == "91 FR 1684" and card["rins"] == ["0694-AK43"]
    assert card["type"] == "Rule" and card["publication_date"] == "2026-01-15"
    assert card["cfr_parts"] == ["15 CFR 742", "15 CFR 744", "15 CFR 748"]
    assert {"slug": "industry-and-security-bureau", "name": "Industry and Security Bureau"} in card["agencies"]
    assert card["dockets"][0]["id"] == "Docket No. 260112-0028"
    assert card["dockets"][0]["url"].startswith("https://www.regulations.gov/")
    assert card["comments_close_on"] is None and card["comments_open"] is None
    assert "agency:industry-and-security-bureau" in card["matched"]
    assert len(card["versions"]) == 1 and card["versions"][0]["changed"] == []


def test_doc_text_card_and_exit_codes(env, capsys):
    polled(capsys)
    code, out, _ = run(capsys, "doc", "2026-01234")
    assert code == 0
    assert "FR Doc. 2026-01234" in out and "Citation: 91 FR 6120" in out and "Comments: " in out
    assert "https://www.regulations.gov/docket/BIS-2026-0003" in out
    code, _, err = run(capsys, "doc", "2026-99999")
    assert code == 1 and "not stored" in err and "Traceback" not in err
    code, _, err = run(capsys, "doc", "hr2683-119")
    assert code == 2 and "2026-00789" in err and "Traceback" not in err


def test_comment_period_open_or_closed_and_what_changed_between_versions(env, capsys):
    polled(capsys)
    ctx = make_ctx(f"sqlite:///{env_db(env)}")
    try:
        card = read_doc_card(ctx.repo, "2026-01234", today=date(2026, 4, 1))
        assert card.comments_open is True and card.comments_line().startswith("open, 12 days left")
        card = read_doc_card(ctx.repo, "2026-01234", today=date(2026, 4, 16))
        assert card.comments_open is False and card.comments_line().startswith("closed 3 days ago")
        # the comment period is extended: a second version, and the card says what changed
        doc = json.loads((DATA_DIR / "fr/api/v1/documents/2026-01234.json").read_text(encoding="utf-8"))
        doc["comments_close_on"] = "2026-05-13"
        ctx.repo.record([document_record(doc, [{"watch": "term:remote access", "phrase": "remote access"}])],
                        ctx.analyzer)
        card = read_doc_card(ctx.repo, "2026-01234", today=date(2026, 4, 16))
        assert [v.seq for v in card.versions] == [1, 2]
        assert card.versions[1].changed == ["comment deadline"]
        assert card.comments_open is True and card.comments_close_on == date(2026, 5, 13)
        assert read_doc_card(ctx.repo, "2026-77777", today=date(2026, 4, 16)) is None
    finally:
        ctx.close()


def env_db(env) -> str:
    return os.environ["LEGISWATCH_DB_URL"].removeprefix("sqlite:///")


def test_parse_number_accepts_the_forms_and_refuses_others():
    assert parse_number(" 2026-00789 ") == "2026-00789"
    assert parse_number("FR Doc. 2026-00789") == "2026-00789"
    for bad in ("", "2026", "hr2683-119", "2026-00789; DROP"):
        with pytest.raises(BadInput):
            parse_number(bad)


def test_slash_doc_renders_block_kit_and_escapes(env, capsys, slack_fake):
    polled(capsys)
    ctx = make_ctx(f"sqlite:///{env_db(env)}", slack_fake)
    ctx.now_override = datetime(2026, 4, 1, 12, tzinfo=UTC)
    try:
        with http_app(ctx, slack_fake) as app:
            resp = app.command("/doc", "2026-01234", slack_fake.response_url("doc"))
            assert resp.status_code == 200 and "2026-01234" in resp.text
            body = slack_fake.wait_for("response_url", 1, timeout=5)[0].body
            bad = app.command("/doc", "<!channel>", slack_fake.response_url("bad"))
        text = body["text"] + json.dumps(body["blocks"])
        assert body["response_type"] == "in_channel" and body["blocks"][0]["type"] == "header"
        for part in ("91 FR 6120", "*Comments:* open, 12 days left", "BIS-2026-0003", "15 CFR 744",
                     "Versions kept:* 1"):
            assert part in text, part
        assert "<!channel>" not in bad.text and "2026-00789" in bad.text
    finally:
        ctx.close()
