"""`legiswatch text PATH|VERSION_ID` and `legiswatch compare FILE FILE`: local bill XML as downloaded
from govinfo, and stored versions (fetched from the government sandbox). An appropriations amount
changed between two versions shows in the compare's changes, its redline and its summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.commands.parse import parse_words
from bot.commands.run import execute
from bot.commands.spec import SLACK, Call
from bot.commands.table import COMPARE
from bot.frontends.cli import main
from bot.services.config import load_settings
from bot.services.context import Context
from scrapers.billtext import parse_bill_text
from scrapers.errors import BadBillId
from tests.billtext_rules import amounts

CORPUS = Path(__file__).parent / "data" / "corpus"
APPROPRIATIONS = CORPUS / "118-s-4927_1_reported-in-senate.xml"
RESOLUTION = CORPUS / "bill-version-samples-september-2024_SR100_IS.XML"


@pytest.fixture
def env(gov_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEGISWATCH_DB_URL", f"sqlite:///{tmp_path}/t.db")
    monkeypatch.setenv("CONGRESS_API_KEY", "sandbox-key-0123456789")
    for name, url in gov_sandbox.base_urls().items():
        monkeypatch.setenv(f"LEGISWATCH_{name.upper()}", url)
    return gov_sandbox


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_of_a_local_file_unit_by_unit(env, capsys):
    code, out, err = run(capsys, "text", RESOLUTION)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("sres100-116-is — 2019-03-07 — ")
    assert any(line.startswith("[preamble/1] Whereas the United States celebrates") for line in lines)
    bt = parse_bill_text(RESOLUTION.read_bytes())
    assert sum(1 for line in lines if line.startswith("[")) == sum(1 for s in bt.sections for _ in s.walk())


def test_text_json_has_the_contract_keys(env, capsys):
    code, out, err = run(capsys, "text", APPROPRIATIONS, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"bill", "version", "date", "units"}
    assert (data["bill"], data["version"], data["date"]) == ("s4927-118", "s4927-118-rs", "2024-08-01")
    assert all(set(u) == {"key", "label", "heading", "text"} for u in data["units"])
    # every dollar amount of the file is in some unit
    text = " ".join(u["text"] for u in data["units"])
    assert amounts(APPROPRIATIONS.read_text(encoding="utf-8")) <= amounts(text)


def test_text_of_a_stored_version_and_of_an_unknown_one(env, capsys):
    code, out, err = run(capsys, "text", "hr2683-119-eh", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["version"] == "hr2683-119-eh" and data["units"]
    code, out, err = run(capsys, "text", "hr2683-119-enr")
    assert code == 1 and "hr2683-119-enr" in err and "Traceback" not in err


@pytest.mark.parametrize("make, needle", [
    (lambda d: d / "missing.xml", "cannot read"),
    (lambda d: (d / "notes.xml").write_text("just words", encoding="utf-8") and d / "notes.xml", "not bill text XML"),
    (lambda d: (d / "page.xml").write_text("<html><body/></html>", encoding="utf-8") and d / "page.xml",
     "not bill text XML"),
])
def test_bad_files_get_one_clear_line(env, capsys, tmp_path, make, needle):
    code, out, err = run(capsys, "text", make(tmp_path))
    assert code == 2
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_amount_change_shows_in_compare_and_its_summary(env, capsys, tmp_path):
    original = APPROPRIATIONS.read_text(encoding="utf-8")
    edits = {"$1,864,550,000": "$1,901,000,000", "$100,578,000": "$120,000,000"}
    edited = original
    for old, new in edits.items():
        assert original.count(old) == 1 and new not in original
        edited = edited.replace(old, new)
    a, b = tmp_path / "BILLS-118s4927rs.xml", tmp_path / "edited" / "BILLS-118s4927rs.xml"
    b.parent.mkdir()
    a.write_text(original, encoding="utf-8")
    b.write_text(edited, encoding="utf-8")
    code, out, err = run(capsys, "compare", a, b, "--json")
    assert code == 0, err
    data = json.loads(out)
    changed = [c for c in data["changes"]["changes"] if c["kind"] != "unchanged"]
    assert len(changed) == 2 and all(c["level"] == "appropriations" for c in changed)
    for old, new in edits.items():
        assert any(old in c["old_text"] and new in c["new_text"] for c in changed)
        assert f"[-{old}-] {{+{new}+}}" in data["redline"]
        assert any(old in b_["text"] and new in b_["text"] for b_ in data["summary"]["bullets"])
    assert data["summary"]["produced_by"] == "offline"        # grounded: not the fallback
    assert data["changes"]["stats"]["words_inserted"] == 2
    # the text form says the same
    code, out, err = run(capsys, "compare", a, b)
    assert code == 0 and all(re.search(re.escape(new), out) for new in edits.values())


def test_slack_never_reads_the_servers_files(env, tmp_path):
    """``/compare`` is public in Slack: a path there is not a file to open but a bad id."""
    args = parse_words(COMPARE, [str(APPROPRIATIONS), str(RESOLUTION)], SLACK)
    ctx = Context(settings=load_settings())
    try:
        with pytest.raises(BadBillId):
            execute(COMPARE, args, ctx, Call(front=SLACK, actor="U1", admin=False))
    finally:
        ctx.close()
