"""Start-up cost (issue 23): a command imports only its own services, and the migration check is
one cheap revision read unless the database is behind."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from alembic import command

from bot.commands import table
from bot.commands.run import load
from storage.db import alembic_config, head_revision, latest_revision

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


def test_every_table_target_names_its_own_command_module():
    targets = []
    for cmd in table.COMMANDS:
        for c in (cmd, *cmd.subcommands):
            targets += [t for t in (c.run, c.check) if t]
    assert targets
    for t in targets:
        module, _, name = t.partition(":")
        assert module.startswith("bot.commands.") and callable(load(t)), t


def test_the_cheap_head_is_alembics_head():
    assert latest_revision() == head_revision()


_OPEN = ("import sys, json; from storage.repo import open_repo; from bot.analysis.analyzer import Analyzer; "
         "r = open_repo({url!r}, analyzer=Analyzer()); "
         "print(json.dumps(['alembic' in sys.modules, r.engine.connect().exec_driver_sql("
         "'SELECT version_num FROM alembic_version').scalar()])); r.dispose()")


def _open(url: str) -> list:
    out = subprocess.run([sys.executable, "-c", _OPEN.format(url=url)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_alembic_runs_only_when_the_database_is_behind(tmp_path):
    url = f"sqlite:///{tmp_path / 'lw.db'}"
    assert _open(url) == [True, head_revision()]          # a new database: migrated by Alembic
    assert _open(url) == [False, head_revision()]         # at head: one SELECT, Alembic never imported
    command.downgrade(alembic_config(url), "-1")           # one revision behind
    assert _open(url) == [True, head_revision()]          # behind: Alembic runs and brings it to the head
