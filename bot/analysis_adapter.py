"""The analysis room's face towards storage: what ``Repo.record`` calls to classify actions,
compute stages and grade materiality (storage never imports the analysis room itself)."""

from __future__ import annotations

from typing import Any


class Analyzer:
    def classify_action(self, action) -> tuple[str | None, bool]:
        from bot.analysis.stages import classify_action
        c = classify_action(action)
        return c.stage, c.procedural

    def stages(self, actions: list, bill_type: str):
        from bot.analysis.stages import bill_stages
        return bill_stages(actions, bill_type)

    def vote(self, text: str, votes: list) -> str | None:
        from bot.analysis.stages import extract_vote
        return extract_vote(text, votes)

    def materiality(self, kind: str, **facts: Any) -> str:
        from bot.analysis.materiality import materiality
        return materiality(kind, **facts)
