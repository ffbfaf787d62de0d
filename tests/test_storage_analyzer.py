"""Recording needs an analyzer: without one, storage refuses instead of silently recording a bill
with no stage, no vote and every change graded "normal"."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.analysis.analyzer import Analyzer
from scrapers.records import ActionRecord, BillRecord
from storage.repo import open_repo


def _bill() -> BillRecord:
    return BillRecord(bill_id="hr2683-119", congress=119, type="hr", number=2683, title="Remote Access Security Act",
                      actions=[ActionRecord(date(2026, 1, 12), "On motion to suspend the rules and pass the bill, "
                                            "as amended Agreed to by the Yeas and Nays: (2/3 required): 369 - 22 "
                                            "(Roll no. 12).", code="H37300", chamber="House")])


def test_record_without_an_analyzer_refuses(tmp_path):
    repo = open_repo(f"sqlite:///{tmp_path}/plain.db")
    with pytest.raises(ValueError, match="needs an analyzer"):
        repo.record([_bill()])
    assert repo.bill("hr2683-119") is None
    repo.dispose()


def test_the_repos_own_analyzer_records_stage_vote_and_headline(tmp_path):
    repo = open_repo(f"sqlite:///{tmp_path}/analyzed.db", analyzer=Analyzer())
    (stage,) = [c for c in repo.record([_bill()]) if c.kind == "stage"]
    assert stage.headline == "H.R. 2683 passed the House 369–22" and stage.materiality == "high"
    repo.dispose()


def test_storage_writes_no_wording_and_no_key_of_its_own():
    """Change keys and headlines come from the analysis room (bot/analysis/headlines.py)."""
    repo = Path(__file__).resolve().parent.parent / "storage" / "repo"
    for path in repo.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(key|headline)=f[\"']", text), path.name


def test_the_analyzer_words_and_keys_each_kind():
    a = Analyzer()
    assert a.change_key("action", "hr2683-119", "ab12") == "action:hr2683-119:ab12"
    assert a.headline("fr_document", doc="2026-00789", title="Revision", type="Rule") == \
        "New Federal Register rule 2026-00789: Revision"
    assert a.headline("public_inspection", doc="2026-02345", title="KYC", type=None) == \
        "On public inspection (document) 2026-02345: KYC"
    assert a.headline("committee", short="H.R. 2683", activity="Referred to", committee="Foreign Affairs") == \
        "H.R. 2683: Referred to Foreign Affairs"
    assert a.headline("unknown-kind", title="Something") == "Something"
