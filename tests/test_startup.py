"""Start-up cost (issue 23): a command imports only its own services, and the migration check is
one cheap revision read unless the database is behind."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.commands import handlers, table
from bot.commands.run import load

OTHERS = {"answers", "compare", "digest", "health", "doc_card", "watch_check"}
OWN = {   # command module → the services it may load beyond the shared ones (context, card, pipeline…)
    "bill": set(), "watch": {"watch_check"}, "status": {"health"}, "compare": {"compare"},
    "digest": {"digest"}, "ask": {"answers", "compare"}, "doc": {"doc_card"},
}


def _services_after_import(module: str) -> set[str]:
    code = (f"import sys, json, {module}; "
            "print(json.dumps(sorted(k.split('.')[-1] for k in sys.modules if k.startswith('bot.services.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("name", sorted(OWN))
def test_each_command_module_imports_only_its_own_services(name):
    loaded = _services_after_import(f"bot.commands.{name}")
    assert loaded & OTHERS == OWN[name], loaded


def test_every_table_target_names_its_own_module_and_handlers_keeps_the_names():
    targets = []
    for command in table.COMMANDS:
        for c in (command, *command.subcommands):
            targets += [t for t in (c.run, c.check) if t]
    assert targets and not [t for t in targets if t.startswith("bot.commands.handlers:")]
    for t in targets:
        fn = load(t)
        if t.startswith("bot.commands.text:"):
            continue
        assert getattr(handlers, fn.__name__) is fn
