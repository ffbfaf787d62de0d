"""eCFR: the part parser (every word kept, paragraphs keyed), the source against the sandbox
(incremental: only parts whose version list moved are fetched; pending dates re-checked), and the
before/after diff with its summary."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bot.analysis.cfrdiff import cfr_diff
from bot.sandbox.server import DATA_DIR
from scrapers.ecfr import CFR_TEXT, EcfrSource, parse_ref
from scrapers.ecfr_parse import WORD_RE, parse_part, unit_label, words_of_xml
from scrapers.errors import HostileContent, SourceChanged
from scrapers.http import PoliteSession
from scrapers.records import CursorUpdate, DocumentRecord, Watch

FULL = Path(DATA_DIR) / "ecfr" / "api" / "versioner" / "v1" / "full"
BEFORE = (FULL / "2026-01-14" / "title-15.xml@part=742").read_bytes()
AFTER = (FULL / "2026-01-15" / "title-15.xml@part=742").read_bytes()


def coverage(data: bytes) -> float:
    ref = Counter(words_of_xml(data))
    got: Counter = Counter()
    for s in parse_part(data).sections:
        for u in s.walk():
            got.update(w.casefold() for w in WORD_RE.findall(f"{u.num} {u.heading} {u.text}"))
    return sum((ref & got).values()) / sum(ref.values())


@pytest.mark.parametrize("data", [BEFORE, AFTER], ids=["2026-01-14", "2026-01-15"])
def test_every_word_of_the_part_is_kept(data):
    assert coverage(data) >= 0.99


def test_a_dropped_block_lowers_coverage():
    # the measure can fail: a part whose paragraphs the parser cannot see is counted short
    hidden = AFTER.replace(b"<P>(b) <I>Licensing", b"<HIDDEN>(b) <I>Licensing").replace(
        b"reviewed on a case-by-case basis.</P>", b"reviewed on a case-by-case basis.</HIDDEN>")
    ref = Counter(words_of_xml(hidden))
    units = parse_part(hidden)
    keys = {u.key for s in units.sections for u in s.walk()}
    assert "742.6/b" not in keys and sum(ref.values()) > 0


def test_paragraphs_are_keyed_by_section_and_label():
    units = parse_part(AFTER, on=date(2026, 1, 15))
    assert units.bill_id == "15-cfr-742" and units.version_code == "2026-01-15"
    keys = [u.key for s in units.sections for u in s.walk()]
    for key in ("742", "742.1", "742.1/a", "742.6/a/1", "742.6/b/10/i", "742.6/b/10/iii/A/1",
                "742.6/b/10/iv", "742.6/cita", "Supplement No. 1 to Part 742"):
        assert key in keys
    six = next(s for s in units.sections if s.key == "742.6")
    assert six.heading == "Regional stability."
    a1 = next(u for u in six.walk() if u.key == "742.6/b/10/iii/A/1")
    assert a1.text.startswith("A case-by-case review policy")
    part = units.sections[0]
    assert "50 U.S.C. 4801-4852" in part.text and "61 FR 12762" in part.text
    supp = units.sections[-1]
    assert "CB Column 1 | All destinations except Canada" in supp.text
    assert unit_label("742.6/b/10/iii/A/1") == "§ 742.6(b)(10)(iii)(A)(1)"


def test_letter_i_after_h_is_a_letter_and_roman_after_a_number():
    xml = (b'<DIV5 N="9" TYPE="PART"><HEAD>PART 9</HEAD><DIV8 N="9.1" TYPE="SECTION"><HEAD>\xc2\xa7 9.1 X.</HEAD>'
           b'<P>(h) Aitch.</P><P>(i) Eye as a letter.</P><P>(1) One.</P><P>(i) Roman one.</P><P>(ii) Roman two.</P>'
           b'<P>(j) Jay.</P></DIV8></DIV5>')
    keys = [u.key for s in parse_part(xml).sections for u in s.walk()]
    assert keys == ["9", "9.1", "9.1/h", "9.1/i", "9.1/i/1", "9.1/i/1/i", "9.1/i/1/ii", "9.1/j"]


def test_hostile_and_wrong_xml_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><DIV5 N="1">&a;</DIV5>'
    with pytest.raises(HostileContent):
        parse_part(bomb)
    with pytest.raises(SourceChanged):
        parse_part(b"<ECFR><P>no part</P></ECFR>")
    with pytest.raises(SourceChanged):
        parse_part(b"")


def test_cfr_refs_parse_or_say_what_is_accepted():
    assert parse_ref("15 CFR 744") == (15, "744", None)
    assert parse_ref("15 CFR 744.23") == (15, "744", "744.23")
    assert parse_ref("15 C.F.R. Part 742") == (15, "742", None)
    for bad in ("744", "15 USC 744", "99 CFR 1", "15 CFR abc"):
        with pytest.raises(ValueError, match="accepted"):
            parse_ref(bad)


def test_the_diff_names_the_paragraph_both_dates_and_the_rule():
    change = cfr_diff(parse_part(BEFORE, on=date(2026, 1, 14)), parse_part(AFTER, on=date(2026, 1, 15)),
                      rule="2026-00789")
    labels = {line.split(":")[0] for line in change.lines}
    assert "§ 742.6(b)(10)(iii)(A)(1)" in labels and "§ 742.6(b)(10)(iv)" in labels
    assert not any("742.1" in lab for lab in labels)          # unchanged sections say nothing
    text = change.summary()
    assert "2026-01-14 → 2026-01-15" in text and "2026-00789" in text
    a1 = next(line for line in change.lines if line.startswith("§ 742.6(b)(10)(iii)(A)(1)"))
    assert "presumption of denial" in a1 and "case-by-case" in a1
    same = cfr_diff(parse_part(AFTER, on=date(2026, 1, 15)), parse_part(AFTER, on=date(2026, 1, 16)))
    assert same.lines == [] and "no change" in same.summary()


@pytest.fixture
def ecfr(gov_sandbox):
    session = PoliteSession(source="ecfr", timeout=2.0, retries=0, backoff=0.0)
    return gov_sandbox, EcfrSource(session, gov_sandbox.url + "/ecfr")


def _poll(src, watch, cursor, today):
    items = list(src.poll(watch, cursor, today=today))
    cursor = next(i.cursor for i in reversed(items) if isinstance(i, CursorUpdate))
    return [i for i in items if isinstance(i, DocumentRecord)], cursor


def test_source_fetches_the_days_around_a_rule_then_only_what_moved(ecfr):
    gov, src = ecfr
    rule = {"number": "2026-00789", "effective_on": "2026-01-15", "parts": ["15/742"]}
    watch = Watch(cfr_rules=[rule])
    docs, cursor = _poll(src, watch, {}, date(2026, 1, 20))
    ids = {d.external_id for d in docs}
    assert {"15-cfr-742@2026-01-14", "15-cfr-742@2026-01-15"} <= ids
    assert all(d.kind == CFR_TEXT and d.source == "ecfr" for d in docs)
    assert cursor["latest"]["15/742"] == "2026-01-15" and cursor["pending"] == []
    gov.reset_log()
    docs, cursor2 = _poll(src, watch, cursor, date(2026, 1, 21))
    assert docs == [] and gov.count("/ecfr/api/versioner/v1/full/") == 0     # nothing moved: no text fetched
    assert gov.count("/ecfr/api/versioner/v1/versions/") == 1
    # eCFR publishes a new version of the part: only that part's new days are fetched
    gov.route("/ecfr/api/versioner/v1/versions/title-15.json", {"content_versions": [
        {"date": "2026-01-15", "identifier": "742.6", "part": "742", "title": "15", "type": "section"},
        {"date": "2026-02-02", "identifier": "742.6", "part": "742", "title": "15", "type": "section"}]},
        query={"part": "742"})
    gov.route("/ecfr/api/versioner/v1/full/2026-02-01/title-15.xml", AFTER, query={"part": "742"})
    gov.route("/ecfr/api/versioner/v1/full/2026-02-02/title-15.xml", AFTER.replace(b"five years", b"ten years"),
              query={"part": "742"})
    gov.reset_log()
    docs, cursor3 = _poll(src, watch, cursor2, date(2026, 2, 3))
    assert sorted(d.external_id for d in docs) == ["15-cfr-742@2026-02-01", "15-cfr-742@2026-02-02"]
    assert gov.count("/ecfr/api/versioner/v1/full/") == 2


def test_a_rule_not_yet_in_effect_stays_pending(ecfr):
    gov, src = ecfr
    watch = Watch(cfr_rules=[{"number": "2026-09999", "effective_on": "2026-03-01", "parts": ["15/742"]}])
    _, cursor = _poll(src, watch, {"latest": {"15/742": "2026-01-15"}, "fetched": []}, date(2026, 2, 1))
    assert cursor["pending"] == [{"part": "15/742", "on": "2026-03-01", "rule": "2026-09999"}]
    gov.reset_log()
    # on later polls without the rule in the watch, the pending date is still re-checked
    _, cursor = _poll(src, Watch(), cursor, date(2026, 2, 2))
    assert cursor["pending"] == [{"part": "15/742", "on": "2026-03-01", "rule": "2026-09999"}]
    assert gov.count("/ecfr/api/versioner/v1/full/") == 0
