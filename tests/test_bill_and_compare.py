"""`legiswatch bill` and `legiswatch compare` end to end against the government sandbox."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.frontends.cli import main
from bot.services.compare import compare
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.pipeline import poll
from bot.services.summaries import summarize_pending

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(gov_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "watchlist.toml", tmp_path / "watchlist.toml")
    monkeypatch.setenv("LEGISWATCH_DB_URL", f"sqlite:///{tmp_path}/t.db")
    monkeypatch.setenv("CONGRESS_API_KEY", "sandbox-key-0123456789")
    for field, url in gov_sandbox.base_urls().items():
        monkeypatch.setenv(f"LEGISWATCH_{field.upper()}", url)
    return gov_sandbox


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bill_not_stored_is_fetched_on_demand_and_json_has_the_contract_keys(env, capsys):
    code, out, err = run(capsys, "bill", "H.R.2683", "(119th)", "--json")
    assert code == 0, err
    card = json.loads(out)
    for key in ("id", "title", "stage", "stages", "latest_action", "sponsor", "cosponsors", "committees",
                "text_versions", "related", "as_of"):
        assert key in card
    assert card["id"] == "hr2683-119" and card["stage"] == "Passed House"
    assert [s["stage"] for s in card["stages"]][:2] == ["Introduced", "In committee"]
    assert card["latest_action"]["date"] == "2026-01-13"
    assert {t["code"] for t in card["text_versions"]} >= {"ih", "eh", "rfs"}
    assert "sandbox-key" not in out


def test_bill_text_card_has_a_stage_line_and_uses_the_store(env, capsys):
    assert run(capsys, "bill", "hr2683-119")[0] == 0
    before = env.count("/congress")
    code, out, _ = run(capsys, "bill", "hr2683-119")
    assert code == 0 and "Stage: Passed House" in out and "Cosponsors:" in out
    assert env.count("/congress") == before          # the second look-up is served from the database


def test_bill_exit_codes(env, capsys):
    code, _, err = run(capsys, "bill", "HX", "1")
    assert code == 2 and "accepted forms" in err
    code, _, err = run(capsys, "bill", "S.", "9999", "119")
    assert code == 1 and "not found" in err.lower()


def test_compare_two_versions_prints_summary_then_redline(env, capsys):
    assert run(capsys, "bill", "hr2683-119")[0] == 0
    code, out, err = run(capsys, "compare", "hr2683-119-ih", "hr2683-119-eh")
    assert code == 0, err
    summary, _, redline = out.partition("Redline:")
    assert "purposeful, knowing, reckless, or negligent" in summary
    assert "{+" in redline and "[-" in redline


def test_compare_latest_versions_of_two_bills_as_json(env, capsys, tmp_path):
    code, out, err = run(capsys, "compare", "hr8152-118", "hr2683-119", "--json", "--html", str(tmp_path / "r.html"))
    assert code == 0, err
    data = json.loads(out)
    assert data["a"] == "hr8152-118-rfs" and data["b"] == "hr2683-119-rfs"
    assert data["substantive"] is True and data["summary"]["produced_by"] == "offline"
    assert "<del>" in (tmp_path / "r.html").read_text() or "<ins>" in (tmp_path / "r.html").read_text()


def test_compare_bad_and_unknown_versions(env, capsys):
    assert run(capsys, "compare", "hr2683-119-zz", "hr2683-119")[0] == 2
    assert run(capsys, "bill", "hr2683-119")[0] == 0
    code, _, err = run(capsys, "compare", "hr2683-119-enr", "hr2683-119-eh")
    assert code == 1 and "hr2683-119-enr" in err


def test_summaries_use_the_llm_when_configured_and_cache(env, capsys, llm_fake, monkeypatch):
    llm_fake.default = lambda req: json.dumps({"bullets": [{"text": "Adds a definition of remote access.",
                                                            "cites": ["Sec. 2(1)", "hr2683-119-eh"]}]})
    ctx = Context(settings=Settings(db_url="sqlite:///llm.db", openai_base_url=llm_fake.base_url,
                                    openai_api_key="sk-test-secret", llm_model="small-model",
                                    congress_api_key="k" * 40, **env.base_urls()),
                  now_override=datetime(2026, 1, 14, 15, tzinfo=UTC))
    poll(ctx, ["congress"])
    assert summarize_pending(ctx) > 0
    calls = len(llm_fake.requests)
    assert calls > 0 and ctx.repo.llm_usage(datetime(2026, 1, 1, tzinfo=UTC))["calls"] >= calls
    (eh,) = ctx.repo.changes(kinds=["text_version"], subject="hr2683-119-eh")
    assert ctx.repo.summary(eh.summary_id)["produced_by"] in ("llm", "offline-fallback")
    compare(ctx, "hr2683-119-ih", "hr2683-119-eh")          # same input: served from the cache
    assert len(llm_fake.requests) == calls
    ctx.close()
