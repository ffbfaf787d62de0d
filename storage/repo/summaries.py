"""The summary cache (input hash + prompt version + model), the LLM call log and the answer log."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select

from storage.models import AnswerLog, Change, LLMCall, Summary
from storage.repo.base import dumps


class SummariesMixin:
    def find_summary(self, input_hash: str, prompt_version: str, model: str) -> dict | None:
        with self.tx() as s:
            row = s.exec(select(Summary).where(Summary.input_hash == input_hash,
                                               Summary.prompt_version == prompt_version,
                                               Summary.model == model)).first()
            return _summary(row) if row else None

    def save_summary(self, *, input_hash: str, prompt_version: str, model: str, text: str, bullets: list,
                     citations: list, produced_by: str, change_ids=()) -> int:
        """Store a summary (or reuse the cached one) and link it to the changes it describes."""
        with self.tx() as s:
            self.insert_ignore(s, Summary, dict(
                input_hash=input_hash, prompt_version=prompt_version, model=model, text=text,
                bullets_json=dumps(bullets), citations_json=dumps(citations), produced_by=produced_by,
                created_at=self.now()), ["input_hash", "prompt_version", "model"])
            row = s.exec(select(Summary).where(Summary.input_hash == input_hash,
                                               Summary.prompt_version == prompt_version,
                                               Summary.model == model)).one()
            if change_ids:
                s.execute(update(Change).where(col(Change.id).in_(list(change_ids)))
                          .values(summary_id=row.id, summary_state="done"))
            return row.id

    def summary(self, summary_id: int) -> dict | None:
        with self.tx() as s:
            row = s.get(Summary, summary_id)
            return _summary(row) if row else None

    def log_llm_call(self, *, purpose: str, model: str, prompt_tokens: int | None, completion_tokens: int | None,
                     latency_ms: int | float, ok: bool, error: str | None = None) -> None:
        with self.tx() as s:
            s.add(LLMCall(purpose=purpose, model=model, prompt_tokens=prompt_tokens or 0,
                          completion_tokens=completion_tokens or 0, latency_ms=int(latency_ms or 0), ok=ok,
                          error=(error or None) and error[:500]))

    def llm_usage(self, since: datetime) -> dict:
        with self.tx() as s:
            p, c, n = s.exec(select(func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
                                    func.coalesce(func.sum(LLMCall.completion_tokens), 0),
                                    func.count()).where(LLMCall.at >= since)).one()
            return {"prompt_tokens": int(p), "completion_tokens": int(c), "calls": int(n)}

    def log_answer(self, *, where: str, thread: str | None, question: str, subject: str | None, answer: str,
                   sources: list, model: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> int:
        with self.tx() as s:
            row = AnswerLog(where=where, thread=thread, question=question, subject=subject, answer=answer,
                            sources_json=dumps(sources), model=model, prompt_tokens=prompt_tokens,
                            completion_tokens=completion_tokens)
            s.add(row)
            s.flush()
            return row.id

    def thread_subject(self, thread: str) -> str | None:
        """The bill a conversation thread is about (for follow-up questions)."""
        with self.tx() as s:
            row = s.exec(select(AnswerLog).where(AnswerLog.thread == thread, AnswerLog.subject != None)  # noqa: E711
                         .order_by(col(AnswerLog.id).desc())).first()
            return row.subject if row else None

    def answers(self, limit: int = 50) -> list[dict]:
        with self.tx() as s:
            return [{"id": a.id, "at": a.at, "where": a.where, "thread": a.thread, "question": a.question,
                     "subject": a.subject, "answer": a.answer, "sources": json.loads(a.sources_json),
                     "model": a.model} for a in s.exec(select(AnswerLog).order_by(col(AnswerLog.id).desc())
                                                       .limit(limit))]


def _summary(row: Summary) -> dict:
    return {"id": row.id, "text": row.text, "bullets": json.loads(row.bullets_json),
            "citations": json.loads(row.citations_json), "produced_by": row.produced_by, "model": row.model,
            "prompt_version": row.prompt_version, "input_hash": row.input_hash}
