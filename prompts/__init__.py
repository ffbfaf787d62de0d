"""Prompt templates, loaded by name.

Each template is ``prompts/<name>.txt``; its first line is ``version: N``. The body may be
split into ``[system]`` and ``[user]`` parts. Variables are written ``{{ name }}`` and are filled
in one pass, so text inside a value (bill text, news, abstracts) is never expanded again.
Untrusted text goes through :func:`data_block`, which fences it between ``<<<DATA`` and
``DATA>>>`` lines and neutralises those markers inside the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DIR = Path(__file__).resolve().parent
_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_PART = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)

DATA_OPEN, DATA_CLOSE = "<<<DATA", "DATA>>>"


def data_block(text: str, label: str = "") -> str:
    """Fence untrusted text as data; markers inside it are defused so it cannot close the fence."""
    safe = str(text).replace(DATA_OPEN, "<<<data").replace(DATA_CLOSE, "data>>>")
    head = f"{DATA_OPEN} {label}".rstrip()
    return f"{head}\n{safe}\n{DATA_CLOSE}"


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    text: str

    @property
    def key(self) -> str:
        """``summarize_change/v1``: what the summary cache keys on."""
        return f"{self.name}/v{self.version}"

    def variables(self) -> set[str]:
        return set(_VAR.findall(self.text))

    def render(self, **vars: object) -> str:
        """The template with every ``{{ name }}`` filled; a missing variable raises KeyError."""
        missing = self.variables() - vars.keys()
        if missing:
            raise KeyError(f"prompt {self.name}: missing variables {sorted(missing)}")
        return _VAR.sub(lambda m: str(vars[m.group(1)]), self.text)

    def messages(self, **vars: object) -> list[dict]:
        """Chat messages: the ``[system]`` part as a system message, the ``[user]`` part as user."""
        rendered = self.render(**vars)
        parts = _PART.split(rendered)
        if len(parts) == 1:
            return [{"role": "user", "content": rendered.strip()}]
        out = []
        for role, body in zip(parts[1::2], parts[2::2], strict=True):
            if body.strip():
                out.append({"role": role, "content": body.strip()})
        return out


@cache
def load(name: str) -> Prompt:
    """Load ``prompts/<name>.txt``; raises FileNotFoundError for an unknown name."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad prompt name {name!r}")
    raw = (_DIR / f"{name}.txt").read_text(encoding="utf-8")
    first, _, body = raw.partition("\n")
    m = re.fullmatch(r"version:\s*(\S+)\s*", first)
    if not m:
        raise ValueError(f"prompt {name}: first line must be 'version: N'")
    return Prompt(name=name, version=m.group(1), text=body.lstrip("\n"))


def names() -> list[str]:
    return sorted(p.stem for p in _DIR.glob("*.txt"))
