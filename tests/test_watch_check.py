"""`watch add` checks what it is given (against the sandbox): bills fetched on demand with their
titles, Congresses not begun and bills that do not exist refused, agencies checked against the
Federal Register's list (cached), a warning when a source cannot be reached; terms are
case-insensitive, and a database made before that is folded by the upgrade."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from clikit import point_at_sandbox, run

from storage.db import head_revision
from storage.repo import open_repo

OLD_DB = Path(__file__).resolve().parent / "data" / "upgrade" / "pre_folded_terms.sqlite"


@pytest.fixture
def env(gov_sandbox, tmp_path, monkeypatch):
    point_at_sandbox(monkeypatch, gov_sandbox, tmp_path / "w.db")
    return gov_sandbox


def test_a_bill_is_fetched_and_its_title_shown_and_bad_bills_refused(env, capsys):
    code, out, err = run(capsys, "watch", "add", "hr", "2683", "119")
    assert code == 0, err
    assert "now watching bill hr2683-119" in out and "Remote Access Security Act" in out
    code, out, _ = run(capsys, "watch", "list")
    assert "hr2683-119" in out and "Remote Access Security Act" in out
    code, _, err = run(capsys, "watch", "add", "hr2683-125")
    assert code == 2 and "has not begun" in err
    code, _, err = run(capsys, "watch", "add", "hr", "99999", "119")
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    items = [i["value"] for i in open_repo_from_env().watch_items()]
    assert items == ["hr2683-119"]


def test_an_unreachable_source_adds_with_a_warning(env, capsys, monkeypatch):
    monkeypatch.setenv("LEGISWATCH_CONGRESS_API_URL", "http://127.0.0.1:9/v3")
    monkeypatch.setenv("LEGISWATCH_FEDERAL_REGISTER_URL", "http://127.0.0.1:9/api/v1")
    monkeypatch.setenv("LEGISWATCH_HTTP_RETRIES", "0")
    code, out, _ = run(capsys, "watch", "add", "S.", "3519", "119")
    assert code == 0 and "now watching bill s3519-119" in out and "could not be reached" in out
    code, out, _ = run(capsys, "watch", "add", "--agency", "bis")
    assert code == 0 and "could not be reached" in out


def test_agencies_are_checked_against_the_cached_federal_register_list(env, capsys):
    code, out, err = run(capsys, "watch", "add", "--agency", "bis")
    assert code == 2 and "not a Federal Register agency slug" in err
    code, out, err = run(capsys, "watch", "add", "--agency", "industry-and-security-bureau")
    assert code == 0 and "Industry and Security Bureau" in out, err
    before = env.count("/fr/api/v1/agencies")
    assert before == 1
    code, _, err = run(capsys, "watch", "add", "--agency", "commerce")
    assert code == 2 and "commerce-department" in err          # a hint, from the cached list
    assert env.count("/fr/api/v1/agencies") == before


def test_terms_are_case_insensitive_and_deduplicated(env, capsys):
    assert "now watching term" in run(capsys, "watch", "add", "--term", "Export Controls")[1]
    code, out, _ = run(capsys, "watch", "add", "--term", "export  CONTROLS")
    assert code == 0 and "already watching term export controls" in out
    code, out, _ = run(capsys, "watch", "remove", "--term", "EXPORT controls")
    assert code == 0 and "stopped watching" in out
    assert open_repo_from_env().watch_items() == []


def test_an_old_database_with_duplicate_terms_is_folded_once(tmp_path, capsys, monkeypatch):
    db = tmp_path / "old.sqlite"
    shutil.copy(OLD_DB, db)
    monkeypatch.setenv("LEGISWATCH_DB_URL", f"sqlite:///{db}")
    monkeypatch.setenv("LEGISWATCH_WATCHLIST", str(tmp_path / "none.toml"))
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and f"revision {head_revision()}" in out
    repo = open_repo(f"sqlite:///{db}")
    items = [(i["kind"], i["value"], i["label"], i["channel"]) for i in repo.watch_items()]
    assert items == [("agency", "industry-and-security-bureau", "industry-and-security-bureau", "CPOLICY"),
                     ("bill", "hr2683-119", "H.R. 2683 (119th)", "CPOLICY"),
                     ("term", "export controls", "export controls", "CPOLICY"),
                     ("term", "remote access", "Remote Access", "CPOLICY")]
    repo.dispose()
    code, out, _ = run(capsys, "watch", "add", "--term", "Export Controls")
    assert "already watching" in out
    code, out, _ = run(capsys, "watch", "remove", "--term", "Remote Access")
    assert code == 0 and "stopped watching" in out


def open_repo_from_env():
    return open_repo(os.environ["LEGISWATCH_DB_URL"])
