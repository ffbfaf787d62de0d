"""Question understanding and search: ids in any spelling, bills by short title, intents, follow-ups,
exact ids searched first, FTS syntax made harmless, the bounded ranking on common words."""

from __future__ import annotations

from datetime import date

import pytest
from answer_fixtures import build_store, make_context

import storage.search_plan as search_mod
from bot.services.retrieval import (
    CHANGE,
    DEADLINE,
    SEARCH,
    STATUS,
    clean_question,
    hit_ref,
    retrieve,
    safe_url,
    understand,
)
from scrapers.records import DocumentRecord, Passage
from storage.search import plan, search


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('retrieval')}/r.db"
    ctx = make_context(url)
    build_store(ctx, polled=False)
    ctx.repo.record([fr("2026-00789", "Revision to License Review Policy for Advanced Computing Commodities",
                        [Passage("SUMMARY", "Summary", "BIS revises the license review policy for advanced "
                                 "computing commodities to China and Macau."),
                         Passage("DATES", "Dates", "This rule is effective January 15, 2026.")])])
    ctx.close()
    return url


@pytest.fixture
def ctx(store):
    c = make_context(store)
    yield c
    c.close()


def fr(number: str, title: str, passages: list[Passage]) -> DocumentRecord:
    return DocumentRecord(kind="fr_document", external_id=number, title=title,
                          url=f"https://www.federalregister.gov/d/{number}", source="federal_register",
                          content={"n": number, "p": [p.text for p in passages]}, text=" ".join(p.text for p in passages),
                          meta={"type": "Rule", "effective_on": "2026-01-15"}, date=date(2026, 1, 15),
                          passages=passages)


@pytest.mark.parametrize("question,bills", [
    ("What is the status of H.R. 2683?", ["hr2683-119"]),
    ("where is HR2683", ["hr2683-119"]),
    ("status of H.R.2683 (118th)", ["hr2683-118"]),
    ("Compare H.R. 8152 (118th) and S. 3519", ["hr8152-118", "s3519-119"]),
    ("Where is the Remote Access Security Act?", ["hr2683-119", "s3519-119", "hr8152-118"]),
    ("is the remote access security act law yet", ["hr2683-119", "s3519-119", "hr8152-118"]),
    ("What does the news say about export controls?", []),
])
def test_bills_in_questions(ctx, question, bills):
    q = understand(ctx, question)
    assert q.bills == bills
    assert q.subject == (bills[0] if bills else None)


@pytest.mark.parametrize("question,intent", [
    ("What is the status of H.R. 2683?", STATUS),
    ("Has H.R. 2683 passed the Senate?", STATUS),
    ("Did the Remote Access Security Act become law?", STATUS),
    ("How many cosponsors does S. 3519 have?", STATUS),
    ("H.R. 2683?", STATUS),
    ("When do comments close on 2026-01234?", DEADLINE),
    ("what's the comment deadline for the KYC rule", DEADLINE),
    ("When does 2026-00789 take effect?", DEADLINE),
    ("What changed in H.R. 2683?", CHANGE),
    ("How does the engrossed text of H.R. 2683 differ from the introduced one?", CHANGE),
    ("What does H.R. 2683 say about mens rea?", SEARCH),
    ("What is the license review policy for China?", SEARCH),
    ("What is the status of the AI diffusion rule?", SEARCH),      # no bill: searched, not a bill status
])
def test_intents(ctx, question, intent):
    assert understand(ctx, question).intent == intent


def test_chamber_documents_and_versions(ctx):
    q = understand(ctx, "Between the introduced and engrossed H.R. 2683, what changed in the Senate? 2026-00789")
    assert q.chamber == "Senate" and q.documents == ["2026-00789"]
    assert set(q.versions) >= {"ih", "eh"}


def test_follow_ups_take_the_thread_subject(ctx):
    ctx.repo.log_answer(where="test", thread="T-follow", question="status of S. 3519", subject="s3519-119",
                        answer="…", sources=[], model="extractive")
    q = understand(ctx, "and in the House?", thread="T-follow")
    assert (q.subject, q.from_thread, q.intent, q.chamber) == ("s3519-119", True, STATUS, "House")
    q = understand(ctx, "What about H.R. 2683?", thread="T-follow")      # a bill named wins over the thread
    assert q.subject == "hr2683-119" and not q.from_thread
    assert understand(ctx, "and in the House?").subject is None


def test_clean_question_drops_mentions_and_limits_length():
    assert clean_question("<@U123ABC> what is   the status\nof H.R. 2683?") == "what is the status of H.R. 2683?"
    assert len(clean_question("x " * 5000)) == 1000


def test_plan_keeps_ids_apart_from_words():
    p = plan("What does H.R. 2683 say about 2026-00789 and the remote access rule?", ["hr2683-119"])
    assert p.ids == ["hr2683 119", "2026 00789"]
    assert p.words == ["remote", "access", "rule"]
    long = plan("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu")
    assert len(long.words) == search_mod.MAX_TERMS


def test_exact_ids_come_first(ctx):
    hits = search(ctx.repo.engine, "H.R. 2683 remote access definition")
    assert hits and hits[0].external_id.startswith("hr2683-119")
    hits = search(ctx.repo.engine, "2026-00789")
    assert {h.external_id for h in hits} == {"2026-00789"}
    assert hit_ref(hits[0]).startswith("FR Doc. 2026-00789, ")
    s = search(ctx.repo.engine, "remote access", ids=["s3519-119"])
    assert s[0].external_id == "s3519-119"


def test_retrieve_for_deadlines_looks_at_federal_register_documents(ctx):
    q = understand(ctx, "When does the license review policy take effect?")
    assert {h.kind for h in retrieve(ctx, q)} == {"fr_document"}


@pytest.mark.parametrize("q", ['H.R. 2683', '"NOT"', 'NOT', 'title:(x', 'a AND OR NEAR(', "it's", '*', '', '""""',
                               'ids : "hr2683"', '{ids heading}: x', '^remote', 'remote*', 'NEAR(remote access, 1)',
                               "'; DROP TABLE passages; --", "\x00\x1f", "é€漢字 remote"])
def test_fts_syntax_is_harmless(ctx, q):
    search(ctx.repo.engine, q)
    search(ctx.repo.engine, q, kinds=["bill_text"], ids=[q])
    retrieve(ctx, understand(ctx, q))


def test_common_words_are_ranked_only_when_nothing_rarer_matches(tmp_path, monkeypatch):
    ctx = make_context(f"sqlite:///{tmp_path}/common.db")
    docs = [fr(f"2026-0{i:04d}", f"Rule {i}", [Passage("SUMMARY", "Summary", f"export item number {i}")])
            for i in range(1, 9)]
    docs.append(fr("2026-09999", "Quantum rule", [Passage("SUMMARY", "Summary", "export of quantum sensors")]))
    ctx.repo.record(docs)
    monkeypatch.setattr(search_mod, "COMMON", 5)          # "export" is now a common word
    hits = search(ctx.repo.engine, "export quantum", limit=3)
    assert hits[0].external_id == "2026-09999"
    assert len(search(ctx.repo.engine, "export", limit=3)) == 3     # common words alone still find something
    ctx.close()


def test_citation_urls_are_only_http():
    assert safe_url("https://www.federalregister.gov/d/2026-00789") == "https://www.federalregister.gov/d/2026-00789"
    for bad in ("javascript:alert(1)", "https://x.org/<!channel>", "ftp://x.org/a", "https://a.org/x|y", None, ""):
        assert safe_url(bad) is None
