"""Every setting is checked at start: a bad value is named with the variable, its value and what
is accepted; passwords are masked in every form of database URL."""

from __future__ import annotations

import pytest

from bot.services.config import load_settings, mask_url_password
from scrapers.errors import BadInput


@pytest.mark.parametrize("env,value,accepted", [
    ("LEGISWATCH_HTTP_RETRIES", "abc", "whole number"), ("LEGISWATCH_HTTP_TIMEOUT", "0", "greater than 0"),
    ("LEGISWATCH_HTTP_TIMEOUT", "-1", "greater than 0"), ("LEGISWATCH_LLM_TIMEOUT", "nan", "greater than 0"),
    ("LEGISWATCH_CONGRESS_API_URL", "not-a-url", "http:// or https://"),
    ("LEGISWATCH_LLM_JSON_MODE", "bogus", "json_schema, json_object or none"),
    ("LEGISWATCH_BIS_INTERVAL_MIN", "0", "1 or more"), ("LEGISWATCH_NEWS_INTERVAL_MIN", "-5", "1 or more"),
    ("LEGISWATCH_MAX_RESPONSE_MB", "-5", "greater than 0"), ("LEGISWATCH_TIMEZONE", "Mars/Olympus", "IANA"),
    ("LEGISWATCH_FEDERAL_REGISTER_HOUR", "24", "0 to 23"), ("OPENAI_BASE_URL", "ftp://x", "http://"),
])
def test_a_bad_setting_is_named_with_its_value_and_what_is_accepted(monkeypatch, env, value, accepted):
    monkeypatch.setenv(env, value)
    with pytest.raises(BadInput) as err:
        load_settings()
    message = str(err.value)
    assert env in message and repr(value) in message and accepted in message
    assert "validation error" not in message


def test_good_values_are_accepted(monkeypatch):
    monkeypatch.setenv("LEGISWATCH_HTTP_TIMEOUT", "2.5")
    monkeypatch.setenv("LEGISWATCH_TIMEZONE", "UTC")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    s = load_settings()
    assert s.http_timeout == 2.5 and s.timezone == "UTC"


@pytest.mark.parametrize("url,secret", [
    ("postgresql+psycopg://user:s3cret@db.internal/legis", "s3cret"),
    ("postgresql+psycopg://user:p@ss@word@db.internal:5432/legis", "p@ss@word"),
    ("postgresql://:onlypass@host/db", "onlypass"),
    ("postgresql://u:pa/ss:wd@host/db?sslmode=require", "pa/ss:wd"),
])
def test_passwords_are_masked_in_every_url_form(url, secret):
    shown = mask_url_password(url)
    assert "***" in shown and not any(piece in shown for piece in secret.split("@") if len(piece) > 2)
    assert shown.endswith(url[url.rfind("@", 0, url.find("?") if "?" in url else len(url)):])


def test_a_bad_database_url_password_never_shows_in_the_message(monkeypatch):
    monkeypatch.setenv("LEGISWATCH_HTTP_TIMEOUT", "0")
    monkeypatch.setenv("CONGRESS_API_KEY", "abcdefghijklmnop-secret")
    with pytest.raises(BadInput) as err:
        load_settings()
    assert "abcdefghijklmnop-secret" not in str(err.value)
