"""Terminal renderings: the status card and answers as text. (Console delivery of the outbox,
when Slack is not configured, is ``bot/runtime/delivery.py``.)"""

from __future__ import annotations

import textwrap


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
