"""The CLI's foundation commands against a new SQLite file: config, db upgrade, watch, status."""

import shutil
from pathlib import Path

import pytest

from bot.frontends.cli import main
from storage.db import head_revision

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEGISWATCH_DB_URL", f"sqlite:///{tmp_path}/cli.db")
    # `watch add` checks bills and agencies: nothing answers here, so it adds with a warning (never the internet)
    monkeypatch.setenv("LEGISWATCH_CONGRESS_API_URL", "http://127.0.0.1:9/v3")
    monkeypatch.setenv("LEGISWATCH_FEDERAL_REGISTER_URL", "http://127.0.0.1:9/api/v1")
    monkeypatch.setenv("LEGISWATCH_HTTP_RETRIES", "0")
    shutil.copy(ROOT / "watchlist.toml", tmp_path / "watchlist.toml")
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_upgrade_config_watch_status(workdir, capsys):
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and f"revision {head_revision()}" in out
    code, out, _ = run(capsys, "config")
    assert code == 0 and "LEGISWATCH_DB_URL" in out and "DEMO_KEY" in out
    code, out, _ = run(capsys, "watch", "list")
    assert code == 0 and "hr2683-119" in out and "s3519-119" in out and "hr8152-118" in out
    assert "industry-and-security-bureau" in out and "remote access" in out
    code, out, _ = run(capsys, "watch", "add", "H.R.", "2683")
    assert code == 0 and "already watching bill hr2683-119" in out
    code, out, _ = run(capsys, "watch", "add", "H.J.Res.", "37", "116th")
    assert code == 0 and "now watching bill hjres37-116" in out
    code, out, _ = run(capsys, "watch", "add", "--term", "advanced", "computing")
    assert code == 0 and "advanced computing" in out
    code, out, _ = run(capsys, "status")
    assert code == 0 and "never polled" in out


def test_seed_happens_once_and_removals_stick(workdir, capsys):
    assert run(capsys, "watch", "remove", "S.", "3519", "119")[0] == 0
    code, out, _ = run(capsys, "watch", "list")
    assert "s3519-119" not in out                     # the TOML does not re-seed a removed bill


def test_bad_input_is_one_line_and_exit_2(workdir, capsys):
    code, out, err = run(capsys, "watch", "add", "HX", "12")
    assert code == 2 and "accepted forms" in err and "Traceback" not in err
    code, _, err = run(capsys, "watch", "add", "--feed", "ftp://x")
    assert code == 2 and "http(s)" in err
    code, _, err = run(capsys, "poll", "--since", "yesterday")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = run(capsys, "nosuchcommand")
    assert code == 2 and err.count("\n") == 1


def test_watch_export_import_roundtrip(workdir, capsys):
    code, out, _ = run(capsys, "watch", "export")
    assert code == 0 and 'bills = ["hr2683-119"' in out
    (workdir / "more.toml").write_text('bills = ["hr1-119"]\nterms = ["semiconductors"]\n')
    code, out, _ = run(capsys, "watch", "import", "more.toml")
    assert code == 0 and "imported 2" in out
