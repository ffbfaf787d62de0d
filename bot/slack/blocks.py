"""Block Kit rendering (pure): status card, alert group, digest parts, compare result, watch list,
errors. Every function returns a message ``{"text": fallback, "blocks": [...]}`` (or a list of them).

Limits kept here: 50 blocks per message, 3,000 characters per section text, 150 per header, 10
context elements, and a total well under Slack's ~12k aggregate (``MESSAGE_BUDGET``). Untrusted text
is escaped with :func:`escape_mrkdwn`; links come only from http(s) URLs via :func:`link`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from bot.services.card import BillCard
from bot.services.digest import DEADLINE_DAYS, deadline_label, footer, summary_lines
from bot.services.doc_card import DocCard
from bot.services.ended import ended_line
from bot.slack.escape import clip, code, code_block, cut_mrkdwn, escape_mrkdwn, link, plain
from scrapers.ids import ordinal

MAX_BLOCKS = 50
SECTION_MAX = 3000
HEADER_MAX = 150
FALLBACK_MAX = 3000
MESSAGE_BUDGET = 9000           # characters of block text per message (Slack fails near ~12–13k)
ITEM_SUMMARY_MAX = 600
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
_ROUTABLE = re.compile(r"^[CG][A-Z0-9]{2,20}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
ICONS = {"high": ":rotating_light:", "normal": ":small_blue_diamond:", "low": ":white_small_square:"}
KIND_ICONS = {"source_failing": ":warning:", "source_recovered": ":white_check_mark:"}


# ---- primitives -------------------------------------------------------------------------------

def section(mrkdwn: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut_mrkdwn(mrkdwn or " ", SECTION_MAX)}}


def header(text: str) -> dict:
    """A header from untrusted plain text (escaped, ≤ 150 characters)."""
    return {"type": "header",
            "text": {"type": "plain_text", "text": cut_mrkdwn(plain(clip(text, HEADER_MAX)) or " ", HEADER_MAX),
                     "emoji": True}}


def context(*mrkdwn: str) -> dict:
    parts = [t for t in mrkdwn if t][:10] or [" "]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut_mrkdwn(t, SECTION_MAX)} for t in parts]}


def divider() -> dict:
    return {"type": "divider"}


def message(fallback: str, blocks: list[dict]) -> dict:
    """A message: escaped plain ``text`` fallback (always present) plus blocks."""
    return {"text": cut_mrkdwn(escape_mrkdwn(fallback, oneline=True) or " ", FALLBACK_MAX), "blocks": blocks[:MAX_BLOCKS]}


def block_chars(block: dict) -> int:
    """Characters of text a block carries (what Slack's aggregate limit counts, roughly)."""
    n = 0
    for key in ("text",):
        if isinstance(block.get(key), dict):
            n += len(block[key].get("text", ""))
    for el in block.get("elements", []) or []:
        n += len(el.get("text", "")) if isinstance(el, dict) else 0
    for f in block.get("fields", []) or []:
        n += len(f.get("text", ""))
    return n


def message_chars(msg: dict) -> int:
    return sum(block_chars(b) for b in msg.get("blocks", []))


def _d(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value else "—"


def quote_lines(text: str, limit: int) -> str:
    """Untrusted multi-line text as an escaped mrkdwn quote, clipped to ``limit`` source chars."""
    body = escape_mrkdwn(clip(text.strip(), limit))
    return "\n".join("> " + ln if ln.strip() else ">" for ln in body.splitlines())


def is_channel_id(channel: str | None) -> bool:
    """A public or private channel id (not a DM): where a watch item's alerts can be routed."""
    return bool(channel) and bool(_ROUTABLE.match(channel))


def channel_ref(channel: str | None) -> str:
    return f"<#{channel}>" if channel and _CHANNEL_ID.match(channel) else escape_mrkdwn(channel or "")


def user_ref(user: str | None) -> str:
    return f"<@{user}>" if user and _USER_ID.match(user) else escape_mrkdwn(user or "")


# ---- status card -----------------------------------------------------------------------------

def status_card(card: BillCard) -> dict:
    """The ``/bill`` card from a :class:`bot.services.card.BillCard`."""
    name = card.short_title or card.title or card.id
    blocks = [header(f"{card.display} — {name}")]
    lines = []
    if card.short_title and card.title and card.title != card.short_title:
        lines.append(f"_{escape_mrkdwn(clip(card.title, 600), oneline=True)}_")
    sp = card.sponsor or {}
    if sp.get("name"):
        who = escape_mrkdwn(sp["name"])
        if (sp.get("party") or sp.get("state")) and "[" not in sp["name"]:
            who += f" [{escape_mrkdwn(sp.get('party') or '?')}-{escape_mrkdwn(sp.get('state') or '?')}]"
        lines.append(f"*Sponsor:* {who}" + (f" · introduced {_d(card.introduced)}" if card.introduced else ""))
    if lines:
        blocks.append(section("\n".join(lines)))
    track = "  ".join(("●" if t.reached else "○") + f" {escape_mrkdwn(t.stage)}"
                      + (f" _{_d(t.date)}_" if t.date else "") for t in card.track)
    stage_text = f"*Stage:* {escape_mrkdwn(card.stage or 'unknown')}"
    if track:
        stage_text += f"\n{track}"
    if card.ended:
        stage_text += f"\n:black_square_for_stop: {escape_mrkdwn(ended_line(card.ended))}"
    blocks.append(section(stage_text))
    la = card.latest_action
    if la:
        text = f"*Latest action* ({_d(la.date)}): {escape_mrkdwn(clip(la.text, 900))}"
        for v in card.votes[-2:]:
            text += f"\n:ballot_box_with_ballot: {_d(v.date)}: {escape_mrkdwn(clip(v.text, 300))}"
        blocks.append(section(text))
    cs = card.cosponsors
    split = ", ".join(f"{n} {escape_mrkdwn(p)}" for p, n in cs.by_party.items())
    fields = [f"*Cosponsors:* {cs.count}" + (f" ({split})" if split else "")
              + (f", {cs.withdrawn} withdrawn" if cs.withdrawn else "")]
    if card.committees:
        fields.append("*Committees:* " + escape_mrkdwn(clip("; ".join(c.name for c in card.committees), 900)))
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": cut_mrkdwn(f, 2000)} for f in fields]})
    if card.text_versions:
        rows = [f"• {link(t.url, t.name or str(t.code).upper())} `{escape_mrkdwn(t.id)}` {_d(t.date)}"
                for t in card.text_versions[-8:]]
        blocks.append(section("*Text versions:*\n" + "\n".join(rows)))
    if card.related:
        rows = [f"`{escape_mrkdwn(r.id)}` {escape_mrkdwn(clip(r.title, 120), oneline=True)} ({escape_mrkdwn(r.relationship)})"
                for r in card.related[:6]]
        blocks.append(section("*Related:*\n" + "\n".join(rows)))
    lc = card.last_change
    if lc:
        text = f"*Last change* ({_d(lc.date)}): {escape_mrkdwn(clip(lc.headline, 400), oneline=True)}"
        if lc.summary:
            text += "\n" + quote_lines(lc.summary, 1500)
        blocks.append(section(text))
    elif card.crs_summary:
        blocks.append(section(f"*{escape_mrkdwn(card.crs_label(), oneline=True)}:*\n"
                              + quote_lines(card.crs_summary, 900)))
    links = card.links
    blocks.append(context(" · ".join(filter(None, [link(links.congress_gov, "Congress.gov") if links.congress_gov else "",
                                                   link(links.govinfo, "govinfo") if links.govinfo else "",
                                                   f"as of {_d(card.as_of)}"]))))
    fallback = f"{card.display} — {clip(name, 150)}: stage {card.stage or 'unknown'}"
    if la:
        fallback += f"; latest action {_d(la.date)}: {clip(la.text, 200)}"
    return message(fallback, blocks)


def doc_card(card: DocCard) -> dict:
    """The ``/doc`` card from a :class:`bot.services.doc_card.DocCard`."""
    blocks = [header(f"FR Doc. {card.number} — {card.title or card.number}")]
    kind = escape_mrkdwn(card.type or "Document") + (f" · {escape_mrkdwn(clip(card.action, 200))}" if card.action else "")
    if card.agencies:
        kind += "\n*Agencies:* " + escape_mrkdwn(clip("; ".join(a.name for a in card.agencies), 600))
    blocks.append(section(kind))
    fields = [f"*Citation:* {escape_mrkdwn(card.citation or '—')}",
              f"*RIN:* {escape_mrkdwn(', '.join(card.rins) or '—')}",
              f"*Published:* {_d(card.publication_date)}",
              f"*Effective:* {_d(card.effective_on) if card.effective_on else '—'}"]
    if card.dockets:
        fields.append("*Docket:* " + ", ".join(link(d.url, d.id) if d.url else escape_mrkdwn(d.id)
                                                for d in card.dockets[:4]))
    if card.cfr_parts:
        fields.append("*CFR parts:* " + escape_mrkdwn(clip(", ".join(card.cfr_parts), 600)))
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": cut_mrkdwn(f, 2000)} for f in fields]})
    comments = card.comments_line()
    if comments:
        icon = ":speech_balloon:" if card.comments_open else ":lock:"
        blocks.append(section(f"{icon} *Comments:* {escape_mrkdwn(comments)}"))
    if card.abstract:
        blocks.append(section("*Abstract:*\n" + quote_lines(card.abstract, 1500)))
    for c in card.cfr_changes[:4]:                  # what it changed in the CFR, cited (eCFR before/after)
        head, *body = str(c["summary"]).splitlines()
        blocks.append(section(f"*What it changed in {escape_mrkdwn(str(c['citation']))}* — {escape_mrkdwn(head)}\n"
                              + "\n".join(escape_mrkdwn(clip(b, 400)) for b in body[:6])))
    rows = [f"• #{v.seq} {_d(v.fetched_at)}: " + (escape_mrkdwn(", ".join(v.changed)) if v.changed
                                                    else ("first seen" if v.seq == 1 else "no field changed"))
            for v in card.versions[-6:]]
    blocks.append(section(f"*Versions kept:* {len(card.versions)}\n" + "\n".join(rows)))
    extra = [link(card.url, "federalregister.gov") if card.url else ""]
    if card.matched:
        extra.append("matched " + escape_mrkdwn(clip(", ".join(card.matched), 400)))
    blocks.append(context(" · ".join(e for e in extra if e) or " "))
    fallback = f"FR Doc. {card.number} — {clip(card.title, 150)}" + (f" ({card.citation})" if card.citation else "")
    return message(fallback, blocks)


def bill_matches(query: str, matches: list[dict], total: int) -> dict:
    """``/bill TITLE WORDS`` with several stored matches: id, Congress, title, stage of each."""
    more = f" (the first {len(matches)} shown)" if total > len(matches) else ""
    rows = [f"• `{escape_mrkdwn(m['id'])}` {ordinal(m['congress'])} · "
            f"{escape_mrkdwn(clip(m['short_title'] or m['title'] or '', 160), oneline=True)} · _{escape_mrkdwn(m['stage'] or '—')}_"
            for m in matches]
    blocks = [section(f"*{total} stored bills match* “{escape_mrkdwn(clip(query, 200))}”{more}:"),
              *_lines_sections("Matches", rows), context("Show one with `/bill ID`.")]
    return message(f"{total} stored bills match “{clip(query, 200)}”", blocks)


def alert_item(change, summary: dict | None, *, summary_max: int = ITEM_SUMMARY_MAX) -> str:
    """One alert as mrkdwn: icon, headline, date, summary quote, links."""
    icon = KIND_ICONS.get(change.kind) or ICONS.get(change.materiality, ICONS["normal"])
    text = f"{icon} *{escape_mrkdwn(clip(change.headline or change.subject, 400), oneline=True)}*"
    if change.change_date:
        text += f" ({_d(change.change_date)})"
    if summary and summary.get("text"):
        text += "\n" + quote_lines(summary["text"], summary_max)
    refs = []
    url = (change.detail or {}).get("url")
    if url:
        refs.append(link(url, "source"))
    if change.bill_id:
        refs.append(f"`/bill {escape_mrkdwn(change.bill_id)}`")
    if refs:
        text += "\n" + " · ".join(refs)
    return text


def alert_group(items: list[tuple], *, max_items: int = 8) -> dict:
    """Several alerts for one channel in one message: ``items`` are ``(change, summary | None)``;
    the first ``max_items`` in full, the rest listed briefly ("and K more")."""
    blocks: list[dict] = []
    if len(items) > 1:
        blocks.append(header(f"{len(items)} new legiswatch alerts"))
    used, rest = 0, []
    for n, (change, summary) in enumerate(items):
        block = section(alert_item(change, summary))
        if n >= max_items or (n and used + block_chars(block) > MESSAGE_BUDGET - 3000):
            rest = items[n:]
            break
        if n:
            blocks.append(divider())
        blocks.append(block)
        used += block_chars(block)
    if rest:
        lines, size = [f"…and {len(rest)} more:"], 0
        for n, (change, _) in enumerate(rest):
            url = (change.detail or {}).get("url")
            head = clip(change.headline or change.subject, 100)
            line = "• " + (link(url, head) if url else escape_mrkdwn(head, oneline=True))
            if size + len(line) > 2600:
                lines.append(f"• …and {len(rest) - n} others (see the digest)")
                break
            lines.append(line)
            size += len(line) + 1
        blocks.append(section("\n".join(lines)))
    first = items[0][0] if items else None
    if first is None:
        fallback = "legiswatch alert"
    elif len(items) == 1:
        fallback = first.headline or first.subject
    else:
        fallback = f"{len(items)} new legiswatch alerts: " + "; ".join(clip(c.headline, 80) for c, _ in items[:3])
    return message(clip(fallback, 400), blocks)


# ---- digest ------------------------------------------------------------------------------------

def _digest_item(item) -> str:
    icon = ICONS.get(item.materiality, ICONS["normal"])
    text = f"{icon} *{escape_mrkdwn(clip(item.headline, 400), oneline=True)}*" + (f" ({_d(item.date)})" if item.date else "")
    for also in getattr(item, "also", None) or []:
        text += f"\n_also:_ {escape_mrkdwn(clip(also, 300), oneline=True)}"
    summary = "\n".join(summary_lines(item))
    if summary:
        text += "\n" + quote_lines(summary, ITEM_SUMMARY_MAX)
    refs = [link(x["url"], x["label"]) for x in item.links if x.get("url")]
    if refs:
        text += "\n" + " · ".join(refs)
    return text


def _lines_sections(title: str, lines: list[str]) -> list[dict]:
    """A titled list as as many sections as its length needs (each ≤ 3,000 characters)."""
    out, current = [], f"*{title}*"
    for ln in lines:
        ln = cut_mrkdwn(ln, 1000)
        if len(current) + 1 + len(ln) > SECTION_MAX - 10:
            out.append(section(current))
            current = ""
        current = f"{current}\n{ln}" if current else ln
    out.append(section(current))
    return out


def digest_blocks(digest) -> list[dict]:
    """All the digest's content blocks (before splitting into messages)."""
    blocks: list[dict] = []
    if digest.empty:
        return [section(f"Nothing new since {_d(digest.start.date())}."
                        + (f" ({digest.low_count} minor changes not listed.)" if digest.low_count else ""))]
    for c in getattr(digest, "catch_up", None) or []:
        lines = [f"• {_d(e['date']) + ' ' if e.get('date') else ''}{escape_mrkdwn(clip(e['text'], 400))}"
                 for e in c["events"]]
        if c.get("left_out"):
            lines.append(f"_… and {c['left_out']} earlier_")
        stage = f"Stage: *{escape_mrkdwn(c['stage'])}*" + (f" ({_d(c['stage_date'])})" if c.get("stage_date") else "") \
            if c.get("stage") else ""
        title = f"{escape_mrkdwn(c['label'])}: where it stands" + (f" — {escape_mrkdwn(clip(c['title'], 200), oneline=True)}"
                                                                  if c.get("title") else "")
        blocks += _lines_sections(title, ([stage] if stage else []) + lines)
        if c.get("url"):
            blocks.append(context(link(c["url"], f"{c['label']} on Congress.gov")))
    more = getattr(digest, "more", None) or {}
    for level, title, items in (("high", "Most important", digest.high), ("normal", "Other changes", digest.normal)):
        if items:
            blocks += [divider()] if blocks else []          # one rule between groups: the eye finds each
            blocks.append(section(f"*{title}*"))
            blocks += [section(_digest_item(i)) for i in items]
            if more.get(level):
                blocks.append(context(f"… and {more[level]} more {title.lower()} (see `legiswatch digest --json`)."))
    if digest.deadlines:
        lines = [f"• *{_d(d['due'])}* ({d['days_left']} d): {deadline_label(d)} — "
                 + (link(d.get("url"), f"{d['document']} {clip(d.get('title'), 200)}")) for d in digest.deadlines]
        blocks += [divider()] if blocks else []
        blocks += _lines_sections(f"Deadlines in the next {DEADLINE_DAYS} days", lines)
    if digest.new_bills:
        lines = [f"• {escape_mrkdwn(clip(i.headline, 300), oneline=True)} — watch it? `/watch add {code(i.subject)}`"
                 + ("  " + " · ".join(link(x["url"], x["label"]) for x in i.links) if i.links else "")
                 for i in digest.new_bills]
        blocks += [divider()] if blocks else []
        blocks += _lines_sections("New bills matching watched terms", lines)
    note = footer(digest)
    if note:
        blocks.append(context(escape_mrkdwn(note.strip("()")) + "."))
    return blocks


def pack(blocks: list[dict], *, max_blocks: int = MAX_BLOCKS - 2, budget: int = MESSAGE_BUDGET) -> list[list[dict]]:
    """Split blocks into runs that each fit one message (block count and character budget)."""
    runs: list[list[dict]] = [[]]
    chars = 0
    for b in blocks:
        n = block_chars(b)
        if runs[-1] and (len(runs[-1]) >= max_blocks or chars + n > budget):
            runs.append([])
            chars = 0
        runs[-1].append(b)
        chars += n
    return runs


def digest_messages(digest) -> list[dict]:
    """The digest as one or more messages, each within Block Kit limits."""
    week = _d(digest.end.date())
    counts = f"{len(digest.items)} change{'s' if len(digest.items) != 1 else ''}"
    if digest.deadlines:
        counts += f", {len(digest.deadlines)} upcoming deadline{'s' if len(digest.deadlines) != 1 else ''}"
    if digest.new_bills:
        counts += f", {len(digest.new_bills)} new matching bill{'s' if len(digest.new_bills) != 1 else ''}"
    runs = pack(digest_blocks(digest))
    total = len(runs)
    out = []
    for n, run in enumerate(runs, start=1):
        part = f" (part {n} of {total})" if total > 1 else ""
        if n == 1:
            head = [header(f"legiswatch digest — {week}"),
                    context(f"Changes since {_d(digest.start)} UTC · {counts}{part}")]
            fallback = (f"legiswatch digest {week}: nothing new" if digest.empty
                        else f"legiswatch digest {week}: {counts}{part}")
        else:
            head = [context(f"legiswatch digest — {week}{part}")]
            fallback = f"legiswatch digest {week}{part}"
        out.append(message(fallback, head + run))
    return out


# ---- compare, watch list, errors, home --------------------------------------------------------------

def compare_result(result, *, redline_url: str | None = None, excerpt_chars: int = 2400) -> dict:
    """``/compare``: the summary and a redline excerpt, with a link to the full redline when served."""
    a, b = getattr(result, "a_id", "A"), getattr(result, "b_id", "B")
    summary = getattr(getattr(result, "summary", None), "text", None) or ""
    blocks = [header(f"Compare {a} → {b}")]
    if summary:
        blocks.append(section(escape_mrkdwn(clip(summary, 2800))))
    excerpt = result.redline(excerpt_chars) if hasattr(result, "redline") else ""
    if excerpt:
        body = code_block(clip(excerpt, excerpt_chars))
        body = cut_mrkdwn(body, SECTION_MAX - 40)        # escaping grows the text: keep the closing fence
        blocks.append(section(f"*Redline excerpt*\n```{body}```"))
    if redline_url:
        blocks.append(context(link(redline_url, "Full redline")))
    return message(f"Comparison of {a} and {b}: {clip(summary, 300) or 'see the redline'}", blocks)


def watch_list(items: list[dict]) -> dict:
    """``/watch list``: items grouped by kind, with the channel alerts go to."""
    if not items:
        return message("The watchlist is empty.", [
            section("The watchlist is empty."),
            context("Admins add items with `/watch add BILL`, `--term \"TEXT\"`, `--agency SLUG` or `--feed URL`.")])
    names = {"bill": "Bills", "term": "Terms", "agency": "Agencies", "feed": "Feeds"}
    blocks = [header(f"Watchlist ({len(items)} item{'s' if len(items) != 1 else ''})")]
    for kind, title in names.items():
        rows = []
        for i in (x for x in items if x["kind"] == kind):
            label = f" {escape_mrkdwn(clip(i['label'], 120), oneline=True)}" if i.get("label") and i["label"] != i["value"] else ""
            where = f" → {channel_ref(i['channel'])}" if i.get("channel") else ""
            rows.append(f"• `{code(clip(i['value'], 300))}`{label}{where}")
        if rows:
            blocks += _lines_sections(title, rows)
    blocks.append(context("Change it with `/watch add …` / `/watch remove …` (admins)."))
    return message(f"Watchlist: {len(items)} items", blocks[:MAX_BLOCKS])


def error(text: str, usage: str | None = None) -> dict:
    """A helpful error (never a stack trace): the message and, when useful, the usage."""
    blocks = [section(f":warning: {escape_mrkdwn(clip(text, 1500))}")]
    if usage:
        blocks.append(context(escape_mrkdwn(clip(usage, 1500))))
    return message(text if not usage else f"{text} — {usage}", blocks)


def notice(text: str) -> dict:
    """A short plain message from untrusted or trusted text (escaped)."""
    return message(text, [section(escape_mrkdwn(clip(text, 2900)))])


def home_view(items: list[dict], commands: Iterable[str]) -> dict:
    """The App Home tab: what is watched and the commands."""
    blocks = [header("legiswatch"),
              section("Bills, Federal Register and BIS rules and the news around them, in one place."),
              section("*Commands:*\n" + "\n".join(f"• `{c}`" for c in commands))]
    wl = watch_list(items)["blocks"]
    blocks += wl[: MAX_BLOCKS - len(blocks)]
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}
