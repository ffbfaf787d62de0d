"""The analysis room's face towards storage: what ``Repo.record`` calls to classify actions,
compute stages and grade materiality (storage never imports the analysis room itself)."""

from __future__ import annotations

from typing import Any

from bot.analysis.materiality import materiality
from bot.analysis.stages import bill_stages, classify_action, extract_vote


class Analyzer:
    def classify_action(self, action) -> tuple[str | None, bool]:
        c = classify_action(action)
        return c.stage, c.procedural

    def stages(self, actions: list, bill_type: str):
        return bill_stages(actions, bill_type)

    def vote(self, text: str, votes: list) -> str | None:
        return extract_vote(text, votes)

    def materiality(self, kind: str, **facts: Any) -> str:
        return materiality(kind, **facts)
