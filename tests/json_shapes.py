"""The shape of a ``--json`` output — its keys, recursively, and the type of each value — so a test
can prove a refactor left every key of the contract where it was, whatever the values are today."""

from __future__ import annotations

import json
from pathlib import Path

from answer_fixtures import build_store, make_context

from bot.frontends.cli import main

SHAPES = Path(__file__).resolve().parent / "data" / "contract" / "json_shapes.json"
COMMANDS = {"bill": ["bill", "hr2683-119", "--json"],
            "compare": ["compare", "hr2683-119-ih", "hr2683-119-eh", "--json"],
            "digest": ["digest", "--since", "2026-01-01", "--json"],
            "ask": ["ask", "What is the status of H.R. 2683?", "--json"],
            "status": ["status", "--json"]}


def shape(value):
    """``{"a": [{"b": 1}]}`` → ``{"a": [{"b": "int"}]}``; a list's shape is the union of its items'."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        merged: dict = {}
        kinds = set()
        for item in value:
            s = shape(item)
            if isinstance(s, dict):
                for k, v in s.items():
                    merged.setdefault(k, v if v != "null" else merged.get(k, v))
                    if merged[k] == "null":
                        merged[k] = v
            else:
                kinds.add(json.dumps(s))
        return [merged] if merged else [json.loads(k) for k in sorted(kinds)]
    if value is None:
        return "null"
    return type(value).__name__


def outputs(db_url: str, sandbox, monkeypatch, capsys) -> dict:
    """Each command's ``--json`` on the sandbox's flagship store, parsed."""
    ctx = make_context(db_url, sandbox)
    build_store(ctx)
    ctx.close()
    monkeypatch.setenv("LEGISWATCH_DB_URL", db_url)
    monkeypatch.setenv("LEGISWATCH_WATCHLIST", "none.toml")
    for field, url in sandbox.base_urls().items():
        monkeypatch.setenv({"congress_api_url": "LEGISWATCH_CONGRESS_API_URL"}.get(field, f"LEGISWATCH_{field.upper()}"),
                           url)
    out = {}
    for name, argv in COMMANDS.items():
        main(argv)
        out[name] = json.loads(capsys.readouterr().out)
    return out
