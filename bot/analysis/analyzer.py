"""The analysis room's face towards storage: what ``Repo.record`` calls to classify actions,
compute stages, read vote tallies, word stage headlines and grade materiality — the whole
``storage.repo.documents.Analyzer`` protocol (storage never imports the analysis room itself)."""

from __future__ import annotations

from typing import Any

from bot.analysis.headlines import change_key, headline, stage_headline
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

    def stage_headline(self, short: str, stage: str, tally: str | None) -> str:
        return stage_headline(short, stage, tally)

    def headline(self, kind: str, **facts: Any) -> str:
        return headline(kind, **facts)

    def change_key(self, kind: str, *parts: Any) -> str:
        return change_key(kind, *parts)

    def materiality(self, kind: str, **facts: Any) -> str:
        return materiality(kind, **facts)
