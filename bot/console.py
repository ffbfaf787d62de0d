"""Console adapter: text renderings of the status card and alerts, and console delivery of the
outbox when Slack is not configured."""

from __future__ import annotations

import textwrap
from typing import TextIO

from bot.context import Context


def _d(v) -> str:
    return v.isoformat() if hasattr(v, "isoformat") else (str(v) if v else "—")


def render_card(card: dict) -> str:
    """The status card as terminal text. Contains a ``Stage: NAME`` line (the contract)."""
    lines = [f"{card['display']} — {card['short_title'] or card['title']}"]
    if card["short_title"] and card["title"] != card["short_title"]:
        lines += textwrap.wrap(card["title"], 100, initial_indent="  ", subsequent_indent="  ")
    sp = card["sponsor"]
    if sp:
        lines.append(f"Sponsor: {sp.get('name', '')}" + (f" (introduced {_d(card['introduced'])})"
                                                          if card["introduced"] else ""))
    lines.append(f"Stage: {card['stage'] or 'unknown'}")
    track = "  ".join(("●" if t["reached"] else "○") + f" {t['stage']}" + (f" {_d(t['date'])}" if t["date"] else "")
                      for t in card["track"])
    lines.append(f"  {track}")
    la = card["latest_action"]
    if la:
        lines.append(f"Latest action ({_d(la['date'])}): {la['text']}")
    for v in card["votes"][-3:]:
        lines.append(f"Vote {_d(v['date'])}: {v['text']}")
    cs = card["cosponsors"]
    split = ", ".join(f"{n} {p}" for p, n in cs["by_party"].items())
    lines.append(f"Cosponsors: {cs['count']}" + (f" ({split})" if split else "")
                 + (f", {cs['withdrawn']} withdrawn" if cs["withdrawn"] else ""))
    if card["committees"]:
        lines.append("Committees: " + "; ".join(c["name"] for c in card["committees"]))
    if card["text_versions"]:
        lines.append("Text versions:")
        for t in card["text_versions"]:
            lines.append(f"  {t['id']:<18} {t['name'] or t['code'].upper():<24} {_d(t['date'])}  {t['url'] or ''}")
    if card["related"]:
        lines.append("Related: " + "; ".join(f"{r['id']} ({r['relationship']})" for r in card["related"]))
    if card["crs_summary"]:
        lines.append("CRS summary:")
        lines += textwrap.wrap(card["crs_summary"], 100, initial_indent="  ", subsequent_indent="  ")[:8]
    lc = card["last_change"]
    if lc:
        lines.append(f"Last change ({_d(lc['date'])}): {lc['headline']}")
        if lc["summary"]:
            lines += ["  " + ln for ln in lc["summary"].splitlines()]
    lines.append(f"Links: {card['links']['congress_gov']}")
    lines.append(f"As of: {_d(card['as_of'])}")
    return "\n".join(lines)


def render_alert(change, summary: dict | None) -> str:
    head = f"[{change.materiality.upper()}] {change.headline}"
    if change.change_date:
        head += f" ({_d(change.change_date)})"
    out = [head]
    if summary and summary.get("text"):
        out += ["  " + ln for ln in summary["text"].splitlines()]
    url = change.detail.get("url")
    if url:
        out.append(f"  {url}")
    return "\n".join(out)


def flush_console(ctx: Context, out: TextIO) -> int:
    """Print pending console alerts once each (the outbox marks them sent)."""
    repo = ctx.repo
    n = 0
    for d in repo.pending_deliveries():
        if d["target"] != "console" or not repo.claim_delivery(d["id"]):
            continue
        if d["change_id"]:
            (change,) = repo.changes(ids=[d["change_id"]])
            summary = repo.summary(change.summary_id) if change.summary_id else None
            print(render_alert(change, summary), file=out)
        else:
            print(d["payload"].get("text", ""), file=out)
        repo.delivery_sent([d["id"]])
        n += 1
    return n


# Added by the Q&A engineer (tiny additive helper): `legiswatch ask` renders answers with this.
