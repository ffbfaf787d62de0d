"""The digest service: what changed since the last posted digest, as plain data (no Slack).

Scope (the contract, "Digest scope"): changes *detected* since the previous posted digest (the
``digest_last_posted`` marker, moved only by :func:`queue_digest`); changes whose own date is more
than 30 days older than that start are left out (counted), so a backfill never floods it. The first
digest of an install (no marker), and of a bill watched since the last digest, is a catch-up: where
each such bill stands and its key events (``catch_up``). ``--since DATE`` means events that
*happened* since DATE. Deadlines in the next 14 days are always listed.

Events, not rows: the changes of one event (``bot/analysis/events``) are one item carrying all its
sources (``change_ids``, ``also``). Most important first (materiality, then what the event is, then
date); low is only counted; each section shows at most ``CAPS[level]`` items and says how many
more it left out (``more``). New bills matching watched terms are offered for watching.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.analysis.events import Event, group_events, importance
from bot.services.context import Context
from bot.services.outbox import digest_payload
from scrapers.ids import parse_bill_id
from storage.repo import ChangeInfo

log = logging.getLogger(__name__)
MARKER = "digest_last_posted"
DEFAULT_WINDOW = timedelta(days=7)       # no marker and no --since: the last week
STALE_AFTER = timedelta(days=30)         # a change dated this long before the start is left out
DEADLINE_DAYS = 14
HEALTH_KINDS = {"source_failing", "source_recovered"}    # operational, alerted, not digested
LEVELS = ("high", "normal")
CAPS = {"high": 10, "normal": 12}       # items shown per section; the rest are counted ("and N more")
KEY_EVENTS = 8                           # key events listed per bill in a catch-up


@dataclass
class DigestItem:
    change_id: int
    kind: str
    materiality: str
    headline: str
    date: date | None
    subject: str
    bill_id: str | None = None
    summary: str | None = None
    bullets: list[str] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)     # [{label, url}] — stored http(s) URLs only
    change_ids: list[int] = field(default_factory=list)   # every change of the event (its sources)
    also: list[str] = field(default_factory=list)         # what the other sources add (other actions that day)


@dataclass
class Digest:
    start: datetime                    # changes detected after this instant
    end: datetime                      # ... and up to this one (when the digest was built)
    basis: str                         # "marker" | "since" | "default"
    items: list[DigestItem] = field(default_factory=list)      # high first, then normal
    low_count: int = 0
    deadlines: list[dict] = field(default_factory=list)        # [{document, title, url, kind, due, days_left}]
    new_bills: list[DigestItem] = field(default_factory=list)  # new bills matching watched terms
    left_out_stale: int = 0
    more: dict = field(default_factory=dict)                   # {level: items beyond the section's cap}
    catch_up: list[dict] = field(default_factory=list)         # [{bill_id, title, stage, stage_date, url, events}]

    @property
    def empty(self) -> bool:
        return not (self.items or self.deadlines or self.new_bills or self.catch_up)

    @property
    def high(self) -> list[DigestItem]:
        return [i for i in self.items if i.materiality == "high"]

    @property
    def normal(self) -> list[DigestItem]:
        return [i for i in self.items if i.materiality != "high"]

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "basis": self.basis,
                "empty": self.empty, "items": [_item_dict(i) for i in self.items], "low_count": self.low_count,
                "deadlines": [{**d, "due": d["due"].isoformat()} for d in self.deadlines],
                "new_bills": [_item_dict(i) for i in self.new_bills], "left_out_stale": self.left_out_stale,
                "more": dict(self.more), "catch_up": [_catch_up_dict(c) for c in self.catch_up]}


def digest_from_dict(d: dict) -> Digest:
    """A digest back from its ``to_dict`` form (how the outbox stores it)."""
    def item(x: dict) -> DigestItem:
        fields = {k: v for k, v in x.items() if k in DigestItem.__dataclass_fields__}
        fields["date"] = date.fromisoformat(x["date"]) if x.get("date") else None
        return DigestItem(**fields)

    return Digest(start=datetime.fromisoformat(d["start"]), end=datetime.fromisoformat(d["end"]), basis=d["basis"],
                  items=[item(i) for i in d.get("items") or []], low_count=d.get("low_count", 0),
                  deadlines=[{**x, "due": date.fromisoformat(x["due"])} for x in d.get("deadlines") or []],
                  new_bills=[item(i) for i in d.get("new_bills") or []], left_out_stale=d.get("left_out_stale", 0),
                  more=dict(d.get("more") or {}),
                  catch_up=[{**c, "stage_date": date.fromisoformat(c["stage_date"]) if c.get("stage_date") else None,
                             "events": [{**e, "date": date.fromisoformat(e["date"]) if e.get("date") else None}
                                        for e in c.get("events") or []]} for c in d.get("catch_up") or []])


def _item_dict(i: DigestItem) -> dict:
    d = asdict(i)
    d["date"] = i.date.isoformat() if i.date else None
    return d


def _catch_up_dict(c: dict) -> dict:
    return {**c, "stage_date": c["stage_date"].isoformat() if c.get("stage_date") else None,
            "events": [{**e, "date": e["date"].isoformat() if e.get("date") else None} for e in c["events"]]}


# ---- building -----------------------------------------------------------------------------

def digest_start(ctx: Context, since: date | None = None) -> tuple[datetime, str]:
    """Where the digest starts: ``since`` (local midnight), else the posted marker, else a week ago."""
    if since is not None:
        tz = ZoneInfo(ctx.settings.timezone)
        return datetime.combine(since, time.min, tzinfo=tz).astimezone(UTC), "since"
    marker = ctx.repo.kv_get(MARKER)
    if marker:
        try:
            at = datetime.fromisoformat(marker)
            return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC), "marker"
        except ValueError:
            log.warning("digest: unreadable marker %r, using the last week", marker)
    return ctx.now() - DEFAULT_WINDOW, "default"


def build_digest(ctx: Context, since: date | None = None) -> Digest:
    """The digest for now: plain data. Never moves the marker (a preview is free)."""
    start, basis = digest_start(ctx, since)
    digest = Digest(start=start, end=ctx.now().astimezone(UTC), basis=basis)
    oldest = (start - STALE_AFTER).date()
    repo = ctx.repo
    # --since: what happened since the date (an event without a date: detected since); else detected since start
    changes = repo.changes() if basis == "since" else repo.changes(since=start)
    kept = []
    for c in changes:
        if c.detected_at and c.detected_at > digest.end:
            digest.end = c.detected_at      # the marker must cover everything this digest showed
        if c.kind in HEALTH_KINDS:
            continue
        if basis == "since":
            if (c.change_date < since) if c.change_date is not None else (c.detected_at <= start):
                continue
        elif c.change_date is not None and c.change_date < oldest:
            digest.left_out_stale += 1
            continue
        kept.append(c)
    events = sorted(group_events(kept), key=importance)
    for level in LEVELS:
        shown = [e for e in events if e.primary.kind != "new_matching_bill" and e.materiality == level]
        digest.items += [_item(repo, e) for e in shown[:CAPS[level]]]
        if len(shown) > CAPS[level]:
            digest.more[level] = len(shown) - CAPS[level]
    for e in events:
        if e.primary.kind == "new_matching_bill":
            digest.new_bills.append(_item(repo, e))
        elif e.materiality not in LEVELS:
            digest.low_count += 1
    digest.catch_up = _catch_up(ctx, basis)
    today = ctx.today()
    digest.deadlines = repo.deadlines(start=today, end=today + timedelta(days=DEADLINE_DAYS))
    return digest


def _catch_up(ctx: Context, basis: str) -> list[dict]:
    """Where each watched bill stands, for the first digest of an install (no marker) and for the
    bills watched since the last digest: its stage, its key events (the stages it reached, with
    the vote, and its latest action), newest last."""
    if basis == "since":
        return []
    marker = ctx.repo.kv_get(MARKER) if basis == "marker" else None
    since = None
    if marker:
        try:
            since = datetime.fromisoformat(marker)
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
        except ValueError:
            since = None
    out = []
    for w in ctx.repo.watch_items("bill"):
        added = w.get("added_at")
        added = added.replace(tzinfo=UTC) if added is not None and added.tzinfo is None else added
        if basis == "marker" and (since is None or added is None or added <= since):
            continue
        data = ctx.repo.bill(w["value"])
        if data is None:
            continue
        events = []
        for c in ctx.repo.changes(bill_id=w["value"], kinds=["stage"]):      # every stage it reached
            events.append({"date": c.change_date, "text": c.headline})
        events.sort(key=lambda e: (e["date"] or date.min))
        la = data.get("latest_action")
        if la and la.get("text") and (not events or events[-1]["date"] != la["date"]):
            events.append({"date": la["date"], "text": f"Latest action: {la['text']}"})
        try:
            bill = parse_bill_id(w["value"])
            label, url = bill.display, bill.congress_gov_url()
        except Exception:  # noqa: BLE001 — a stored id that does not parse is shown as stored
            label, url = w["value"], data.get("url")
        out.append({"bill_id": w["value"], "label": label, "title": data.get("short_title") or data.get("title") or "",
                    "stage": data.get("stage"), "stage_date": data.get("stage_date"), "url": url,
                    "events": events[-KEY_EVENTS:], "left_out": max(0, len(events) - KEY_EVENTS)})
    return out


def _item(repo, event: Event) -> DigestItem:
    c = event.primary
    summary = repo.summary(c.summary_id) if c.summary_id else None
    links = []
    for m in [c] + event.sources:
        url = (m.detail or {}).get("url")
        if url and all(link["url"] != url for link in links):
            links.append({"label": _link_label(m), "url": url})
    if c.bill_id or c.kind == "new_matching_bill":
        try:
            bill = parse_bill_id(c.bill_id or c.subject)
            congress_url = bill.congress_gov_url()
            if all(link["url"] != congress_url for link in links):
                links.append({"label": f"{bill.short} on Congress.gov", "url": congress_url})
        except Exception:  # noqa: BLE001 — a subject that is not a bill id gets no bill link
            pass
    return DigestItem(change_id=c.id, kind=c.kind, materiality=event.materiality, headline=c.headline or c.subject,
                      date=c.change_date, subject=c.subject, bill_id=c.bill_id,
                      summary=(summary or {}).get("text") or None,
                      bullets=list((summary or {}).get("bullets") or [])[:5], links=links,
                      change_ids=event.ids, also=event.also())


def _link_label(c: ChangeInfo) -> str:
    return {"news": "article", "press_release": "press release", "fr_document": "Federal Register",
            "fr_updated": "Federal Register", "public_inspection": "public inspection",
            "text_version": "text on govinfo", "crec_mention": "Congressional Record"}.get(c.kind, "source")


# ---- rendering for the terminal ----------------------------------------------------------------

def render_text(digest: Digest) -> str:
    """The digest as terminal text (``legiswatch digest``)."""
    span = f"{digest.start:%Y-%m-%d %H:%M} → {digest.end:%Y-%m-%d %H:%M} UTC"
    if digest.empty:
        return f"legiswatch digest ({span}): nothing new this week." + _low_note(digest)
    lines = [f"legiswatch digest ({span})"]
    for c in digest.catch_up:
        lines += ["", f"{c['label']}: where it stands" + (f" — {c['title']}" if c.get("title") else "")]
        if c.get("stage"):
            lines.append(f"  Stage: {c['stage']}" + (f" ({c['stage_date'].isoformat()})" if c.get("stage_date") else ""))
        for e in c["events"]:
            lines.append(f"  • {e['date'].isoformat() + ' ' if e.get('date') else ''}{e['text']}")
        if c.get("left_out"):
            lines.append(f"  … and {c['left_out']} earlier")
        if c.get("url"):
            lines.append(f"  {c['url']}")
    for level, title, items in (("high", "Most important", digest.high), ("normal", "Other changes", digest.normal)):
        if not items:
            continue
        lines += ["", f"{title}:"]
        for i in items:
            lines.append(f"  • {i.headline}" + (f" ({i.date.isoformat()})" if i.date else ""))
            lines += [f"      also: {a}" for a in i.also]
            lines += [f"      {ln}" for ln in summary_lines(i)][:6]
            lines += [f"      {link['label']}: {link['url']}" for link in i.links]
        if digest.more.get(level):
            lines.append(f"  … and {digest.more[level]} more")
    if digest.deadlines:
        lines += ["", f"Deadlines in the next {DEADLINE_DAYS} days:"]
        for d in digest.deadlines:
            lines.append(f"  • {d['due'].isoformat()} ({_days(d['days_left'])}): {deadline_label(d)} — "
                         f"{d['document']} {d['title']}")
    if digest.new_bills:
        lines += ["", "New bills matching watched terms (watch it?):"]
        for i in digest.new_bills:
            lines.append(f"  • {i.headline}  → legiswatch watch add {i.subject}")
    note = footer(digest)
    if note:
        lines += ["", note]
    return "\n".join(lines)


def summary_lines(item: DigestItem) -> list[str]:
    """The item's summary lines, without one that only repeats its headline."""
    head = _norm(item.headline)
    out = []
    for ln in (item.summary or "").splitlines():
        if not ln.strip():
            continue
        core = _norm(re.sub(r"\[[^\]]*\]\s*$", "", ln))
        if core and core in head:
            continue
        out.append(ln)
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def footer(digest: Digest) -> str:
    """What the digest left out, and why (never a silent cut)."""
    parts = []
    if digest.low_count:
        parts.append(f"{digest.low_count} minor change{'s' if digest.low_count != 1 else ''} not listed")
    capped = sum(digest.more.values())
    if capped:
        parts.append(f"{capped} more beyond the section limits")
    if digest.left_out_stale:
        n = digest.left_out_stale
        why = "summarized under where it stands" if digest.catch_up else "older than 30 days before this digest"
        parts.append(f"{n} older change{'s' if n != 1 else ''} left out ({why})")
    return f"({'; '.join(parts)})" if parts else ""


def deadline_label(d: dict) -> str:
    return {"comments_close": "comments close", "effective": "takes effect"}.get(d["kind"], d["kind"])


def _days(n: int) -> str:
    return "today" if n == 0 else ("tomorrow" if n == 1 else f"in {n} days")


def _low_note(digest: Digest) -> str:
    return f" ({digest.low_count} minor change{'s' if digest.low_count != 1 else ''} not listed)" \
        if digest.low_count else ""


# ---- posting ---------------------------------------------------------------------------------------

def digest_target(ctx: Context) -> str:
    """Where the digest goes: the digest channel, else the alert channel, else the console."""
    s = ctx.settings
    if s.slack_enabled and (s.digest_channel or s.alert_channel):
        return s.digest_channel or s.alert_channel
    return "console"


def queue_digest(ctx: Context, digest: Digest) -> int:
    """Queue the digest as data for its target (rendered when delivered) and move the marker.

    One outbox delivery per target and day (purpose ``digest``, ref ``digest-YYYY-MM-DD-part1``,
    the ref the first rendered part had before digests were stored as data), so a digest queued
    twice on the same day, before or after an upgrade, is posted once. Returns 1 when queued now,
    0 when it already was."""
    target = digest_target(ctx)
    day = ctx.today().isoformat()
    queued = int(ctx.repo.enqueue(target=target, purpose="digest", ref=f"digest-{day}-part1",
                                  payload=digest_payload(target, day, digest.to_dict())))
    if not queued:
        log.info("digest for %s was already queued to %s; not queued again", day, target)
    ctx.repo.kv_set(MARKER, digest.end.isoformat())
    return queued
