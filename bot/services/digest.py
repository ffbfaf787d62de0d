"""The digest service: what changed since the last posted digest, as plain data (no Slack).

Scope (the contract, "Digest scope"): changes *detected* since the previous posted digest (the
``digest_last_posted`` marker, moved only by :func:`queue_digest`) or since ``--since``; changes whose
own date is more than 30 days older than that start are left out, so a backfill never floods it.
Deadlines in the next 14 days are always listed. Most important first: high, then normal; low
is only counted. New bills matching watched terms are offered for watching.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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

    @property
    def empty(self) -> bool:
        return not (self.items or self.deadlines or self.new_bills)

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
                "new_bills": [_item_dict(i) for i in self.new_bills], "left_out_stale": self.left_out_stale}


def digest_from_dict(d: dict) -> Digest:
    """A digest back from its ``to_dict`` form (how the outbox stores it)."""
    def item(x: dict) -> DigestItem:
        fields = {k: v for k, v in x.items() if k in DigestItem.__dataclass_fields__}
        fields["date"] = date.fromisoformat(x["date"]) if x.get("date") else None
        return DigestItem(**fields)

    return Digest(start=datetime.fromisoformat(d["start"]), end=datetime.fromisoformat(d["end"]), basis=d["basis"],
                  items=[item(i) for i in d.get("items") or []], low_count=d.get("low_count", 0),
                  deadlines=[{**x, "due": date.fromisoformat(x["due"])} for x in d.get("deadlines") or []],
                  new_bills=[item(i) for i in d.get("new_bills") or []], left_out_stale=d.get("left_out_stale", 0))


def _item_dict(i: DigestItem) -> dict:
    d = asdict(i)
    d["date"] = i.date.isoformat() if i.date else None
    return d


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
    for c in repo.changes(since=start):
        if c.detected_at and c.detected_at > digest.end:
            digest.end = c.detected_at      # the marker must cover everything this digest showed
        if c.kind in HEALTH_KINDS:
            continue
        if c.change_date is not None and c.change_date < oldest:
            digest.left_out_stale += 1
            continue
        if c.kind == "new_matching_bill":
            digest.new_bills.append(_item(repo, c))
        elif c.materiality in LEVELS:
            digest.items.append(_item(repo, c))
        else:
            digest.low_count += 1
    rank = {level: n for n, level in enumerate(LEVELS)}
    digest.items.sort(key=lambda i: (rank.get(i.materiality, 9), -(i.date or date.min).toordinal(), i.change_id))
    today = ctx.today()
    digest.deadlines = repo.deadlines(start=today, end=today + timedelta(days=DEADLINE_DAYS))
    return digest


def _item(repo, c: ChangeInfo) -> DigestItem:
    summary = repo.summary(c.summary_id) if c.summary_id else None
    links = []
    url = (c.detail or {}).get("url")
    if url:
        links.append({"label": _link_label(c), "url": url})
    if c.bill_id or c.kind == "new_matching_bill":
        try:
            bill = parse_bill_id(c.bill_id or c.subject)
            congress_url = bill.congress_gov_url()
            if all(link["url"] != congress_url for link in links):
                links.append({"label": f"{bill.short} on Congress.gov", "url": congress_url})
        except Exception:  # noqa: BLE001 — a subject that is not a bill id gets no bill link
            pass
    return DigestItem(change_id=c.id, kind=c.kind, materiality=c.materiality, headline=c.headline or c.subject,
                      date=c.change_date, subject=c.subject, bill_id=c.bill_id,
                      summary=(summary or {}).get("text") or None,
                      bullets=list((summary or {}).get("bullets") or [])[:5], links=links)


def _link_label(c: ChangeInfo) -> str:
    return {"news": "article", "press_release": "press release", "fr_document": "Federal Register",
            "fr_updated": "Federal Register", "public_inspection": "public inspection",
            "text_version": "text", "crec_mention": "Congressional Record"}.get(c.kind, "source")


# ---- rendering for the terminal ----------------------------------------------------------------

def render_text(digest: Digest) -> str:
    """The digest as terminal text (``legiswatch digest``)."""
    span = f"{digest.start:%Y-%m-%d %H:%M} → {digest.end:%Y-%m-%d %H:%M} UTC"
    if digest.empty:
        return f"legiswatch digest ({span}): nothing new this week." + _low_note(digest)
    lines = [f"legiswatch digest ({span})"]
    for title, items in (("Most important", digest.high), ("Other changes", digest.normal)):
        if not items:
            continue
        lines += ["", f"{title}:"]
        for i in items:
            lines.append(f"  • {i.headline}" + (f" ({i.date.isoformat()})" if i.date else ""))
            if i.summary:
                lines += [f"      {ln}" for ln in i.summary.splitlines() if ln.strip()][:6]
            lines += [f"      {link['label']}: {link['url']}" for link in i.links]
    if digest.deadlines:
        lines += ["", f"Deadlines in the next {DEADLINE_DAYS} days:"]
        for d in digest.deadlines:
            lines.append(f"  • {d['due'].isoformat()} ({_days(d['days_left'])}): {deadline_label(d)} — "
                         f"{d['document']} {d['title']}")
    if digest.new_bills:
        lines += ["", "New bills matching watched terms (watch it?):"]
        for i in digest.new_bills:
            lines.append(f"  • {i.headline}  → legiswatch watch add {i.subject}")
    note = _low_note(digest)
    if note:
        lines += ["", note.strip()]
    return "\n".join(lines)


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
