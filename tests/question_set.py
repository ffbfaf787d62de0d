"""The question set (``tests/data/questions.json``): the demo's store, and the check of one answer.

Shared by ``tests/test_question_set.py`` (every question, offline and through the OpenAI-compatible
fake) and ``bench/bench_questions.py`` (the accuracy figure in BENCHMARKS.md)."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

from bot.frontends.demo import DEMO_NOW, run_demo
from bot.services.answers import Answer
from bot.services.config import Settings
from bot.services.context import Context

QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.json"
DEAD = "http://127.0.0.1:9"        # nothing listens: a bill not stored is never fetched from a real host
LEAD_LINES, LEAD_CHARS = 2, 500


def questions() -> list[dict]:
    return json.loads(QUESTIONS.read_text())["questions"]


def build_demo_store(db_url: str) -> None:
    """The store ``legiswatch demo`` leaves behind, in ``db_url``."""
    ctx = Context(settings=Settings(db_url=db_url, watchlist=os.devnull, openai_api_key="", openai_base_url=""))
    try:
        run_demo(ctx, io.StringIO())
    finally:
        ctx.close()


def demo_context(db_url: str, **over) -> Context:
    """A context on the demo's store, at the demo's clock, every source URL dead."""
    fields = dict(db_url=db_url, watchlist=os.devnull, openai_api_key="", openai_base_url="",
                  congress_api_url=DEAD, govinfo_url=DEAD, govinfo_api_url=DEAD, federal_register_url=DEAD,
                  bis_url=DEAD, ecfr_url=DEAD, news_search_url=DEAD)
    fields.update(over)
    return Context(settings=Settings(**fields), now_override=DEMO_NOW)


def lead(text: str) -> str:
    """What an answer states up front: its first lines, before any list of sources."""
    return "\n".join(text.strip().splitlines()[:LEAD_LINES])[:LEAD_CHARS]


def problems(case: dict, a: Answer) -> list[str]:
    """Why ``a`` is not a right answer to ``case`` ([] when it is)."""
    out = []
    head = lead(a.text).lower()
    for fact in case.get("facts", []):
        options = fact if isinstance(fact, list) else [fact]
        if not any(o.lower() in head for o in options):
            out.append(f"lead lacks {options[0]!r}")
    refs = [c.ref for c in a.citations]
    cites = case.get("cites", [])
    for i, want in enumerate(cites):
        if not any(want in r for r in refs):
            out.append(f"no citation {want!r}")
        elif i == 0 and want not in refs[0]:
            out.append(f"first citation is {refs[0]!r}, not {want!r}")
    if case.get("only"):
        extra = [r for r in refs if not any(w in r for w in cites)]
        if extra:
            out.append(f"cites what does not support it: {extra}")
    low = a.text.lower()
    for bad in case.get("not", []):
        if bad.lower() in low:
            out.append(f"says {bad!r}")
    if a.supported != case.get("supported", True):
        out.append(f"supported={a.supported}")
    if re.search(r"\[(\d+)\]", a.text) and a.citations:
        numbers = {c.n for c in a.citations}
        unknown = {int(n) for n in re.findall(r"\[(\d+)\]", a.text)} - numbers
        if unknown:
            out.append(f"cites [{min(unknown)}], which is not listed")
    return out


def faithful_model(request: dict) -> str:
    """The OpenAI fake's reply: a model that restates the checked facts it was given, or says the
    passages do not answer when it was given none."""
    text = "".join(m.get("content", "") for m in request.get("messages", []) if isinstance(m.get("content"), str))
    m = re.search(r"Facts from the structured record[^\n]*\n(.*?)\n\nPassages:", text, re.S)
    facts = re.sub(r"^<<<DATA[^\n]*\n|\nDATA>>>$", "", m.group(1).strip()).strip() if m else ""
    if facts and facts != "(none)":
        return facts
    return "The passages do not say."
