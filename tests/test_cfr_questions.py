"""Reading CFR sections in a question (``understanding.cfr_sections``); the answers themselves are in
the question set (tests/data/questions.json, over the demo's store with its eCFR texts)."""

from __future__ import annotations

import pytest

from bot.services.understanding import cfr_sections


@pytest.mark.parametrize("text, want", [
    ("what does 744.23 say now?", [(None, "744.23", "")]),
    ("What does 15 CFR § 742.6(b)(10)(iv) say?", [(15, "742.6", "b/10/iv")]),
    ("15 CFR 744.23(a)(3) and section 748.1", [(15, "744.23", "a/3"), (None, "748.1", "")]),
    ("§744.23 vs § 744.23", [(None, "744.23", "")]),
])
def test_sections_named(text, want):
    assert cfr_sections(text) == want


@pytest.mark.parametrize("text", ["it costs $1.50", "version 2.0", "FR Doc. 2026-00789", "91 FR 1684",
                                  "up 3.5% this year", "release 1.2.3", "15 CFR 744"])
def test_no_section_in(text):
    assert cfr_sections(text) == []
