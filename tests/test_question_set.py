"""The question set, answered over the demo's store: offline, and with an LLM configured (the
OpenAI-compatible fake, answering as a faithful model would). Every question must be answered right."""

from __future__ import annotations

import pytest
from question_set import build_demo_store, demo_context, faithful_model, problems, questions

from bot.sandbox.openai_fake import OpenAIFake
from bot.services.answers import answer

CASES = questions()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('questions')}/demo.db"
    build_demo_store(url)
    return url


@pytest.fixture(scope="module")
def offline(demo_store):
    ctx = demo_context(demo_store)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def with_llm(demo_store):
    with OpenAIFake() as fake:
        fake.default = faithful_model
        ctx = demo_context(demo_store, openai_base_url=fake.base_url, openai_api_key="test", llm_model="fake-model",
                           llm_timeout=5)
        yield ctx
        ctx.close()


def test_the_set_is_large_and_varied():
    assert len(CASES) >= 80
    assert sum(1 for c in CASES if c.get("supported") is False) >= 4
    assert all(c.get("facts") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["q"][:60] for c in CASES])
def test_offline(offline, case):
    a = answer(offline, case["q"])
    assert problems(case, a) == [], a.text


@pytest.mark.parametrize("case", CASES, ids=[c["q"][:60] for c in CASES])
def test_through_the_llm(with_llm, case):
    a = answer(with_llm, case["q"])
    assert problems(case, a) == [], a.text
