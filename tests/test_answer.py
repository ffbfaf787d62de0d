"""Questions answered from the stored record (sandbox FR/BIS/news polled for real, the Remote Access
Security Act bills and texts recorded): status, changes, deadlines, "the record does not say",
threads, prompt injection, the grounded LLM path against the OpenAI-compatible fake."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from answer_fixtures import INJECTION_URL, build_store, make_context

from bot.sandbox.government import GovSandbox
from bot.services.answers import EXTRACTIVE, answer, render_text, stage_conflicts
from scrapers.records import DocumentRecord, Passage

STAGES = ["Introduced", "In committee", "Reported", "Passed House", "Passed Senate", "Resolving differences",
          "Passed Congress", "To President", "Became law", "Vetoed", "Failed", "Agreed to"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The database URL of a filled store (built once for the module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('answers')}/answers.db"
    with GovSandbox() as sandbox:
        ctx = make_context(url, sandbox)
        build_store(ctx)
        ctx.close()
    return url


@pytest.fixture
def ctx(store):
    c = make_context(store)
    yield c
    c.close()


@pytest.fixture
def llm_ctx(store, llm_fake):
    c = make_context(store, openai_base_url=llm_fake.base_url, openai_api_key="test", llm_model="fake-model",
                     llm_timeout=5)
    yield c
    c.close()


class TestStatus:
    def test_by_number(self, ctx):
        a = answer(ctx, "What is the status of H.R. 2683?")
        assert a.intent == "status" and a.subject == "hr2683-119" and a.model == EXTRACTIVE
        assert "is at stage Passed House, reached 2026-01-12 [1]" in a.text
        assert "369 - 22" in a.text and "Received in the Senate" in a.text
        assert a.as_of is not None and "As of " in a.text
        c = a.citations[0]
        assert (c.n, c.kind) == (1, "bill") and c.url == "https://www.congress.gov/bill/119th-congress/house-bill/2683"
        assert c.fetched_at is not None and c.ref.startswith("hr2683-119")

    def test_by_short_title_prefers_the_newest_congress(self, ctx):
        a = answer(ctx, "Where is the Remote Access Security Act now?")
        assert a.subject == "hr2683-119"          # not hr8152-118 (older) nor s3519-119 (not as far along)
        assert "Passed House" in a.text
        assert "Same short title (Remote Access Security Act): S. 3519 (119th) is at stage In committee" in a.text
        assert "Same short title (Remote Access Security Act): H.R. 8152 (118th) is at stage Passed House" in a.text
        assert [c.ref.split()[0] for c in a.citations] == ["hr2683-119", "s3519-119", "hr8152-118"]

    def test_two_bills_named(self, ctx):
        a = answer(ctx, "Where are H.R. 8152 (118th) and S. 3519?")
        assert a.subject == "hr8152-118" and "Also asked about: S. 3519 (119th) is at stage In committee; latest action (2025-12-17)" in a.text

    def test_senate_bill(self, ctx):
        a = answer(ctx, "Has S. 3519 passed?")
        assert a.subject == "s3519-119"
        assert "is at stage In committee" in a.text and "Banking, Housing, and Urban Affairs" in a.text
        assert "passed" not in a.text.replace("has not passed", "")

    def test_an_unknown_bill_is_not_given_a_status(self, ctx):
        a = answer(ctx, "What is the status of H.R. 9999?")
        assert not a.supported and "has nothing on H.R. 9999 (119th)" in a.text
        assert not any(stage in a.text for stage in STAGES)

    def test_cli_contract(self, ctx):
        d = a_dict = answer(ctx, "status of hr2683-119").to_dict()
        json.dumps(a_dict)
        assert set(d) >= {"answer", "citations", "subject", "as_of", "model", "grounded"}
        assert set(d["citations"][0]) >= {"n", "title", "url", "fetched_at", "kind", "ref", "quote"}
        text = render_text(answer(ctx, "status of hr2683-119"))
        assert "Sources:" in text and "[1] H.R. 2683 (119th): Remote Access Security Act" in text
        assert "(fetched " in text and "    https://www.congress.gov/" in text


class TestChangesAndDeadlines:
    def test_what_changed_between_versions(self, ctx):
        a = answer(ctx, "What changed in H.R. 2683 between the introduced and engrossed versions?")
        assert a.intent == "change"
        assert "from hr2683-119-ih to hr2683-119-eh" in a.text
        assert '"on a purposeful, knowing, reckless, or negligent basis"' in a.text
        refs = [c.ref for c in a.citations]
        assert refs[0].startswith("hr2683-119-eh") and "Sec. 2(1)" in refs[0] and refs[1] == "hr2683-119-ih"
        assert all(c.url and c.url.startswith("https://www.govinfo.gov/") for c in a.citations)

    def test_deadline_by_document_number(self, ctx):
        a = answer(ctx, "When do comments close on 2026-01234?")
        assert a.intent == "deadline"
        assert "close on 2026-04-13 (in 52 days) [1]" in a.text
        c = a.citations[0]
        assert c.ref == "FR Doc. 2026-01234" and "April 13, 2026" in c.quote
        assert c.url.startswith("https://www.federalregister.gov/documents/2026/02/10/2026-01234/")

    def test_deadline_by_description(self, ctx):
        a = answer(ctx, "When does the comment period on the know-your-customer remote access rule end?")
        assert "FR Doc. 2026-01234" in a.text and "2026-04-13" in a.text
        assert [c.ref for c in a.citations] == ["FR Doc. 2026-01234"]

    def test_effective_date(self, ctx):
        a = answer(ctx, "When did 2026-00789 take effect?")
        assert "took effect on 2026-01-15" in a.text


class TestWhatTheRecordDoesNotSay:
    def test_says_so_and_shows_the_closest_sources(self, ctx):
        a = answer(ctx, "What fine does BIS impose on cloud providers in Canada?")
        assert not a.supported
        assert a.text.startswith("The stored record does not say")
        assert a.citations and "closest stored sources" in a.text

    def test_search_answers_quote_the_sources_exactly(self, ctx):
        a = answer(ctx, "What is the license review policy for China?")
        assert a.supported and a.text.startswith("From the stored record:")
        assert any(c.ref.startswith("FR Doc. 2026-00789") for c in a.citations)
        for c in a.citations:
            assert c.quote.rstrip("…") and c.quote.rstrip("…").split()[0] in a.text


class TestThreads:
    def test_a_follow_up_keeps_the_thread_subject(self, ctx):
        answer(ctx, "What is the status of H.R. 2683?", where="slack", thread="C1:1700000000.000100")
        a = answer(ctx, "and in the Senate?", where="slack", thread="C1:1700000000.000100")
        assert a.subject == "hr2683-119" and a.intent == "status"
        assert "In the Senate (2026-01-13): Received in the Senate" in a.text
        assert "S. 3519 (119th)" in a.text and [c.ref.split()[0] for c in a.citations] == ["hr2683-119", "s3519-119"]

    def test_another_thread_has_no_subject(self, ctx):
        a = answer(ctx, "and in the Senate?", thread="C1:other")
        assert a.subject is None

    def test_every_answer_is_logged(self, ctx):
        answer(ctx, "When do comments close on 2026-01234?", where="cli", thread="log-test")
        row = next(r for r in ctx.repo.answers() if r["thread"] == "log-test")
        assert row["question"] == "When do comments close on 2026-01234?" and row["model"] == EXTRACTIVE
        assert row["sources"][0]["ref"] == "FR Doc. 2026-01234"


class TestPromptInjection:
    def test_status_never_follows_a_news_item(self, ctx):
        a = answer(ctx, "Did the Remote Access Security Act become law?")
        assert "became law" not in a.text.lower() and "signed" not in a.text.lower()
        assert "No: it has not become law; the latest stage in the stored record is Passed House [1]." in a.text

    def test_extractive_answers_skip_instructions_and_false_claims(self, ctx):
        a = answer(ctx, "What does the news say about the Remote Access Security Act?")
        low = a.text.lower()
        assert "ignore previous instructions" not in low and "became law" not in low and "signed by" not in low
        assert "House passes Remote Access Security Act" in a.text      # the real news item is there
        assert any(c.url == INJECTION_URL for c in a.citations) or "cloud providers" not in low

    def test_stage_claims_are_checked_against_the_record(self):
        stages = {"hr2683-119": {"Introduced", "In committee", "Passed House"}}
        assert stage_conflicts("H.R. 2683 became law on January 30, 2026.", stages)
        assert stage_conflicts("It passed the Senate.", stages)
        assert stage_conflicts("It has not become law.", stages) == []
        assert stage_conflicts("It passed the House.", stages) == []


@pytest.mark.parametrize("q", ["H.R. 2683", '"NOT"', "NOT", "title:(x", "a AND OR NEAR(", "it's", "*", "", '"unbalanced',
                               "hr2683-119-eh sec. 2(1)", "2026-00789 OR 1=1; DROP TABLE passages;--",
                               "remote* NEAR(access export, 2) ^title", "H.R. 2683 \"NOT\" title:(x AND OR NEAR("])
def test_fts_syntax_never_breaks_an_answer(ctx, q):
    a = answer(ctx, q)
    assert isinstance(a.text, str) and a.text
    assert ctx.repo.counts()["passages"] > 0


class TestLLM:
    SINCE = datetime.now(UTC) - timedelta(hours=1)

    def test_a_grounded_reply_is_used(self, llm_ctx, llm_fake):
        llm_fake.queue('BIS moved exports of the covered chips to China and Macau from "a presumption of denial" '
                       'to "case-by-case review" [1][2][3].', usage=(900, 40))
        a = answer(llm_ctx, "What is the license review policy for China?", thread="llm-ok")
        assert a.model == "fake-model" and a.grounded and not a.rejected
        assert a.text.startswith("BIS moved exports")
        assert {c.n for c in a.citations} <= {1, 2, 3} and a.citations
        assert (a.prompt_tokens, a.completion_tokens) == (900, 40)
        sent = json.dumps(llm_fake.requests[0]["messages"])
        assert "<<<DATA" in sent and "DATA>>>" in sent and "What is the license review policy for China?" in sent
        row = next(r for r in llm_ctx.repo.answers() if r["thread"] == "llm-ok")
        assert row["model"] == "fake-model"

    def test_an_invented_quote_is_retried_once_then_replaced(self, llm_ctx, llm_fake):
        before = llm_ctx.repo.llm_usage(self.SINCE)["calls"]
        llm_fake.queue('The rule says "all cloud providers must register with BIS" [1].')
        llm_fake.queue("Exports need a license from March 3, 2026 [1].")
        a = answer(llm_ctx, "What is the license review policy for China?")
        assert len(llm_fake.requests) == 2
        retry = llm_fake.requests[1]["messages"]
        assert retry[-2]["role"] == "assistant" and "problems" in retry[-1]["content"]
        assert "all cloud providers must register with BIS" in retry[-1]["content"]
        assert a.model == EXTRACTIVE and a.text.startswith("From the stored record:")
        assert any("2026-03-03" in p for p in a.rejected)
        assert "March 3" not in a.text and "must register" not in a.text
        assert llm_ctx.repo.llm_usage(self.SINCE)["calls"] == before + 2

    def test_a_grounded_but_false_stage_claim_is_rejected(self, llm_ctx, llm_fake):
        # the injected news item does contain this date: only the stage check catches the claim
        for _ in range(2):
            llm_fake.queue("The Remote Access Security Act became law on January 30, 2026 [1].")
        a = answer(llm_ctx, "What does the news say about the Remote Access Security Act?")
        assert a.model == EXTRACTIVE and "became law" not in a.text.lower()
        assert any("Became law" in p for p in a.rejected)

    def test_the_llm_may_say_the_passages_do_not_answer(self, llm_ctx, llm_fake):
        llm_fake.queue("The passages do not say what fine BIS imposes on cloud providers in Canada.")
        a = answer(llm_ctx, "What fine does BIS impose on cloud providers in Canada?")
        assert a.model == "fake-model" and not a.supported and a.citations and len(llm_fake.requests) == 1

    def test_an_llm_failure_falls_back_at_once(self, llm_ctx, llm_fake):
        llm_fake.queue_error(500)
        a = answer(llm_ctx, "What is the license review policy for China?")
        assert a.model == EXTRACTIVE and a.supported and len(llm_fake.requests) == 1

    def test_status_questions_do_not_need_the_llm(self, llm_ctx, llm_fake):
        a = answer(llm_ctx, "What is the status of H.R. 2683?")
        assert "Passed House" in a.text and llm_fake.requests == []


def test_what_changed_in_a_federal_register_document(tmp_path):

    def rule(dates: str) -> DocumentRecord:
        return DocumentRecord(kind="fr_document", external_id="2026-07777", title="Advanced Computing Items; Rule",
                              url="https://www.federalregister.gov/d/2026-07777", source="federal_register",
                              content={"dates": dates}, text=dates, meta={"type": "Rule"},
                              passages=[Passage("DATES", "Dates", dates)])
    c = make_context(f"sqlite:///{tmp_path}/fr.db")
    c.repo.record([rule("Comments must be received by March 2, 2026.")])
    c.repo.record([rule("Comments must be received by April 1, 2026.")])
    a = answer(c, "What changed in 2026-07777?")
    assert a.intent == "change" and "Federal Register document 2026-07777 updated" in a.text
    assert [x.ref for x in a.citations] == ["FR Doc. 2026-07777 (stored version 2)",
                                            "FR Doc. 2026-07777 (stored version 1)"]
    assert a.citations[0].fetched_at >= a.citations[1].fetched_at
    c.close()
