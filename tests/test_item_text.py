"""Issue 22, item text: on the demo's recorded data each digest item says its title once, FR items
name agencies (not slugs) and tell a scheduled filing from a published one, news shows the feed's
description without markup; offline bill summaries give numbers their unit and amendments their
substance."""

from __future__ import annotations

import json
import re

from bot.analysis import offline
from bot.analysis.billdiff import diff_bills
from bot.frontends.cli import main
from scrapers.records import BillText, Section


def _digest_items(out: str) -> list[str]:
    digest = out.split("━━ Weekly digest", 1)[1].split("━━ Q: ", 1)[0]
    body = digest.split("Most important:", 1)[1]
    return [chunk for chunk in re.split(r"\n  • ", body)[1:]]


def test_demo_digest_items_say_the_title_once_and_the_substance(capsys):
    assert main(["demo"]) == 0
    items = _digest_items(capsys.readouterr().out)
    fr = [i for i in items if "Federal Register" in i.splitlines()[0] or "public inspection" in i.splitlines()[0]]
    assert len(fr) >= 3
    for item in fr:
        title = re.match(r"[^:]+: (.*) \(\d{4}-\d\d-\d\d\)$", item.splitlines()[0]).group(1)
        assert item.count(title) == 1, item              # the headline, never again in a bullet
        assert "commerce-department" not in item and "industry-and-security-bureau" not in item
        assert "Industry and Security Bureau" in item
    pi = next(i for i in fr if i.startswith("On public inspection"))
    assert "scheduled for publication 2026-02-12 (not yet published)" in pi and "published 2026-02-12" not in pi
    rule = next(i for i in fr if "2026-00789" in i.splitlines()[0])
    assert "case-by-case review" in rule                # the abstract, from the stored record
    news = [i for i in items if i.startswith("News: ")]
    assert news
    for item in news:
        bullets = item.splitlines()[1:]
        headline = re.match(r"News: (.*) \(\d{4}", item).group(1)
        assert not any(headline in b for b in bullets)
        assert not any("<" in b or "|" in b for b in bullets)
    tricky = next(i for i in news if "Ignore previous" in i)
    assert "Breaking & urgent click" in tricky           # the description, its markup dropped


def test_a_number_change_names_its_unit_and_context():
    old = BillText("hr1-119", "ih", sections=[
        Section("1", "1", "Short title", "This Act may be cited as the Example Act."),
        Section("2", "2", "Report", "The Secretary shall submit a report not later than 180 days after the date "
                                    "of enactment of this Act.")])
    new = BillText("hr1-119", "eh", sections=[
        Section("1", "1", "Short title", "This Act may be cited as the Example Reform Act of the year."),
        Section("2", "2", "Report", "The Secretary shall submit a report not later than 90 days after the date "
                                    "of enactment of this Act.")])
    bullets = offline.summarize_diff(diff_bills(old, new))
    assert bullets[0].text.startswith("Sec. 2")           # the number change leads
    assert "180 → 90 days" in bullets[0].text and "not later than" in bullets[0].text


def test_an_added_amendment_quotes_what_it_inserts_not_its_preamble():
    old = BillText("hr1-119", "ih", sections=[Section("2", "2", "Amendments", "Section 1752 is amended.")])
    new = BillText("hr1-119", "eh", sections=[
        Section("2", "2", "Amendments", "Section 1752 is amended."),
        Section("3", "3", "More", 'in paragraph (1)— (i) in subparagraph (A), by inserting "or remote access '
                                  'of such items" after "export of items"; and')])
    text = " ".join(b.text for b in offline.summarize_diff(diff_bills(old, new)))
    assert 'inserts "or remote access of such items" after "export of items"' in text
    assert "in paragraph (1)— (i)" not in text


def test_demo_cards_label_the_crs_summary_and_follow_the_chamber_order(capsys, monkeypatch):
    assert main(["demo"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("LEGISWATCH_DB_URL", "sqlite:///legiswatch-demo.db")
    assert main(["bill", "s3519-119", "hr2683-119", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    cards = {c["id"]: c for c in (out["cards"] if isinstance(out, dict) else out)}
    senate = [t["stage"] for t in cards["s3519-119"]["track"]]
    assert senate.index("Passed Senate") < senate.index("Passed House")
    house = [t["stage"] for t in cards["hr2683-119"]["track"]]
    assert house.index("Passed House") < house.index("Passed Senate")
    of = cards["hr2683-119"]["crs_summary_of"]
    assert of["version"] == "Introduced in House" and of["older_than"]   # the House passed newer text
    assert main(["bill", "hr2683-119"]) == 0
    assert "CRS summary of Introduced in House (2025-04-07) — older than the latest text" in capsys.readouterr().out
