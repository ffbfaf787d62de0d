"""Conformance: every govinfo BILLSTATUS file of the shared corpus (``../shared/corpus/billstatus``),
imported as ``legiswatch import`` would, and checked against what the chambers did.

The checks use the Library of Congress's own action codes as the independent record (8000 passed
House, 17000 passed Senate, 9000/18000 failed, 28000 presented, 31000 vetoed, 36000 law), never the
classifier's patterns:
- no stage from a rule, a motion (recommit, instruct, table, proceed, reconsider) or a cloture vote;
- no ``Failed`` unless the file records the measure itself failing;
- a House and a Senate passage whenever the record has one, on its date;
- the final stage right.
Run with ``pytest -m corpus tests/corpus`` (``.ci/corpus``); skipped with a reason when the corpus
is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from bot.analysis.stages import bill_stages, classify_action
from scrapers.billstatus import parse_billstatus
from tests.billstatus_rules import expected_final, passages_on_record

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "billstatus"
FILES = sorted(CORPUS.glob("*.xml")) if CORPUS.is_dir() else []

pytestmark = [pytest.mark.corpus,
              pytest.mark.skipif(not FILES, reason=f"the shared corpus is absent ({CORPUS})")]

_NEVER_A_STAGE = re.compile(r"^rule h\. ?res\.|\bcloture\b|motion to (recommit|commit|instruct|table|proceed|"
                            r"reconsider)|^motion by senator|moved to (recommit|suspend|table)", re.I)


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.name.removeprefix("samples_"))
def record(request):
    return parse_billstatus(request.param.read_bytes(), url=request.param.as_uri())


def test_every_action_is_read(record):
    root = etree.fromstring(Path(record.api_url.removeprefix("file://")).read_bytes())
    items = root.find("bill").find("actions").findall("item")
    wordings = {" ".join((i.findtext("text") or "").split()) for i in items} - {""}
    kept = {t for a in record.actions for t in a.texts}
    assert record.actions and all(a.text for a in record.actions)
    assert wordings == kept         # every wording of every record is kept, merged or not


def test_no_stage_from_a_rule_a_motion_or_cloture(record):
    for a in record.actions:
        if not any(c in {"8000", "17000", "9000", "18000"} for c in a.codes) and _NEVER_A_STAGE.search(a.text):
            assert classify_action(a).stage is None, a.text


def test_no_failed_unless_the_measure_failed(record):
    stages = [s for s, _ in bill_stages(record.actions, record.type)]
    failed_on_record = any(c in {"9000", "18000"} for a in record.actions for c in a.codes)
    assert ("Failed" in stages) == failed_on_record


def test_each_chamber_passage_on_its_date(record):
    stages = bill_stages(record.actions, record.type)
    for chamber, when in passages_on_record(record.actions):
        names = {"Passed House", "Passed Senate", "Agreed to"} if record.type in ("hres", "sres", "hconres",
                                                                                  "sconres") else {f"Passed {chamber}"}
        assert any(s in names and d == when for s, d in stages), (chamber, when, stages)


def test_the_final_stage(record):
    stages = bill_stages(record.actions, record.type)
    assert stages[-1][0] == expected_final(record)
