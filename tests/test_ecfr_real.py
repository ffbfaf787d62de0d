"""The eCFR parser against a real versioner response (not a reconstruction): 3 CFR part 101 as
``/api/versioner/v1/full/2024-05-17/title-3.xml?part=101`` served it, committed whole as
``tests/data/ecfr/title-3-part-101-2024-05-17.xml`` (provenance in ``tests/data/ecfr/README.md``).

Coverage is the bills' rule (``tests/billtext_rules.py``: the same word pattern, multiset share of
the reference words found in the units' label, heading and text), with the reference counted
straight from the XML — every word inside the ``DIV5`` part, markup ignored — not by the parser.
Run with ``-s`` to see the figure.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lxml import etree

from scrapers.ecfr_parse import parse_part, unit_label
from scrapers.records import BillText
from tests.billtext_rules import words

REAL = Path(__file__).parent / "data" / "ecfr" / "title-3-part-101-2024-05-17.xml"


def reference_words(data: bytes) -> Counter:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    part = root if root.tag == "DIV5" else next(root.iter("DIV5"))
    return words(" ".join(part.itertext()))


def unit_words(bt: BillText) -> Counter:
    out: list[str] = []
    for top in bt.sections:
        for u in top.walk():
            out += [unit_label(u.key), u.heading, u.text]
    return words(" ".join(out))


def share(data: bytes, bt: BillText | None = None) -> tuple[float, int, Counter]:
    want, have = reference_words(data), unit_words(bt or parse_part(data, title=3))
    kept = sum(min(n, have[w]) for w, n in want.items())
    missing = Counter({w: n - have[w] for w, n in want.items() if n > have[w]})
    return kept / sum(want.values()), sum(want.values()), missing


def test_real_part_keeps_every_word():
    data = REAL.read_bytes()
    figure, total, missing = share(data)
    print(f"\n3 CFR part 101 (eCFR versioner, 2024-05-17): {figure:.2%} of {total} words kept; "
          f"missing: {dict(missing) or 'none'}")
    assert figure >= 0.99, missing


def test_real_part_structure():
    bt = parse_part(REAL.read_bytes(), title=3)
    assert bt.bill_id == "3-cfr-101"
    assert bt.title == "PART 101—PUBLIC INFORMATION PROVISIONS OF THE ADMINISTRATIVE PROCEDURES ACT"
    keys = [u.key for s in bt.sections for u in s.walk()]
    # every DIV8 is a section unit (101.3 is absent from the part itself), source notes are children
    assert [k for k in keys if "/" not in k] == ["101", "101.1", "101.2", "101.4", "101.5", "101.6",
                                                 "101.7", "101.8"]
    assert [k for k in keys if k.endswith("/cita")] == ["101.5/cita", "101.6/cita", "101.7/cita",
                                                        "101.8/cita"]
    by_key = {u.key: u for s in bt.sections for u in s.walk()}
    # the section heading loses its "§ 101.8" (the key carries it) and the part keeps AUTH/SOURCE
    assert by_key["101.8"].heading == "Office of the United States Trade Representative."
    assert by_key["101"].text.startswith("Authority:\n5 U.S.C. 552.\nSource:\n40 FR 8061")
    assert by_key["101.6/cita"].text == "[55 FR 46037, Nov. 1, 1990]"


def test_the_measure_can_fail_on_the_real_file():
    # units that lost one section (101.1) are counted short
    data = REAL.read_bytes()
    bt = parse_part(data, title=3)
    bt.sections = [s for s in bt.sections if s.key != "101.1"]
    figure, _, missing = share(data, bt)
    assert figure < 0.99 and missing["promulgated"] == 1
