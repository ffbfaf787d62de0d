"""What the shared commands return: plain data that each front end renders its own way (text for
the terminal, Block Kit for Slack). Services' own results (a comparison, a digest, an answer) are
returned as they are."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BillCards:
    cards: list[dict]


@dataclass
class BillMatches:
    """``bill "TITLE WORDS"`` found several stored bills: id, Congress, title, stage of each."""

    query: str
    matches: list[dict]
    total: int

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "matches": self.matches}


@dataclass
class WatchItems:
    items: list[dict]


@dataclass
class WatchChanged:
    """``watch add``/``remove``: ``changed`` is False when there was nothing to do."""

    action: str                # "add" or "remove"
    kind: str
    value: str
    changed: bool
    channel: str | None = None
    title: str = ""            # the bill's title or the agency's name, when checked
    warning: str = ""          # the item could not be checked (its source was unreachable)

    @property
    def text(self) -> str:
        named = f" — {self.title}" if self.title else ""
        if self.action == "add":
            text = f"{'Now watching' if self.changed else 'Already watching'} {self.kind} {self.value}{named}"
            return text + (f" (warning: {self.warning})" if self.warning else "")
        return f"{'Stopped watching' if self.changed else 'Not watched:'} {self.kind} {self.value}"


@dataclass
class WatchImported:
    added: int


@dataclass
class Text:
    """Text to show as it is (``watch export``)."""

    text: str


@dataclass
class DigestPosted:
    queued: int
    target: str


@dataclass
class StatusReport:
    report: dict
