"""BILLSTATUS parsing and ``legiswatch import`` on a committed subset of the real govinfo files
(tests/data/billstatus), so a fresh clone runs them: the same checks as the corpus suite, an
import is idempotent and never alerts, sources are recorded, re-deriving the stages of a database
recorded by the old classifier moves them without re-alerting, and ended Congresses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.analysis.analyzer import Analyzer
from bot.analysis.stages import bill_stages
from bot.frontends.cli import main
from bot.services.config import load_settings
from bot.services.context import Context
from bot.services.ended import ended_info, ended_line
from bot.services.importer import import_paths
from scrapers.billstatus import parse_billstatus
from scrapers.errors import HostileContent, SourceChanged
from tests.billstatus_rules import expected_final, passages_on_record

DATA = Path(__file__).resolve().parent / "data" / "billstatus"
FILES = sorted(DATA.glob("*.xml"))
HR2471 = DATA / "samples_formatChange_future_BILLSTATUS-117hr2471.xml"
HR3762 = DATA / "samples_legacy_BILLSTATUS-114hr3762.xml"


@pytest.fixture
def ctx(db_url, monkeypatch) -> Context:
    monkeypatch.setenv("LEGISWATCH_DB_URL", db_url)
    return Context(settings=load_settings(), now_override=datetime(2022, 3, 16, 15, tzinfo=UTC))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_subset_passages_and_final_stage(path):
    rec = parse_billstatus(path.read_bytes())
    stages = bill_stages(rec.actions, rec.type)
    assert "Failed" not in [s for s, _ in stages]
    for chamber, when in passages_on_record(rec.actions):
        assert any(d == when and (s == f"Passed {chamber}" or s == "Agreed to") for s, d in stages)
    assert stages[-1][0] == expected_final(rec)


def test_billstatus_gives_the_parts_a_poll_gives():
    rec = parse_billstatus(HR2471.read_bytes())
    assert rec.bill_id == "hr2471-117" and rec.introduced == date(2021, 4, 13)
    assert rec.sponsor["bioguide_id"] and rec.cosponsors and rec.committees and rec.text_versions
    assert {v.code for v in rec.text_versions} >= {"ih", "eh", "enr"}
    assert all(a.source == "billstatus" for a in rec.actions)
    assert rec.latest_action.text.startswith("Became Public Law")


@pytest.mark.parametrize("data, error", [
    (b"<billStatus/>", SourceChanged), (b"<html><body>hi</body></html>", SourceChanged),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><billStatus><bill>&a;</bill></billStatus>',
     HostileContent),
])
def test_not_a_billstatus_file(data, error):
    with pytest.raises(error):
        parse_billstatus(data)


def test_import_is_idempotent_never_alerts_and_records_its_source(ctx):
    first = import_paths(ctx, [str(p) for p in FILES])
    assert first.exit_code == 0 and all(f.changes > 0 for f in first.files)
    again = import_paths(ctx, [str(p) for p in FILES])
    assert again.exit_code == 0 and [f.changes for f in again.files] == [0] * len(FILES)
    assert ctx.repo.deliveries(purpose="alert") == []
    doc = ctx.repo.get_document("bill", "hr2471-117")
    assert doc["source"] == "billstatus"
    card = ctx.repo.bill("hr2471-117")
    assert card["stage"] == "Became law"
    assert ("Passed House", date(2021, 6, 29)) in [(s["stage"], s["date"]) for s in card["stages"]]
    assert ctx.repo.watch_items() == []                 # an import never adds to the watchlist


def test_import_cli_exit_codes(ctx, tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<notbillstatus/>")
    assert main(["import", str(HR3762)]) == 0
    assert main(["import", str(bad)]) == 1
    assert main(["import", str(tmp_path / "missing.xml")]) == 2
    err = capsys.readouterr().err
    assert "FAILED" in err and "Traceback" not in err


class _OldAnalyzer(Analyzer):
    """The classifier as it was: "Rule H. Res. N passed House." read as the bill passing."""

    def stages(self, actions, bill_type):
        rule = next(a for a in actions if a.text.startswith("Rule H. Res."))
        real = bill_stages(actions, bill_type)
        return [(s, rule.date if s == "Passed House" else d) for s, d in real] + [("Failed", real[-1][1])]


def test_rederived_stages_move_without_re_alerting(ctx):
    ctx.repo.record([parse_billstatus(HR3762.read_bytes())], _OldAnalyzer())
    before = {c.key for c in ctx.repo.changes(bill_id="hr3762-114", limit=1000)}
    assert ("Passed House", date(2015, 10, 22)) in [(s["stage"], s["date"]) for s in ctx.repo.bill("hr3762-114")["stages"]]
    report = import_paths(ctx, [str(HR3762)])
    after = ctx.repo.changes(bill_id="hr3762-114", limit=1000)
    assert report.files[0].changes == 0 and {c.key for c in after} == before      # nothing new, nothing twice
    stages = [(s["stage"], s["date"]) for s in ctx.repo.bill("hr3762-114")["stages"]]
    assert ("Passed House", date(2015, 10, 23)) in stages and "Failed" not in [s for s, _ in stages]
    assert ctx.repo.deliveries(purpose="alert") == []


@pytest.mark.parametrize("congress, stage, today, expected", [
    (118, "Passed House", date(2026, 2, 20), "Died in the 118th Congress — last stage: Passed House"),
    (118, "Passed House", date(2025, 1, 2), None),
    (119, "Passed House", date(2026, 2, 20), None),
    (117, "Became law", date(2026, 2, 20), None),
    (114, "Vetoed", date(2026, 2, 20), "Died in the 114th Congress — last stage: Vetoed"),
])
def test_ended_congress(congress, stage, today, expected):
    info = ended_info(congress, stage, today)
    assert ended_line(info) == expected
    if info:
        assert info == {"congress": congress, "date": f"{1789 + 2 * congress}-01-03", "last_stage": stage}
