"""Settings: names and defaults from the contract, documented in the README, secrets masked."""

from pathlib import Path

from bot.services.config import Settings, effective, load_settings, mask, settings_table

README = Path(__file__).resolve().parent.parent / "README.md"
CONTRACT_DEFAULTS = {
    "LEGISWATCH_DB_URL": "sqlite:///legiswatch.db",
    "LEGISWATCH_WATCHLIST": "watchlist.toml",
    "CONGRESS_API_KEY": "DEMO_KEY",
    "LEGISWATCH_CONGRESS_API_URL": "https://api.congress.gov/v3",
    "LEGISWATCH_GOVINFO_URL": "https://www.govinfo.gov",
    "LEGISWATCH_GOVINFO_API_URL": "https://api.govinfo.gov",
    "LEGISWATCH_FEDERAL_REGISTER_URL": "https://www.federalregister.gov/api/v1",
    "LEGISWATCH_BIS_URL": "https://www.bis.gov",
    "LEGISWATCH_NEWS_SEARCH_URL": "https://news.google.com/rss/search",
    "LEGISWATCH_SLACK_API_URL": "https://slack.com/api/",
    "LEGISWATCH_DIGEST_CRON": "0 9 * * mon",
    "LEGISWATCH_TIMEZONE": "America/New_York",
}
CONTRACT_NAMES = set(CONTRACT_DEFAULTS) | {
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "LEGISWATCH_SLACK_ADMINS",
    "LEGISWATCH_ALERT_CHANNEL", "LEGISWATCH_DIGEST_CHANNEL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
    "LEGISWATCH_LLM_MODEL"}


def test_contract_names_and_defaults():
    table = {s.name: s for s in settings_table()}
    assert CONTRACT_NAMES <= set(table)
    for name, default in CONTRACT_DEFAULTS.items():
        assert table[name].default == default, name
    for s in table.values():
        assert s.name.startswith("LEGISWATCH_") or s.name in CONTRACT_NAMES, s.name
        assert s.help, s.name


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.name for s in settings_table() if f"`{s.name}`" not in text]
    assert not missing, f"README does not document: {missing}"


def test_environment_and_dotenv(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LEGISWATCH_ALERT_CHANNEL=C0FROMENV\nLEGISWATCH_HTTP_TIMEOUT=3.5\n")
    monkeypatch.setenv("LEGISWATCH_TIMEZONE", "UTC")
    s = load_settings()
    assert (s.alert_channel, s.http_timeout, s.timezone) == ("C0FROMENV", 3.5, "UTC")
    assert not s.llm_enabled and not s.slack_enabled and s.demo_key
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    assert Settings().llm_enabled


def test_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123456789-secret-token")
    monkeypatch.setenv("CONGRESS_API_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCD")
    monkeypatch.setenv("LEGISWATCH_DB_URL", "postgresql+psycopg://bot:hunter2@db/legis")
    shown = "\n".join(f"{n}={v}" for n, v, _ in effective(load_settings()))
    assert "secret-token" not in shown and "abcdefghijklmnop" not in shown and "hunter2" not in shown
    assert "SLACK_BOT_TOKEN=xoxb…(27 chars)" in shown
    assert mask("") == "" and mask("DEMO_KEY") == "DEMO_KEY"
