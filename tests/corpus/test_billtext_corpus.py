"""Conformance: every bill text file of the shared corpus (``../shared/corpus/bills``: 75 USLM and
11 bill DTD versions of every kind) parses, and meets the corpus README's rules, measured from the
XML independently of the parser (``tests/billtext_rules.py``): at least 99% of the body's words
reach a unit, every dollar amount is kept, and the bill id, version code and date come out.

Run with ``pytest -m corpus tests/corpus`` (``.ci/corpus``); skipped with a reason when the corpus
is absent (and then the corpus run fails).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scrapers.billtext import parse_bill_text, passages
from scrapers.ids import parse_bill_id
from tests.billtext_rules import coverage

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "bills"
FILES = sorted(p for p in CORPUS.glob("*/*") if p.suffix.lower() == ".xml") if CORPUS.is_dir() else []

pytestmark = [pytest.mark.corpus,
              pytest.mark.skipif(not FILES, reason=f"the shared corpus is absent ({CORPUS})")]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name.removeprefix('bill-version-samples-september-2024_')}"


@pytest.fixture(scope="module", params=FILES, ids=_id)
def version(request):
    data = request.param.read_bytes()
    return request.param, data, parse_bill_text(data, name=request.param.name)


def test_every_body_word_reaches_a_unit(version):
    path, data, bt = version
    cov = coverage(data, bt)
    assert cov.body > 0
    assert cov.share >= 0.99, f"{path.name}: {cov.kept}/{cov.body} words; missing {cov.missing.most_common(10)}"


def test_every_dollar_amount_is_kept(version):
    path, data, bt = version
    cov = coverage(data, bt)
    assert not cov.amounts_missing, f"{path.name}: {sorted(cov.amounts_missing)[:10]} of {cov.amounts} dropped"


def test_bill_id_version_code_and_date(version):
    path, _data, bt = version
    assert parse_bill_id(bt.bill_id).congress >= 93, path.name
    assert re.fullmatch(r"[a-z]{2,4}", bt.version_code), (path.name, bt.version_code)
    assert bt.date is not None, path.name


def test_units_have_unique_keys_and_searchable_passages(version):
    _path, _data, bt = version
    keys = [u.key for s in bt.sections for u in s.walk()]
    assert len(keys) == len(set(keys))
    assert passages(bt)


def test_the_corpus_is_all_here():
    kinds = {p.parent.name for p in FILES}
    assert kinds == {"uslm", "billdtd"} and len(FILES) >= 86
