"""Grounding checks: quotes, sections, numbers and dates must come from the inputs."""

from __future__ import annotations

from bot.analysis.grounding import Bullet, check_answer, check_summary, section_ref

OLD = ("The term 'remote access' means access to an item subject to the jurisdiction of the United States "
       "and included on the Commerce Control List set forth in Supplement No. 1 to part 774.")
NEW = ("The term \u2018remote access\u2019 means access on a purposeful, knowing, reckless, or negligent basis to "
       "an item subject to the jurisdiction of the United States under this Act, under section 1760.")
SOURCES = {"hr2683-119-ih": OLD, "hr2683-119-eh": NEW}
SECTIONS = {"Sec. 2(1)", "Sec. 3"}
VERSIONS = ["hr2683-119-ih", "hr2683-119-eh"]


def check(text, cites=("Sec. 2(1)", *VERSIONS), context=""):
    return check_summary([Bullet(text, list(cites))], SOURCES, sections=SECTIONS, context=context)


def test_a_grounded_bullet_passes():
    assert check('Sec. 2(1): adds "on a purposeful, knowing, reckless, or negligent basis"; removes '
                 '"included on the Commerce Control List…"') == []


def test_quotes_are_matched_after_quote_and_whitespace_normalisation():
    assert check("Adds \u201con a purposeful,\n knowing, reckless,  or negligent basis\u201d") == []
    assert check("Keeps ``remote access'' as the defined term") == []
    assert check('Quotes "Remote Access" in another case') == []


def test_an_invented_quote_is_rejected():
    problems = check('Adds "on a willful basis" to the definition')
    assert len(problems) == 1 and '"on a willful basis"' in problems[0]


def test_a_quote_must_be_in_a_cited_version():
    # the phrase is in the old text only, and the bullet cites only the new version
    problems = check('Adds "included on the Commerce Control List"', cites=["Sec. 2(1)", "hr2683-119-eh"])
    assert problems and "do not occur" in problems[0]
    assert check('Removes "included on the Commerce Control List"', cites=["Sec. 2(1)", "hr2683-119-ih"]) == []


def test_trimmed_quotes_with_ellipsis_check_each_piece():
    assert check('Adds "on a purposeful … negligent basis"') == []
    assert check('Adds "on a purposeful … malicious basis"') != []


def test_a_section_that_is_not_in_the_diff_is_rejected():
    problems = check("Changes the penalties", cites=["Sec. 7", *VERSIONS])
    assert problems == ["bullet 1: cites Sec. 7, which is not a section of this diff"]
    problems = check("Section 9 now covers cloud services")
    assert problems and "Section 9" in problems[0]
    # a section named in the bill's own words is fine
    assert check("Ties liability to section 1760") == []


def test_cites_that_are_neither_versions_nor_sections_are_rejected():
    problems = check("Adds a condition", cites=["the internet", *VERSIONS])
    assert problems and "neither a version nor a section" in problems[0]


def test_numbers_and_dates_must_come_from_the_inputs():
    assert check("Keeps the list in Supplement No. 1 to part 774") == []
    assert check("Moves the list to part 775")[0].endswith("the number 775 does not occur in the inputs")
    assert check("Passed the House on January 12, 2026")[0].endswith("2026-01-12 does not occur in the inputs")
    assert check("Passed the House on January 12, 2026", context="passed 2026-01-12") == []
    # ids give their numbers: H.R. 2683 in the 119th Congress
    assert check("H.R. 2683 in the 119th Congress now covers more") == []
    assert check("Affects 5,000 companies", context="about 5000 companies") == []


def test_empty_summary_is_a_problem():
    assert check_summary([], SOURCES) == ["the summary has no bullets"]


def test_section_ref_forms():
    assert section_ref("Sec. 2(1)") == section_ref("section 2(1)") == section_ref("2(1)") == "2(1)"
    assert section_ref("hr2683-119-eh") is None


def test_dict_bullets_are_accepted():
    assert check_summary([{"text": 'Adds "under this Act"', "cites": ["Sec. 2(1)", "hr2683-119-eh"]}],
                         SOURCES, sections=SECTIONS) == []


class TestCheckAnswer:
    PASSAGES = ["H.R. 2683 passed the House on January 12, 2026.",
                "The term 'remote access' means access on a purposeful, knowing, reckless, or negligent basis."]

    def test_grounded_answer(self):
        text = ('The House passed it on January 12, 2026 [1]. Access must be "on a purposeful, knowing, '
                'reckless, or negligent basis" [2].')
        assert check_answer(text, self.PASSAGES) == []

    def test_quote_from_the_wrong_passage_and_unknown_citation(self):
        text = 'Access must be "on a purposeful, knowing, reckless, or negligent basis" [1]. See also [3].'
        problems = check_answer(text, self.PASSAGES)
        assert any("do not occur" in p for p in problems)
        assert any("[3]" in p for p in problems)

    def test_invented_date(self):
        problems = check_answer("It passed on January 13, 2026 [1].", self.PASSAGES)
        assert problems == ["sentence 1: the date 2026-01-13 does not occur in the inputs"]


def test_the_date_of_a_timestamp_counts_as_an_input_date():
    """A feed's ``published`` is a timestamp (2026-01-13T04:00:00+00:00); its date is an input."""
    bullets = [Bullet("Reported by Totally Real News, 2026-01-13.", ["n1"])]
    assert check_summary(bullets, {"n1": "published 2026-01-13T04:00:00+00:00"}) == []
    assert check_summary(bullets, {"n1": "published 2026-01-12T04:00:00+00:00"}) != []
