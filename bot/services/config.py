"""Settings: one object, read from the environment or ``.env``, and one table of every setting.

Each field's ``alias`` is the environment variable, its default is the embedded default and its
``description`` is the help shown by ``legiswatch config`` and documented in the README (a test
checks that every name appears there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scrapers.errors import BadInput

DEMO_KEY = "DEMO_KEY"
SECRET_NAMES = {"CONGRESS_API_KEY", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                "OPENAI_API_KEY"}


def _f(default: Any, env: str, help: str):
    return Field(default=default, alias=env, description=help)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    db_url: str = _f("sqlite:///legiswatch.db", "LEGISWATCH_DB_URL",
                     "database (PostgreSQL: postgresql+psycopg://…)")
    watchlist: str = _f("watchlist.toml", "LEGISWATCH_WATCHLIST",
                        "seed watchlist (TOML), read once into an empty database")
    congress_api_key: str = _f(DEMO_KEY, "CONGRESS_API_KEY",
                               "api.data.gov key for Congress.gov and govinfo (free at https://api.data.gov/signup/)")
    congress_api_url: str = _f("https://api.congress.gov/v3", "LEGISWATCH_CONGRESS_API_URL",
                               "Congress.gov API v3 base URL")
    govinfo_url: str = _f("https://www.govinfo.gov", "LEGISWATCH_GOVINFO_URL", "govinfo: bill text, bulk data")
    govinfo_api_url: str = _f("https://api.govinfo.gov", "LEGISWATCH_GOVINFO_API_URL", "govinfo API base URL")
    bulk_data: Literal["auto", "fallback", "off"] = _f(
        "auto", "LEGISWATCH_BULK_DATA", "govinfo BILLSTATUS bulk data (no key, no quota; under LEGISWATCH_GOVINFO_URL"
        "/bulkdata): auto = backfill and first poll on DEMO_KEY or a spent quota, and fallback; fallback = only "
        "when Congress.gov is rate-limited or down; off")
    federal_register_url: str = _f("https://www.federalregister.gov/api/v1", "LEGISWATCH_FEDERAL_REGISTER_URL",
                                   "Federal Register API v1 base URL")
    bis_url: str = _f("https://www.bis.gov", "LEGISWATCH_BIS_URL", "BIS web site (press releases)")
    ecfr_url: str = _f("https://www.ecfr.gov", "LEGISWATCH_ECFR_URL",
                       "eCFR (versioner API) for the CFR parts watched or amended by watched rules")
    news_search_url: str = _f("https://news.google.com/rss/search", "LEGISWATCH_NEWS_SEARCH_URL",
                              "news search RSS (?q=)")
    slack_bot_token: str = _f("", "SLACK_BOT_TOKEN", "Slack bot token (xoxb-…)")
    slack_app_token: str = _f("", "SLACK_APP_TOKEN", "Slack app-level token (xapp-…) for Socket Mode")
    slack_signing_secret: str = _f("", "SLACK_SIGNING_SECRET", "Slack signing secret (HTTP mode)")
    slack_api_url: str = _f("https://slack.com/api/", "LEGISWATCH_SLACK_API_URL", "Slack Web API base URL")
    slack_admins: str = _f("", "LEGISWATCH_SLACK_ADMINS",
                           "Slack user ids (U…), comma-separated, who may change the watchlist and post digests")
    alert_channel: str = _f("", "LEGISWATCH_ALERT_CHANNEL", "channel id for alerts")
    digest_channel: str = _f("", "LEGISWATCH_DIGEST_CHANNEL", "channel id for the weekly digest")
    digest_cron: str = _f("0 9 * * mon", "LEGISWATCH_DIGEST_CRON", "digest schedule (crontab)")
    timezone: str = _f("America/New_York", "LEGISWATCH_TIMEZONE", "schedules and dates shown")
    openai_api_key: str = _f("", "OPENAI_API_KEY", "an LLM is used when this or OPENAI_BASE_URL is set")
    openai_base_url: str = _f("", "OPENAI_BASE_URL", "OpenAI-compatible server (Ollama, vLLM, llama.cpp…)")
    llm_model: str = _f("gpt-5-mini", "LEGISWATCH_LLM_MODEL", "model name (set it for local servers)")
    llm_timeout: float = _f(60.0, "LEGISWATCH_LLM_TIMEOUT", "seconds before an LLM call is abandoned")
    llm_json_mode: str = _f("json_schema", "LEGISWATCH_LLM_JSON_MODE",
                            "structured output: json_schema, json_object or none (for servers that ignore schemas)")
    http_timeout: float = _f(20.0, "LEGISWATCH_HTTP_TIMEOUT", "seconds before a source request is abandoned")
    http_retries: int = _f(3, "LEGISWATCH_HTTP_RETRIES", "retries per source request (429/5xx/connection errors)")
    retry_after_max: float = _f(120.0, "LEGISWATCH_RETRY_AFTER_MAX",
                                "longest Retry-After (seconds) honoured before giving up for this poll")
    max_response_mb: float = _f(25.0, "LEGISWATCH_MAX_RESPONSE_MB", "largest source response accepted")
    congress_interval_min: int = _f(30, "LEGISWATCH_CONGRESS_INTERVAL_MIN",
                                    "Congress poll every N minutes on weekdays 07:00–22:00 (×4 with DEMO_KEY)")
    congress_offhours_interval_min: int = _f(180, "LEGISWATCH_CONGRESS_OFFHOURS_INTERVAL_MIN",
                                             "Congress poll every N minutes at night and weekends")
    federal_register_hour: int = _f(6, "LEGISWATCH_FEDERAL_REGISTER_HOUR",
                                    "daily Federal Register poll at this hour (after the issue is out)")
    public_inspection_interval_min: int = _f(15, "LEGISWATCH_PUBLIC_INSPECTION_INTERVAL_MIN",
                                             "public inspection poll every N minutes, weekdays 08:00–19:00")
    bis_interval_min: int = _f(60, "LEGISWATCH_BIS_INTERVAL_MIN", "BIS press releases poll every N minutes")
    news_interval_min: int = _f(60, "LEGISWATCH_NEWS_INTERVAL_MIN", "news poll every N minutes")
    ecfr_hour: int = _f(7, "LEGISWATCH_ECFR_HOUR", "daily eCFR poll at this hour (after the day's compilation)")
    source_alert_after_min: int = _f(360, "LEGISWATCH_SOURCE_ALERT_AFTER_MIN",
                                     "a source failing longer than this is alerted and makes `status` exit 1")
    alert_max_age_days: int = _f(14, "LEGISWATCH_ALERT_MAX_AGE_DAYS",
                                 "changes whose own date is older than this go to the digest, not to alerts")
    retention_days: int = _f(90, "LEGISWATCH_RETENTION_DAYS",
                             "operational records (Slack event ids, job runs, sent deliveries' payloads, answers, "
                             "LLM calls) older than this are pruned daily; 0 keeps them; documents are never pruned")
    redline_base_url: str = _f("", "LEGISWATCH_REDLINE_BASE_URL",
                               "public base URL of this app's HTTP mode, for links to full redlines")

    # ---- checked at start: a bad value is named with what is accepted (``load_settings``) ----
    @field_validator("llm_timeout", "http_timeout", "max_response_mb")
    @classmethod
    def _positive_seconds(cls, v: float) -> float:
        if not math.isfinite(v) or v <= 0:
            raise ValueError("accepted: a number greater than 0")
        return v

    @field_validator("retry_after_max")
    @classmethod
    def _non_negative(cls, v: float) -> float:
        if not math.isfinite(v) or v < 0:
            raise ValueError("accepted: a number of seconds, 0 or more")
        return v

    @field_validator("http_retries")
    @classmethod
    def _retries(cls, v: int) -> int:
        if not 0 <= v <= 20:
            raise ValueError("accepted: a whole number from 0 to 20")
        return v

    @field_validator("congress_interval_min", "congress_offhours_interval_min", "public_inspection_interval_min",
                     "bis_interval_min", "news_interval_min", "alert_max_age_days")
    @classmethod
    def _at_least_one(cls, v: int) -> int:
        if v < 1:
            raise ValueError("accepted: a whole number, 1 or more")
        return v

    @field_validator("source_alert_after_min")
    @classmethod
    def _minutes(cls, v: int) -> int:
        if v < 0:
            raise ValueError("accepted: a whole number of minutes, 0 or more")
        return v

    @field_validator("federal_register_hour", "ecfr_hour")
    @classmethod
    def _hour(cls, v: int) -> int:
        if not 0 <= v <= 23:
            raise ValueError("accepted: an hour from 0 to 23")
        return v

    @field_validator("congress_api_url", "govinfo_url", "govinfo_api_url", "federal_register_url", "bis_url",
                     "ecfr_url", "news_search_url", "slack_api_url", "openai_base_url", "redline_base_url")
    @classmethod
    def _http_url(cls, v: str, info) -> str:
        optional = info.field_name in ("openai_base_url", "redline_base_url")
        if optional and not v:
            return v
        parts = urlsplit(v.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("accepted: an http:// or https:// URL with a host" + (" (or empty)" if optional else ""))
        return v.strip()

    @field_validator("llm_json_mode")
    @classmethod
    def _json_mode(cls, v: str) -> str:
        if v not in ("json_schema", "json_object", "none"):
            raise ValueError("accepted: json_schema, json_object or none")
        return v

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("accepted: an IANA time zone name such as America/New_York or UTC") from None
        return v

    # ---- derived -------------------------------------------------------------------------
    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def demo_key(self) -> bool:
        return self.congress_api_key == DEMO_KEY

    @property
    def admin_ids(self) -> set[str]:
        return {a.strip() for a in self.slack_admins.split(",") if a.strip()}


@dataclass(frozen=True)
class Setting:
    name: str
    field: str
    default: Any
    help: str
    secret: bool


def settings_table() -> list[Setting]:
    """Every setting: environment name, field, default, help, whether it is a secret."""
    rows = []
    for fname, info in Settings.model_fields.items():
        rows.append(Setting(info.alias or fname, fname, info.default, info.description or "",
                            (info.alias or "") in SECRET_NAMES))
    return rows


def mask(value: str) -> str:
    """``xoxb-1234…`` → ``xoxb…(12 chars)``; empty stays empty; DEMO_KEY is not a secret."""
    if not value or value == DEMO_KEY:
        return value
    return f"{value[:4]}…({len(value)} chars)" if len(value) > 8 else "****"


def effective(settings: Settings) -> list[tuple[str, str, str]]:
    """(name, value with secrets masked, help) for ``legiswatch config``."""
    out = []
    for s in settings_table():
        value = getattr(settings, s.field)
        shown = mask(str(value)) if s.secret else str(value)
        if s.name == "LEGISWATCH_DB_URL":
            shown = mask_url_password(shown)
        out.append((s.name, shown, s.help))
    return out


def mask_url_password(url: str) -> str:
    """``postgresql+psycopg://user:secret@host/db`` → ``postgresql+psycopg://user:***@host/db``,
    also when the password holds an unencoded ``@``, ``/`` or ``:`` or there is no user name: the
    password runs from the first ``:`` after the user to the last ``@`` before the query."""
    start = url.find("://")
    if start < 0:
        return url
    head, rest = url[:start + 3], url[start + 3:]
    query = rest.find("?")
    authority_end = rest.rfind("@", 0, query if query >= 0 else len(rest))
    if authority_end < 0:
        return url
    colon = rest.find(":", 0, authority_end)
    if colon < 0:
        return url
    return head + rest[:colon + 1] + "***" + rest[authority_end:]


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and ``.env``; ``overrides`` (field names) win. A bad
    value raises ``BadInput`` naming each variable, its value (secrets and passwords masked) and
    what is accepted — never pydantic's "1 validation error for Settings"."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise BadInput(settings_problem(exc)) from None


def settings_problem(exc: ValidationError) -> str:
    """One line per bad setting: ``LEGISWATCH_HTTP_TIMEOUT='0': accepted: a number greater than 0``."""
    by_field = {name: (info.alias or name) for name, info in Settings.model_fields.items()}
    lines = []
    for err in exc.errors():
        key = str(err["loc"][0]) if err.get("loc") else "?"
        env = by_field.get(key, key)
        value = str(err.get("input", ""))
        if env in SECRET_NAMES:
            value = mask(value)
        elif "://" in value:
            value = mask_url_password(value)
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") in ("int_parsing", "float_parsing", "int_from_float", "finite_number"):
            msg = "accepted: a " + ("whole number" if "int" in err["type"] else "number")
        elif err.get("type") == "literal_error":
            msg = "accepted: " + msg.removeprefix("Input should be ")
        lines.append(f"setting {env}={value[:200]!r} is not valid ({msg})")
    return "; ".join(lines) or "invalid settings"
