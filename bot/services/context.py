"""The running context shared by the CLI, the scheduler and the Slack app: settings, the repo,
a clock, and the parts built from settings (sources, analyzer, summarizer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.analysis.analyzer import Analyzer
from bot.analysis.llm import LLMClient
from bot.services.config import Settings, load_settings
from bot.services.summarizer import Summarizer
from bot.services.watchlist import seed_once
from storage.repo import Repo, open_repo

log = logging.getLogger(__name__)


@dataclass
class Context:
    settings: Settings = field(default_factory=load_settings)
    now_override: datetime | None = None     # a fixed clock (tests, the demo replaying January 2026)

    def now(self) -> datetime:
        return self.now_override or datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(ZoneInfo(self.settings.timezone)).date()

    @cached_property
    def repo(self) -> Repo:
        repo = open_repo(self.settings.db_url, analyzer=self.analyzer)
        if self.now_override is not None:
            repo.now = self.now          # timestamps follow the fixed clock (tests, the demo's replay)
        seed_once(repo, self.settings.watchlist, today=self.today())
        return repo

    @cached_property
    def analyzer(self):
        return Analyzer()

    @cached_property
    def llm(self):
        """The LLM client when one is configured, else None (offline summarizer)."""
        if not self.settings.llm_enabled:
            return None
        return LLMClient(base_url=self.settings.openai_base_url or None,
                         api_key=self.settings.openai_api_key or None, model=self.settings.llm_model,
                         timeout=self.settings.llm_timeout, json_mode=self.settings.llm_json_mode)

    @cached_property
    def summarizer(self):
        return Summarizer(self.llm, self.repo)

    def close(self) -> None:
        if "repo" in self.__dict__:
            self.repo.dispose()
