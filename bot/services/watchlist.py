"""The watchlist service: parse and normalise watch items, seed from TOML once, import/export."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from scrapers.ecfr import parse_ref
from scrapers.errors import BadInput
from scrapers.ids import parse_bill_id
from scrapers.records import Watch
from storage.repo import Repo

log = logging.getLogger(__name__)
KINDS = ("bill", "term", "agency", "feed", "cfr")
SEEDED_KEY = "watchlist_seeded"
USAGE = ('usage: watch list | watch add BILL | watch add --term "TEXT" | watch add --agency SLUG | '
         'watch add --feed URL | watch add --cfr "15 CFR 744" | watch remove BILL|--term …|--agency …|--feed …|--cfr …')
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class WatchSpec:
    kind: str
    value: str
    label: str = ""


def normalise(kind: str, raw: str, *, today: date | None = None) -> WatchSpec:
    """Validate and canonicalise one item; raises BadInput with the accepted forms."""
    raw = (raw or "").strip()
    if kind == "bill":
        bid = parse_bill_id(raw, today=today)
        return WatchSpec("bill", str(bid), bid.display)
    if not raw:
        raise BadInput(f"nothing to watch given ({USAGE})")
    if kind == "term":
        term = " ".join(raw.strip("\"'“”").split())
        if not 2 <= len(term) <= 200:
            raise BadInput("a watched term must be 2–200 characters")
        return WatchSpec("term", term.casefold(), term)        # one item whatever the case; the label keeps it
    if kind == "agency":
        slug = raw.lower()
        if not _SLUG.match(slug) or len(slug) > 100:
            raise BadInput(f"not a Federal Register agency slug: {raw!r} (e.g. industry-and-security-bureau)")
        return WatchSpec("agency", slug, slug)
    if kind == "feed":
        u = urlparse(raw)
        if u.scheme not in ("http", "https") or not u.netloc or len(raw) > 500:
            raise BadInput(f"not an http(s) feed URL: {raw!r}")
        return WatchSpec("feed", raw, u.netloc)
    if kind == "cfr":
        try:
            title, part, section = parse_ref(raw)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        ident = section or part
        return WatchSpec("cfr", f"{title}/{ident}", f"{title} CFR {ident}")
    raise BadInput(f"unknown watch kind {kind!r} ({USAGE})")


def parse_args(args: list[str], *, today: date | None = None) -> WatchSpec:
    """``["--term", "remote", "access"]`` / ``["H.R.", "2683"]`` → a WatchSpec."""
    if not args:
        raise BadInput(USAGE)
    flag = args[0]
    if flag.startswith("--"):
        kind = flag[2:]
        if kind not in ("term", "agency", "feed", "bill", "cfr"):
            raise BadInput(f"unknown option {flag} ({USAGE})")
        return normalise(kind, " ".join(args[1:]), today=today)
    return normalise("bill", " ".join(args), today=today)


def seed_once(repo: Repo, path: str | Path, *, today: date | None = None) -> int:
    """Seed the database from the TOML watchlist the first time only; returns items added."""
    if repo.kv_get(SEEDED_KEY):
        return 0
    p = Path(path)
    n = 0
    if p.exists():
        n = import_file(repo, p, actor="seed", action="seed", today=today)
    repo.kv_set(SEEDED_KEY, str(p))
    return n


def load_toml(path: Path, *, today: date | None = None) -> list[WatchSpec]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"cannot read watchlist {path}: {exc}") from None
    items = []
    for key, kind in (("bills", "bill"), ("terms", "term"), ("agencies", "agency"), ("feeds", "feed"),
                      ("cfr", "cfr")):
        for raw in data.get(key, []) or []:
            items.append(normalise(kind, str(raw), today=today))
    return items


def import_file(repo: Repo, path: Path, *, actor: str = "cli", action: str = "import",
                today: date | None = None) -> int:
    return sum(repo.add_watch(i.kind, i.value, label=i.label, actor=actor, action=action)
               for i in load_toml(Path(path), today=today))


def export_toml(repo: Repo) -> str:
    groups = {k: [] for k in KINDS}
    for item in repo.watch_items():
        groups[item["kind"]].append(item["value"])
    lines = ["# legiswatch watchlist (exported)"]
    for key, kind in (("bills", "bill"), ("agencies", "agency"), ("terms", "term"), ("feeds", "feed"),
                      ("cfr", "cfr")):
        vals = ", ".join(_toml_str(v) for v in groups[kind])
        lines.append(f"{key} = [{vals}]")
    return "\n".join(lines) + "\n"


def _toml_str(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_watch(repo: Repo) -> Watch:
    """The scrapers' view of the watchlist, with what is already known about watched bills."""
    items = repo.watch_items()
    bills = [i["value"] for i in items if i["kind"] == "bill"]
    known = repo.known_bills(bills)        # a few set queries, not reads per bill
    return Watch(bills=bills,
                 terms=[i["value"] for i in items if i["kind"] == "term"],
                 agencies=[i["value"] for i in items if i["kind"] == "agency"],
                 feeds=[i["value"] for i in items if i["kind"] == "feed"],
                 short_titles={b: k.get("short_title", "") for b, k in known.items() if k.get("short_title")},
                 known=known,
                 cfr_parts=sorted({i["value"].partition(".")[0] for i in items if i["kind"] == "cfr"}),
                 cfr_rules=cfr_rules(repo))


def cfr_rules(repo: Repo) -> list[dict]:
    """The stored Federal Register rules (stored because the watch matched them) that amend CFR
    parts, with their effective dates: ``{"number", "effective_on", "parts": ["15/742", …]}``."""
    out = []
    for number, meta in repo.latest_metas("fr_document"):
        if (meta.get("type") or "").lower() != "rule" or not meta.get("effective_on"):
            continue
        parts = []
        for ref in meta.get("cfr") or []:
            try:
                title, part, _ = parse_ref(ref)
            except ValueError:
                continue
            parts.append(f"{title}/{part}")
        if parts:
            out.append({"number": number, "effective_on": meta["effective_on"],
                        "parts": sorted(set(parts))})
    return out


def channel_for(repo: Repo, change, default: str) -> str:
    """The channel an alert goes to: the channel the matching watch item was added in, else ``default``."""
    subject = change.bill_id or change.subject
    for item in repo.watch_items():
        if item["channel"] and item["kind"] == "bill" and item["value"] == subject:
            return item["channel"]
    return default
