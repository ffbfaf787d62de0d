"""Section-level bill diff and redline rendering, on real USLM versions and the flagship definition."""

from __future__ import annotations

import difflib
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis.billdiff import diff_bills, label_for, normalize_text, word_ops
from bot.analysis.redline import redline_html, redline_text
from scrapers.billtext import parse_bill_text
from scrapers.records import BillText, Section

DIFF = Path(__file__).resolve().parent / "data" / "diff"

PURPOSEFUL = "on a purposeful, knowing, reckless, or negligent basis"
CCL = ("included on the Commerce Control List set forth in Supplement No. 1 to part 774 of the Export "
       "Administration Regulations")


def load(name: str, bill_id: str | None = None, code: str | None = None) -> BillText:
    return parse_bill_text((DIFF / name).read_bytes(), bill_id=bill_id, version_code=code)


@pytest.fixture(scope="module")
def flagship() -> dict[str, BillText]:
    return {
        "hr8152": load("flagship-hr8152-118-rfs.xml", "hr8152-118", "rfs"),
        "ih": load("flagship-hr2683-119-ih.xml", "hr2683-119", "ih"),
        "eh": load("flagship-hr2683-119-eh.xml", "hr2683-119", "eh"),
        "eh_uslm": load("flagship-hr2683-119-eh-uslm.xml", "hr2683-119", "eh"),
        "s3519": load("flagship-s3519-119-is.xml", "s3519-119", "is"),
    }


def by_kind(diff, kind):
    return [c for c in diff.changes if c.kind == kind]


# ---- real USLM versions ------------------------------------------------------------------

class TestRealUslmVersions:
    def test_hjres37_reported_vs_referred_in_senate(self):
        d = diff_bills(load("uslm-116hjres37-rh.xml"), load("uslm-116hjres37-rfs.xml"))
        assert (d.old_id, d.new_id) == ("hjres37-116-rh", "hjres37-116-rfs")
        assert d.substantive
        added = {c.key: c for c in by_kind(d, "added")}
        # the new findings on anti-Semitism, (11) with its subparagraphs, and the new section 4
        assert {"1/11", "1/12", "1/13", "1/14", "4"} == set(added)
        assert "combat anti-Semitism around the world" in added["1/11"].new_text
        assert "(A) anti-Semitism is a challenge" in added["1/11"].new_text
        assert added["4"].heading.upper() == "RULE OF CONSTRUCTION REGARDING INTELLIGENCE SHARING"
        assert "(1) the collection of intelligence;" in added["4"].new_text
        # old sections 4 and 5 moved down one: renumbered, not removed + added
        moved = {(c.old_key, c.new_key) for c in by_kind(d, "renumbered")}
        assert moved == {("4", "5"), ("5", "6")}
        assert all(not c.inserted and not c.deleted for c in by_kind(d, "renumbered"))
        assert by_kind(d, "removed") == []
        # one real wording change in section 2
        (sec2,) = by_kind(d, "reworded")
        assert sec2.label == "Sec. 2" and sec2.inserted == ["of"] and sec2.deleted == []
        assert d.stats["added"] == 5 and d.stats["renumbered"] == 2 and d.stats["units_new"] > d.stats["units_old"]

    def test_hr1037_engrossed_vs_referred_has_no_substantive_change(self):
        eh, rfs = load("uslm-116hr1037-eh.xml"), load("uslm-116hr1037-rfs.xml")
        d = diff_bills(eh, rfs)
        assert d.changes == [] and d.substantive is False
        assert d.stats["unchanged"] == d.stats["units_old"] > 10
        assert "no change in substance" in redline_text(d)


# ---- the flagship definition of "remote access" ---------------------------------------------

class TestFlagshipDefinition:
    def test_introduced_to_engrossed_adds_mens_rea_and_secretary_condition(self, flagship):
        d = diff_bills(flagship["ih"], flagship["eh"])
        assert (d.old_id, d.new_id) == ("hr2683-119-ih", "hr2683-119-eh")
        (c,) = d.changes
        assert (c.kind, c.label, c.topic) == ("reworded", "Sec. 2(1)", 'definition of "remote access"')
        assert PURPOSEFUL in c.inserted
        assert "under this Act" in c.inserted
        assert any(x.startswith("if the Secretary determines that the use of the item could pose a serious risk")
                   for x in c.inserted)
        assert c.deleted == []

    def test_2024_bill_to_engrossed_drops_the_commerce_control_list_limit(self, flagship):
        d = diff_bills(flagship["hr8152"], flagship["eh"])
        (c,) = d.changes
        assert PURPOSEFUL in c.inserted
        assert any(CCL in x for x in c.deleted)
        assert any("training an artificial intelligence model" in x for x in c.deleted)
        assert d.stats["words_deleted"] > d.stats["words_inserted"] > 0

    def test_2024_bill_to_introduced_only_deletes(self, flagship):
        d = diff_bills(flagship["hr8152"], flagship["ih"])
        (c,) = d.changes
        assert c.inserted == [] and any(CCL in x for x in c.deleted)

    def test_house_bill_vs_senate_companion(self, flagship):
        d = diff_bills(flagship["eh"], flagship["s3519"])
        (c,) = d.changes
        assert PURPOSEFUL in c.deleted
        assert any("of concern through a cloud infrastructure service" in x for x in c.inserted)
        assert any("outside the United States and" in x for x in c.inserted)

    def test_same_text_in_bill_dtd_and_uslm_is_not_a_change(self, flagship):
        assert (flagship["eh"].schema, flagship["eh_uslm"].schema) == ("billdtd", "uslm")
        d = diff_bills(flagship["eh"], flagship["eh_uslm"])
        assert d.substantive is False, redline_text(d)


# ---- formatting is not a change ----------------------------------------------------------

def _bill(code: str, *sections: Section, title: str = "A bill") -> BillText:
    return BillText(bill_id="hr1-119", version_code=code, title=title, sections=list(sections))


@pytest.mark.parametrize("variant", [
    "The term ``remote access'' means access--by a foreign person.",
    "The term \u201cremote access\u201d means access\u2014by a foreign person.",
    'The term "remote access"  means\naccess \u2014 by a\u00a0foreign person.',
    "The term \u2018remote access\u2019 means access\u2014by a foreign\f person.",
])
def test_quote_styles_whitespace_and_page_breaks_are_not_changes(variant):
    base = 'The term "remote access" means access\u2014by a foreign person.'
    old = _bill("ih", Section("1", "1", "FINDINGS.", base))
    new = _bill("eh", Section("1", "1", "Findings", variant))
    d = diff_bills(old, new)
    assert d.changes == [] and not d.substantive


def test_a_real_word_change_is_found_among_formatting_noise():
    old = _bill("ih", Section("1", "1", "", "The term ``item'' means a thing\nsubject to the Act."))
    new = _bill("eh", Section("1", "1", "", "The term \u201citem\u201d means any thing subject to this Act."))
    (c,) = diff_bills(old, new).changes
    assert c.inserted == ["any", "this"] and c.deleted == ["a", "the"]


def test_renumbered_and_reworded_sections_are_matched_by_content():
    texts = [f"The Secretary shall report on topic number {w} to the appropriate committees." for w in
             ("alpha", "bravo", "charlie", "delta")]
    old = _bill("ih", *[Section(str(i + 1), str(i + 1), f"Report {i}", t) for i, t in enumerate(texts)])
    inserted = Section("2", "2", "Brand new", "Entirely different words about fisheries management.")
    shifted = [Section(str(i + 2), str(i + 2), f"Report {i}", t) for i, t in enumerate(texts[1:], start=1)]
    shifted[-1].text = shifted[-1].text.replace("the appropriate", "the relevant")
    new = _bill("eh", Section("1", "1", "Report 0", texts[0]), inserted, *shifted)
    d = diff_bills(old, new)
    kinds = {(c.kind, c.old_key, c.new_key) for c in d.changes}
    assert kinds == {("added", None, "2"), ("renumbered", "2", "3"), ("renumbered", "3", "4"),
                     ("renumbered", "4", "5")}
    last = next(c for c in d.changes if c.new_key == "5")
    assert (last.inserted, last.deleted) == (["relevant"], ["appropriate"])
    assert last.label == "Sec. 5" and last.old_label == "Sec. 4"


def test_removed_section_and_heading_change_and_title_change():
    old = _bill("ih", Section("1", "1", "Short title", "This Act may be cited as the X Act."),
                Section("2", "2", "Sunset", "This Act expires in 5 years."), title="To do X.")
    new = _bill("eh", Section("1", "1", "Short title and table", "This Act may be cited as the X Act."),
                title="To do X and Y.")
    d = diff_bills(old, new)
    kinds = {(c.kind, c.key) for c in d.changes}
    assert kinds == {("reworded", "title"), ("reworded", "1"), ("removed", "2")}
    sec1 = next(c for c in d.changes if c.key == "1")
    assert sec1.heading_changed and sec1.inserted == []
    removed = next(c for c in d.changes if c.kind == "removed")
    assert removed.old_text == "This Act expires in 5 years." and removed.new_key is None


def test_child_changes_are_reported_at_their_own_level():
    old = _bill("ih", Section("2", "2", "Defs", "In this Act:", children=[
        Section("2/1", "1", "", "The term A means a.", "paragraph"),
        Section("2/2", "2", "", "The term B means b.", "paragraph")]))
    new = _bill("eh", Section("2", "2", "Defs", "In this Act:", children=[
        Section("2/1", "1", "", "The term A means a or c.", "paragraph"),
        Section("2/2", "2", "", "The term B means b.", "paragraph")]))
    (c,) = diff_bills(old, new).changes
    assert (c.key, c.label, c.level, c.inserted) == ("2/1", "Sec. 2(1)", "paragraph", ["or c"])


def test_labels_and_word_ops():
    assert label_for("2/a/1") == "Sec. 2(a)(1)" and label_for("12") == "Sec. 12"
    assert normalize_text("``a''  \u2014 b--c") == '"a" \u2014 b\u2014c'
    ops = word_ops("to an item that is subject", "to an item subject")
    assert ops == [("equal", "to an item", "to an item"), ("delete", "that is", ""),
                   ("equal", "subject", "subject")]


_WORDS = st.sampled_from(["the", "a", "item", "United", "States,", "(1)", "shall;", "report\u2014", "'x'",
                          '"y"', "Secretary.", "of"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=14), st.lists(_WORDS, max_size=14))
def test_word_ops_rebuild_both_texts(a_words, b_words):
    a, b = " ".join(a_words), " ".join(b_words)
    ops = word_ops(a, b)
    old = " ".join(x for tag, x, _y in ops if tag != "insert" and x)
    new = " ".join(y for tag, _x, y in ops if tag != "delete" and y)
    assert old.replace(" ", "") == a.replace(" ", "") and new.replace(" ", "") == b.replace(" ", "")
    assert all(x.replace(" ", "").replace("'", '"') == y.replace(" ", "").replace("'", '"')
               for tag, x, y in ops if tag == "equal")


def test_to_dict_is_json(flagship):
    d = diff_bills(flagship["hr8152"], flagship["eh"])
    data = json.loads(json.dumps(d.to_dict()))
    assert data["old_id"] == "hr8152-118-rfs" and data["substantive"] is True
    assert data["changes"][0]["label"] == "Sec. 2(1)" and PURPOSEFUL in data["changes"][0]["inserted"]


# ---- redline -----------------------------------------------------------------------------

class TestRedline:
    def test_text_marks_insertions_and_deletions_with_labels(self, flagship):
        out = redline_text(diff_bills(flagship["hr8152"], flagship["eh"]))
        assert out.startswith("hr8152-118-rfs → hr2683-119-eh:")
        assert 'Sec. 2(1) — definition of "remote access" [reworded]' in out
        assert "{+" + PURPOSEFUL + "+}" in out
        assert "[-(without regard to the physical location of the item) and " + CCL + ",-]" in out

    def test_limit_cuts_at_a_unit_boundary_and_says_what_is_left(self):
        d = diff_bills(load("uslm-116hjres37-rh.xml"), load("uslm-116hjres37-rfs.xml"))
        full = redline_text(d)
        cut = redline_text(d, limit=900)
        assert len(cut) <= 900 < len(full)
        m = re.search(r"… (\d+) more changes? not shown", cut)
        assert m
        shown = cut.count("\n\nSec. ")
        assert shown + int(m.group(1)) == len(d.changes)
        assert cut.split("\n\n…")[0] in full      # whole units only

    def test_limit_smaller_than_one_unit_cuts_inside_it_cleanly(self, flagship):
        d = diff_bills(flagship["hr8152"], flagship["eh"])
        cut = redline_text(d, limit=300)
        assert len(cut) <= 300 and "(cut)" in cut
        assert cut.count("{+") == cut.count("+}") and cut.count("[-") == cut.count("-]")

    def test_html_is_standalone_and_escaped(self):
        old = _bill("ih", Section("1", "1", "<b>Bold</b>", "Keep <script>alert(1)</script> & more."))
        new = _bill("eh", Section("1", "1", "<b>Bold</b>", "Keep <script>alert(2)</script> & more."))
        page = redline_html(diff_bills(old, new), "H.R. 1 <ih → eh>")
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
        assert "<script>" not in page and "&lt;script&gt;" in page
        assert "<del>1</del>" in page.replace("alert(", "") or "<del>" in page
        assert "<ins>" in page and "H.R. 1 &lt;ih → eh&gt;" in page


# ---- speed ---------------------------------------------------------------------------------

def _big_bill(code: str, n: int, edit: bool) -> BillText:
    """``n`` sections of real USLM text shapes; the edited version rewords every 20th section's
    second paragraph and drops section 501, so the 499 after it are renumbered."""
    sample = load("uslm-116hjres37-rfs.xml").sections
    shapes = [s.text for top in sample for s in top.walk() if len(s.text) > 80]
    contents = []
    for i in range(n):
        kids = []
        for j in range(4):
            text = shapes[(i + j) % len(shapes)] + f" This applies to program {i}-{j}."
            if edit and i % 20 == 0 and j == 1:
                text = text.replace(" This applies", " This also applies")
            kids.append(text)
        contents.append((f"Section heading {i}", shapes[i % len(shapes)], kids))
    if edit:
        del contents[500]
    sections = []
    for k, (heading, text, kids) in enumerate(contents, 1):
        sections.append(Section(str(k), str(k), heading, text, children=[
            Section(f"{k}/{j}", str(j), "", t, "paragraph") for j, t in enumerate(kids, 1)]))
    return BillText(bill_id="hr9999-119", version_code=code, sections=sections)


def test_a_thousand_section_bill_diffs_well_under_a_second():
    old, new = _big_bill("ih", 1000, False), _big_bill("eh", 1000, True)

    def flat(b: BillText) -> list[str]:
        return [f"{s.key} {s.heading} {s.text}\n" for top in b.sections for s in top.walk()]

    a, b = flat(old), flat(new)
    assert sum(map(len, a)) > 1_500_000
    t0 = time.perf_counter()
    list(difflib.unified_diff(a, b))
    t_unified = time.perf_counter() - t0
    t0 = time.perf_counter()
    d = diff_bills(old, new)
    t_ours = time.perf_counter() - t0
    print(f"diff_bills {t_ours:.3f}s, difflib.unified_diff {t_unified:.3f}s")
    assert t_ours < 1.0, (t_ours, t_unified)
    assert d.stats["removed"] == 1 and d.stats["renumbered"] == 499
    assert d.stats["reworded"] == 49
    assert all(c.inserted == ["also"] for c in d.changes if c.kind == "reworded")


def test_a_rewritten_definition_under_another_number_is_paired_not_removed_and_added():
    """A Senate companion defines the same term as subsection (a) where the House bill had paragraph
    (1), in mostly new words: the diff pairs the two definitions and shows the word changes."""
    house = BillText("hr2683-119", "rfs", sections=[Section("2", "2", "Control of remote access", "", children=[
        Section("2/1", "1", "", 'In section 1742, by adding: "(15) The term "remote access" means access on a '
                'purposeful, knowing, reckless, or negligent basis to an item by a foreign person."'),
        Section("2/2", "2", "", "In section 1752, by inserting remote access after export."),
    ])])
    senate = BillText("s3519-119", "is", sections=[Section("2", "2", "Control of remote access", "", children=[
        Section("2/a", "a", "", 'Section 1742 is amended by adding: "(15) The term "remote access" means '
                'access to an item included on the Commerce Control List by a foreign person of concern '
                'through a cloud infrastructure service from a location outside the United States, if the '
                'Secretary determines that the use has demonstrated a serious risk."'),
    ])])
    d = diff_bills(house, senate)
    (definition,) = [c for c in d.changes if "remote access" in c.topic]
    assert (definition.old_key, definition.new_key) == ("2/1", "2/a")
    assert any("cloud infrastructure service" in w for w in definition.inserted)
    assert any("purposeful, knowing, reckless, or negligent" in w for w in definition.deleted)


def test_a_55000_character_unit_with_scattered_edits_diffs_faster_than_difflib_on_the_words():
    """One appropriations-size paragraph (real sentences, 55,000+ characters) with 40 word edits
    spread through it: the word diff matches sentences first and words only inside the changed
    ones, so it beats difflib's own word diff of the two whole texts (measured here, best of 3,
    interleaved). Before, SequenceMatcher ran over every word with autojunk off: ~20× slower."""
    sample = load("uslm-116hjres37-rfs.xml").sections
    shapes = [" ".join(s.text.split()) for top in sample for s in top.walk() if len(s.text) > 80]
    body, size, k = [], 0, 0
    while size < 55_000:
        body.append(f"For fiscal year {2001 + k // len(shapes)}, {shapes[k % len(shapes)]}")
        size += len(body[-1]) + 1
        k += 1
    words = " ".join(body).split()
    edited = list(words)
    step = len(words) // 40
    for i in range(len(words) - step, 0, -step):
        if i % 2:
            edited[i] = "qualified"
        else:
            edited.insert(i, "not later than 90 days after enactment,")
    old = _bill("ih", Section("1", "1", "Appropriations", " ".join(words)))
    new = _bill("eh", Section("1", "1", "Appropriations", " ".join(edited)))
    assert len(old.sections[0].text) >= 55_000
    a, b = old.sections[0].text.split(), new.sections[0].text.split()
    ours, theirs = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        d = diff_bills(old, new)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        list(difflib.unified_diff(a, b, lineterm=""))
        theirs.append(time.perf_counter() - t0)
    print(f"diff_bills {min(ours):.3f}s, difflib word diff {min(theirs):.3f}s")
    assert min(ours) < min(theirs), (ours, theirs)
    (c,) = d.changes
    inserted = " ".join(c.inserted)
    assert inserted.count("not later than 90 days after enactment") == sum(1 for x in edited if x.startswith("not later"))
    # every edit is found as a small local change, and the rest of the paragraph is equal
    assert all(len(x.split()) <= 12 for x in c.inserted + c.deleted)
    assert d.stats["words_deleted"] <= 2 * 20
