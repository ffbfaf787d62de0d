"""The floor plan, enforced: which room may import which (docs/architecture.md), no import circles,
and no imports hidden inside functions. Read from the source with ``ast``; nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.commands import table
from bot.commands.run import load

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scrapers", "storage", "prompts")
# where an import inside a function is allowed: the command table loads each command when it runs;
# the LLM client imports the heavy ``openai`` package only when an LLM is configured
LAZY_OK = {"bot.frontends.commands": None, "bot.analysis.llm": {"openai"}}

# room → the project rooms it may import (its own room always), and third-party roots it must not
ROOMS: dict[str, tuple[set[str], set[str]]] = {
    "scrapers": (set(), {"sqlalchemy", "sqlmodel", "alembic", "slack_bolt", "slack_sdk", "openai"}),
    "storage": ({"scrapers"}, {"requests", "slack_bolt", "slack_sdk", "openai", "feedparser"}),
    "prompts": (set(), {"sqlalchemy", "sqlmodel", "requests", "slack_bolt", "slack_sdk"}),
    "bot.analysis": ({"scrapers", "prompts"}, {"sqlalchemy", "sqlmodel", "requests", "slack_bolt", "slack_sdk"}),
    "bot.services": ({"scrapers", "storage", "prompts", "bot.analysis"}, {"slack_bolt", "slack_sdk"}),
    "bot.commands": ({"scrapers", "storage", "prompts", "bot.analysis", "bot.services"},
                     {"slack_bolt", "slack_sdk"}),
    "bot.slack": ({"scrapers", "storage", "prompts", "bot.analysis", "bot.services", "bot.commands"}, set()),
    "bot.runtime": ({"scrapers", "storage", "prompts", "bot.analysis", "bot.services", "bot.slack"}, set()),
    "bot.frontends": ({"scrapers", "storage", "prompts", "bot.analysis", "bot.services", "bot.commands",
                       "bot.slack", "bot.runtime", "bot.sandbox"}, set()),
    "bot.sandbox": (set(), {"sqlalchemy", "sqlmodel", "requests", "slack_bolt", "slack_sdk", "openai", "lxml",
                            "pydantic", "pydantic_settings"}),
    "bot": ({"bot.frontends"}, set()),          # bot/__init__.py, bot/__main__.py
}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def room_of(module: str) -> str:
    for room in sorted(ROOMS, key=len, reverse=True):
        if module == room or module.startswith(room + "."):
            return room
    raise AssertionError(f"{module} is in no room")


def _imports(module: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def walk(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_func or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_func) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                    pkg = pkg[:len(pkg) - (child.level - 1)]
                    base = ".".join([*pkg, base] if base else pkg)
                for a in child.names:
                    sub = f"{base}.{a.name}"
                    found.append((sub if sub in MODULES else base, child.lineno, in_func))
            walk(child, inner)

    walk(tree, False)
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _project(target: str) -> bool:
    return target.split(".")[0] in PACKAGES


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_only_what_its_room_may(module):
    room = room_of(module)
    allowed, banned = ROOMS[room]
    wrong = []
    for target, line, _ in IMPORTS[module]:
        if target == "bot" and module.startswith("bot."):
            continue                            # bot/__init__.py holds only the version
        if _project(target):
            other = room_of(target)
            if other != room and other not in allowed:
                wrong.append(f"line {line}: {target} ({other})")
        elif target.split(".")[0] in banned:
            wrong.append(f"line {line}: {target}")
    assert not wrong, f"{module} ({room}) may not import: " + "; ".join(wrong)


def test_no_imports_inside_functions_but_the_command_table():
    hidden = [f"{m}:{line} {t}" for m, imps in IMPORTS.items() for t, line, in_func in imps
              if in_func and not (m in LAZY_OK and (LAZY_OK[m] is None or t in LAZY_OK[m]))]
    assert not hidden, hidden


def test_no_import_circles():
    graph = {m: {t for t, _, in_func in imps if not in_func and t in MODULES and t != m}
             for m, imps in IMPORTS.items()}
    # a package's __init__ importing its own submodules is a re-export, not a circle
    for m in graph:
        graph[m] = {t for t in graph[m] if not t.startswith(m + ".")} if (MODULES[m].name == "__init__.py") \
            else graph[m]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    circles: list[list[str]] = []

    def connect(v: str) -> None:           # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    assert not circles, circles


def test_the_rules_catch_a_service_that_imports_slack(tmp_path):
    """The checker itself: a service importing the Slack room, or a function-level import, is found."""
    fake = tmp_path / "svc.py"
    fake.write_text("from bot.slack import blocks\n\ndef f():\n    import bot.frontends.cli\n")
    found = _imports("bot.services.svc", fake)
    assert ("bot.slack.blocks", 1, False) in found and ("bot.frontends.cli", 4, True) in found
    assert room_of("bot.slack.blocks") not in ROOMS["bot.services"][0]


def test_the_command_table_loads_only_what_its_room_may():
    """The table names its functions as strings (loaded when a command runs); those count too."""

    def every(commands):
        for c in commands:
            yield c
            yield from every(c.subcommands)

    for command in every(table.COMMANDS):
        for target in filter(None, (command.run, command.check)):
            module = target.partition(":")[0]
            assert room_of(module) in ("bot.commands", *ROOMS["bot.commands"][0]), target
            assert callable(load(target)), target
