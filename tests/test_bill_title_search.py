"""`bill "TITLE WORDS"` and `/bill TITLE WORDS`: stored bills found by title (one → the card,
several → a list, none → exit 1), with bad ids still answered with the accepted forms."""

from __future__ import annotations

import json
import os

import pytest
from clikit import point_at_sandbox, run
from slackkit import flagship_bill, http_app, make_ctx

from bot.services.context import Context
from scrapers.records import ActionRecord


@pytest.fixture
def env(gov_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    point_at_sandbox(monkeypatch, gov_sandbox, tmp_path / "t.db")
    return gov_sandbox


def stored(capsys):
    for bill in ("hr2683-119", "hr8152-118", "s3519-119"):
        assert run(capsys, "bill", bill)[0] == 0


def chips_act():
    return flagship_bill(bill_id="hr4100-119", number=4100, short_title="Chip Security Act",
                         title="To require location verification of export-controlled chips (50%_off).",
                         url="https://www.congress.gov/bill/119th-congress/house-bill/4100",
                         latest_action=ActionRecord(None, "Introduced"), actions=[], cosponsors=[], committees=[],
                         text_versions=[])


def test_several_matches_list_id_congress_title_and_stage(env, capsys):
    stored(capsys)
    code, out, err = run(capsys, "bill", "Remote Access Security Act")
    assert code == 0, err
    assert "3 stored bills match" in out
    for bid, congress, stage in (("hr2683-119", "119th", "Passed House"), ("s3519-119", "119th", "In committee"),
                                 ("hr8152-118", "118th", "Passed House")):
        line = next(ln for ln in out.splitlines() if bid in ln)
        assert congress in line and stage in line and "Remote Access Security Act" in line
    code, out, _ = run(capsys, "bill", "remote", "ACCESS", "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 3 and [m["id"] for m in data["matches"]][0].endswith("-119")


def test_one_match_is_its_card_and_none_is_exit_1(env, capsys):
    stored(capsys)
    ctx = Context()
    try:
        ctx.repo.record([chips_act()], ctx.analyzer)
    finally:
        ctx.close()
    code, out, err = run(capsys, "bill", "chip security")
    assert code == 0, err
    assert out.startswith("H.R. 4100 (119th) — Chip Security Act") and "Stage:" in out
    code, _, err = run(capsys, "bill", "Nonexistent Widget Act")
    assert code == 1 and "no stored bill" in err and "Traceback" not in err
    # LIKE's wildcards are matched as text, not as patterns
    assert run(capsys, "bill", "chips", "50%_off")[0] == 0
    assert run(capsys, "bill", "chips", "50_")[0] == 1          # "_" would match "%" as a pattern


def test_bad_ids_still_get_the_accepted_forms(env, capsys):
    code, _, err = run(capsys, "bill", "HX", "1")
    assert code == 2 and "accepted forms" in err


def test_slash_bill_title_words(env, capsys, slack_fake, db_url):
    stored(capsys)
    ctx = make_ctx(os.environ["LEGISWATCH_DB_URL"], slack_fake)
    try:
        with http_app(ctx, slack_fake) as app:
            resp = app.command("/bill", "Remote Access Security Act", slack_fake.response_url("t"))
            assert "Searching bill titles" in resp.text
            body = slack_fake.wait_for("response_url", 1, timeout=5)[0].body
            none = app.command("/bill", "Widget <!channel>", slack_fake.response_url("n"))
            assert none.status_code == 200
            missing = slack_fake.wait_for("response_url", 2, timeout=5)[1].body
        text = body["text"] + json.dumps(body["blocks"])
        assert "3 stored bills match" in text and "`hr8152-118` 118th" in text and "Passed House" in text
        assert "no stored bill" in missing["text"] and "<!channel>" not in json.dumps(missing)
    finally:
        ctx.close()
