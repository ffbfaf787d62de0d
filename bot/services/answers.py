"""Questions answered from the stored record, with numbered citations (plain data, no Slack).

Status, deadline and "what changed" questions are answered from the structured record
(``bot.services.record_answers``). Everything else is answered from retrieved passages: by the LLM when
one is configured (passages numbered and fenced as data, the reply grounding-checked, retried
once, else replaced), otherwise extractively (exact sentences from the best passages). When
the record does not support an answer, the answer says so and lists the closest sources.
Text inside retrieved documents is data: instructions in it are never followed, and a claim
that contradicts a stored bill's stage is rejected.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import prompts
from bot.analysis.grounding import check_answer
from bot.services import record_facts
from bot.services import understanding as words
from bot.services.context import Context
from bot.services.record_answers import (
    Draft,
    change_draft,
    deadline_draft,
    document_change_draft,
    status_draft,
)
from bot.services.retrieval import (
    CHANGE,
    DEADLINE,
    STATUS,
    Citation,
    Question,
    cite_hit,
    day,
    display_bill,
    retrieve,
    understand,
)
from prompts import data_block
from scrapers.errors import LegiswatchError
from scrapers.ids import find_bill_ids
from storage.search import Hit, plan
from storage.search_plan import SYNONYMS

log = logging.getLogger(__name__)
EXTRACTIVE = "extractive"
MAX_SOURCES = 6
_SENTENCE = re.compile(r"(?<!\bSen\.)(?<!\bRep\.)(?<!\bU\.S\.)(?<!\bNo\.)(?<!\bSec\.)(?<!\bH\.R\.)(?<!\bS\.)(?<!\bMr\.)"
                       r"(?<!\bMs\.)(?<=[.!?])\s+(?=[A-Z(\"“])|\n+")
_INSTRUCTION = re.compile(r"""(?ix)\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|
    guidelines|above)\b|\byou\s+are\s+now\b|\bsystem\s+prompt\b|\bnew\s+instructions?\b|\b(?:assistant|system)\s*:
    |\b(?:tell|inform)\s+(?:users?|readers?|everyone)\b""")
# stage claims an answer may make, and the stage each one needs in the record
_CLAIMS = [(re.compile(r"(?i)\b(became|become|becomes|is\s+now|signed\s+into|enacted\s+as)\s+(a\s+)?law\b|\benacted\b"
                       r"|\bsigned\s+by\s+the\s+president\b"), "Became law"),
           (re.compile(r"(?i)\bpassed\s+(by\s+)?the\s+senate\b|\bsenate\s+(passed|approved)\b"), "Passed Senate"),
           (re.compile(r"(?i)\bpassed\s+(by\s+)?the\s+house\b|\bhouse\s+(passed|approved)\b"), "Passed House"),
           (re.compile(r"(?i)\bvetoed\b"), "Vetoed")]
_SAYS_NOTHING = re.compile(r"(?i)\b(passages?|record|sources?)\b.{0,40}\b(do(es)?\s+not|don't|doesn't|never)\b.{0,30}"
                           r"\b(say|answer|mention|address|contain|cover|state)")
_NEGATION = re.compile(r"(?i)\b(not|never|no|yet to|has\s?n[o']t|did\s?n[o']t|had\s?n[o']t|nor|without)\b[^.;]{0,30}$")


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    subject: str | None = None
    as_of: datetime | None = None
    model: str = EXTRACTIVE
    grounded: bool = True
    prompt_tokens: int = 0
    completion_tokens: int = 0
    question: str = ""
    intent: str = ""
    supported: bool = True
    rejected: list[str] = field(default_factory=list)     # problems of a rejected LLM reply

    def to_dict(self) -> dict:
        return {"answer": self.text, "citations": [c.to_dict() for c in self.citations], "subject": self.subject,
                "as_of": self.as_of.isoformat() if self.as_of else None, "model": self.model,
                "grounded": self.grounded, "supported": self.supported, "intent": self.intent,
                "question": self.question, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "rejected": list(self.rejected)}


def render_text(a: Answer) -> str:
    """The answer for a terminal: the text, then the numbered sources with their fetch dates."""
    lines = [a.text]
    if a.citations:
        lines += ["", "Sources:"]
        for c in a.citations:
            where = f" — {c.ref}" if c.ref and c.ref != c.url else ""
            fetched = f" (fetched {day(c.fetched_at)})" if c.fetched_at else ""
            lines.append(f"[{c.n}] {c.title}{where}{fetched}")
            if c.url:
                lines.append(f"    {c.url}")
    if a.model != EXTRACTIVE:
        lines.append(f"(written by {a.model} from the sources above)")
    return "\n".join(lines)


# ---- grounding of stage claims --------------------------------------------------------------

def stage_conflicts(text: str, stages: dict[str, set[str]]) -> list[str]:
    """Claims in ``text`` ("became law", "passed the Senate") that no bill in ``stages`` reached."""
    if not stages:
        return []
    problems = []
    for rx, need in _CLAIMS:
        for m in rx.finditer(text):
            if _NEGATION.search(text[max(0, m.start() - 40):m.start()]):
                continue
            if not any(need in reached for reached in stages.values()):
                names = ", ".join(display_bill(b) for b in stages)
                problems.append(f'"{m.group(0)}" is not supported: the stored stages of {names} do not include {need}')
    return problems


def _stages(ctx: Context, bills: list[str]) -> dict[str, set[str]]:
    out = {}
    for b in bills[:5]:
        data = ctx.repo.bill(b)
        if data is not None:
            out[b] = {s["stage"] for s in data["stages"]} | ({data["stage"]} if data["stage"] else set())
    return out


# ---- extractive -------------------------------------------------------------------------------

def _stem(w: str) -> str:
    return w.lower()[:5]


def _coverage(words: list[str], text: str) -> set[str]:
    """The question's words the text holds (a word counts when one of its synonyms is there)."""
    have = {_stem(t) for t in re.findall(r"[A-Za-z0-9]+", text)}
    return {w for w in words if _stem(w) in have or any(_stem(a) in have for a in SYNONYMS.get(w, ()))}


def _trim(sentence: str, limit: int = 300) -> str:
    """At most ``limit`` characters, cut at a word boundary and marked with "…" (quotes stay exact)."""
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"


def _best_sentences(h: Hit, words: list[str], stages: dict, k: int = 2, limit: int = 300) -> list[str]:
    """Up to ``k`` sentences of the passage that share the most words with the question (in order);
    instruction-like sentences and claims contradicting a stored stage are never picked."""
    scored = []
    for i, s in enumerate(_SENTENCE.split(h.text)):
        s = " ".join(s.split())
        if len(s) < 12 or _INSTRUCTION.search(s) or stage_conflicts(s, stages):
            continue
        cov = len(_coverage(words, s))
        if words and not cov:
            continue
        scored.append((-cov, i, _trim(s, limit)))
    scored.sort()
    return [s for _, _, s in sorted(scored[:k], key=lambda x: x[1])]


def _source_label(h: Hit) -> str:
    if h.kind == "bill":
        return display_bill(h.external_id)
    if h.kind in ("fr_document", "public_inspection"):
        return f"FR Doc. {h.external_id}"
    if h.kind == "bill_text":
        return f"{h.external_id} {h.anchor}".strip()
    if h.kind == "news":
        return f"News ({h.title[:80]})"
    return h.title[:80]


def _not_said(q: Question, hits: list[Hit], words: list[str], stages: dict) -> Draft:
    cites = [cite_hit(n, h, (_best_sentences(h, words, stages, 1) or [""])[0]) for n, h in enumerate(hits[:3], 1)]
    text = f'The stored record does not say: nothing stored answers "{q.text}".'
    text += " The closest stored sources are listed below." if cites else ""
    return Draft(text, cites, supported=False)


def extractive(q: Question, hits: list[Hit], stages: dict) -> Draft:
    """Exact sentences from the best passages, or "the record does not say" with the closest sources."""
    words = plan(q.text).words
    useful = [(h, _coverage(words, f"{h.title} {h.heading} {h.text}")) for h in hits]
    best = max((len(c) for _, c in useful), default=0)
    scoped = bool(q.bills or q.documents) and any(h.kind in ("bill", "bill_text", "action", "summary")
                                                   or h.external_id in q.documents for h in hits)
    supported = bool(hits) and (best >= max(1, (len(words) + 1) // 2) or (not words and scoped))
    if not supported:
        return _not_said(q, hits, words, stages)
    lines, cites = [], []
    for h, cov in useful:
        if len(cites) >= 4 or (words and len(cov) < max(1, (best + 1) // 2)):
            continue
        picked = _best_sentences(h, words, stages, limit=300 if cites else 700)   # the lead quote may be longer
        if not picked:
            continue
        n = len(cites) + 1
        cites.append(cite_hit(n, h, picked[0]))
        lines.append(f"- {_source_label(h)}: “{' '.join(picked)}” [{n}]")
    if not lines:
        return _not_said(q, hits, words, stages)
    first = lines[0][2:].replace(": “", " says “", 1)       # the best passage stated as a sentence
    return Draft("\n".join([f"From the stored record: {first}", *lines[1:]]), cites)


# ---- the LLM path ---------------------------------------------------------------------------

def _passage_block(n: int, h: Hit) -> str:
    head = f"[{n}] {h.title} — {cite_hit(n, h).ref}" + (f" ({day(h.doc_date)})" if h.doc_date else "")
    return f"{head}\n{data_block(h.text, f'passage {n}')}"


def _llm_problems(text: str, sources: list[str], stages: dict) -> list[str]:
    problems = list(check_answer(text, sources))
    if not re.search(r"\[\d+\]", text) and not _SAYS_NOTHING.search(text):
        problems.append("the answer cites no passage; cite every claim like [1]")
    problems += stage_conflicts(text, stages)
    return problems


def facts_for_llm(q: Question, hits: list[Hit], stages: dict) -> str:
    """The extractive answer, numbered as the passages are: the checked facts the model phrases."""
    ex = extractive(q, hits, stages)
    if not ex.supported or not ex.citations:
        return "(none)"
    number = {cite_hit(n, h).ref: n for n, h in reversed(list(enumerate(hits, 1)))}
    remap = {c.n: number.get(c.ref) for c in ex.citations}
    if None in remap.values():
        return "(none)"
    return re.sub(r"\[(\d+)\]", lambda m: f"[{remap.get(int(m.group(1)), m.group(1))}]", ex.text)


def llm_answer(ctx: Context, q: Question, hits: list[Hit], stages: dict) -> tuple[Draft | None, dict]:
    """(draft, usage) from the LLM; draft None when the reply failed grounding twice or the call failed.
    The model gets the extractive facts (numbered as the passages) and the passages, never whole bills."""
    llm = ctx.llm
    if llm.on_call is None:
        llm.on_call = ctx.repo.log_llm_call
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "model": llm.model, "rejected": [], "accepted": False}
    sources = [f"{h.title} {cite_hit(n, h).ref} {day(h.doc_date)}\n{h.text}" for n, h in enumerate(hits, 1)]
    messages = prompts.load("answer_question").messages(
        question=q.text, facts=data_block(facts_for_llm(q, hits, stages), "facts"),
        passages="\n\n".join(_passage_block(n, h) for n, h in enumerate(hits, 1)))
    for attempt in range(2):
        try:
            reply = llm.complete(messages, purpose="answer", max_tokens=700)
        except LegiswatchError as exc:
            log.warning("answer: LLM call failed (%s); answering extractively", exc)
            usage["rejected"].append(str(exc))
            return None, usage
        usage["prompt_tokens"] += reply.prompt_tokens or 0
        usage["completion_tokens"] += reply.completion_tokens or 0
        usage["model"] = reply.model or llm.model
        text = str(reply.content).strip()
        problems = _llm_problems(text, sources, stages)
        if not problems:
            usage["accepted"] = True
            used = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
            if not used:        # "the passages do not say": show the closest sources
                return Draft(text, [cite_hit(n, h) for n, h in enumerate(hits[:3], 1)], supported=False), usage
            return Draft(text, [cite_hit(n, h) for n, h in enumerate(hits, 1) if n in used]), usage
        log.warning("answer: LLM reply rejected (attempt %d): %s", attempt + 1, "; ".join(problems[:5]))
        usage["rejected"] += [f"attempt {attempt + 1}: {p}" for p in problems]
        messages = [*messages, {"role": "assistant", "content": text},
                    {"role": "user", "content": "Your answer has these problems:\n- " + "\n- ".join(problems[:10])
                     + "\nRewrite it using only words, numbers and dates from the passages, citing them."}]
    return None, usage


# ---- the service ----------------------------------------------------------------------------

def _record_fact(ctx: Context, q: Question) -> Draft | None:
    """A fact of the structured record the question asks for (record_facts), else None."""
    if q.documents and (d := record_facts.cfr_rule_draft(ctx, q)) is not None:
        return d
    if q.cfr_sections and not q.subject and (d := record_facts.cfr_section_draft(ctx, q)) is not None:
        return d
    if q.subject and q.asks and not q.documents:
        return record_facts.bill_fact_draft(ctx, q)
    if q.documents and q.asks == words.DOC_FACTS:
        return record_facts.doc_draft(ctx, q)
    if not q.subject and not q.documents and q.asks:
        return record_facts.global_draft(ctx, q)
    return None


def _draft(ctx: Context, q: Question, stages: dict) -> tuple[Draft, dict]:
    usage: dict = {}
    fact = _record_fact(ctx, q)
    if fact is not None:
        return fact, usage
    if q.intent == DEADLINE:
        numbers = list(q.documents)
        if not numbers:
            numbers = list(dict.fromkeys(h.external_id for h in retrieve(ctx, q, limit=6)
                                         if h.kind in ("fr_document", "public_inspection")))[:2]
        d = deadline_draft(ctx, q, numbers)
        if d.text:
            return d, usage
    if q.intent == CHANGE and (q.subject or q.documents):
        d = change_draft(ctx, q) if q.subject else document_change_draft(ctx, q)
        if d is not None:
            return d, usage
    if q.intent == STATUS and q.subject:
        d = record_facts.status_lead(ctx, q, status_draft(ctx, q))
        if not d.supported:
            d.citations = [cite_hit(n, h) for n, h in enumerate(retrieve(ctx, q, limit=3), 1)]
        return d, usage
    hits = retrieve(ctx, q, limit=MAX_SOURCES)
    if ctx.llm is not None and hits:
        d, usage = llm_answer(ctx, q, hits, stages)
        if d is not None:
            return d, usage
    return extractive(q, hits, stages), usage


def answer(ctx: Context, question: str, *, where: str = "cli", thread: str | None = None) -> Answer:
    """Answer ``question`` from the stored record; every answer is logged with its sources."""
    q = understand(ctx, question, thread=thread)
    if not q.text:
        return Answer(text="Ask a question, e.g. \"What is the status of H.R. 2683?\"", question="",
                      supported=False)
    mentioned = [str(b) for b in find_bill_ids(q.text, today=ctx.today())]
    stages = _stages(ctx, list(dict.fromkeys([*q.bills, *mentioned])))
    draft, usage = _draft(ctx, q, stages)
    model = usage["model"] if usage.get("accepted") else EXTRACTIVE
    result = Answer(text=draft.text, citations=draft.citations, subject=q.subject, as_of=draft.as_of,
                    model=model, grounded=True, prompt_tokens=usage.get("prompt_tokens", 0),
                    completion_tokens=usage.get("completion_tokens", 0), question=q.text, intent=q.intent,
                    supported=draft.supported, rejected=list(usage.get("rejected", [])))
    ctx.repo.log_answer(where=where, thread=thread, question=q.text, subject=q.subject, answer=result.text,
                        sources=[{"n": c.n, "title": c.title, "url": c.url, "ref": c.ref, "kind": c.kind}
                                 for c in result.citations],
                        model=result.model, prompt_tokens=result.prompt_tokens,
                        completion_tokens=result.completion_tokens)
    log.info("answered (%s, %s, %s): %d citations, supported=%s", where, q.intent, result.model,
             len(result.citations), result.supported)
    return result
