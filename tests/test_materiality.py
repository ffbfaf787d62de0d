"""Materiality levels for routing: the policy table, case by case."""

from __future__ import annotations

import logging

import pytest

from bot.analysis.materiality import RULES, materiality

CASES = [
    # stages
    ("stage", {"stage": "Passed House"}, "high"),
    ("stage", {"stage": "Passed Senate"}, "high"),
    ("stage", {"stage": "Passed Congress"}, "high"),
    ("stage", {"stage": "To President"}, "high"),
    ("stage", {"stage": "Became law"}, "high"),
    ("stage", {"stage": "Vetoed"}, "high"),
    ("stage", {"stage": "Resolving differences"}, "high"),
    ("stage", {"stage": "Introduced"}, "normal"),
    ("stage", {"stage": "In committee"}, "normal"),
    ("stage", {"stage": "Reported"}, "normal"),
    # actions
    ("action", {"procedural": True}, "low"),
    ("action", {"procedural": False}, "normal"),
    # text versions
    ("text_version", {"substantive": True}, "high"),
    ("text_version", {"substantive": False}, "low"),
    ("text_version", {"substantive": None}, "normal"),
    # bill details
    ("cosponsors", {}, "normal"),
    ("committee", {}, "normal"),
    ("summary", {}, "normal"),
    ("related_bill", {}, "normal"),
    ("crec_mention", {}, "normal"),
    ("new_matching_bill", {}, "normal"),
    # Federal Register
    ("fr_document", {"doc_type": "Rule", "watched_agency": True}, "high"),
    ("fr_document", {"doc_type": "Rule", "watched_agency": False}, "normal"),
    ("fr_document", {"doc_type": "Proposed Rule", "watched_agency": True}, "normal"),
    ("fr_document", {"doc_type": "Notice", "watched_agency": True}, "normal"),
    ("fr_updated", {}, "low"),
    ("public_inspection", {"watched_agency": True}, "high"),
    ("public_inspection", {"watched_agency": False}, "normal"),
    ("pi_withdrawn", {}, "normal"),
    ("press_release", {}, "normal"),
    # news
    ("news", {"relevance": 0.8, "duplicate": False}, "normal"),
    ("news", {"relevance": 0.5, "duplicate": False}, "normal"),
    ("news", {"relevance": 0.49, "duplicate": False}, "low"),
    ("news", {"relevance": 0.9, "duplicate": True}, "low"),
    ("news", {}, "low"),
    # deadlines
    ("deadline", {"days_left": 0}, "high"),
    ("deadline", {"days_left": 7}, "high"),
    ("deadline", {"days_left": 8}, "normal"),
    ("deadline", {"days_left": -1}, "low"),
    # sources
    ("source_failing", {}, "normal"),
    ("source_recovered", {}, "low"),
]


@pytest.mark.parametrize(("kind", "facts", "level"), CASES)
def test_policy(kind, facts, level):
    assert materiality(kind, **facts) == level


def test_every_kind_in_the_table_is_tested():
    assert {k for k, _f, _l in CASES} == set(RULES)


def test_truthy_values_are_not_booleans():
    # "procedural": "yes" is not True: only a real boolean fact triggers a boolean rule
    assert materiality("action", procedural="yes") == "normal"
    assert materiality("deadline", days_left="soon") == "normal"


def test_unknown_kind_is_normal_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.analysis.materiality"):
        assert materiality("hearing_video") == "normal"
    assert "hearing_video" in caplog.text
