"""Answers from the structured record, fact first: a bill's sponsor, cosponsors, committees,
votes, text versions, what it does, how it ended, how two bills differ; a Federal Register
document's facts; what a CFR section says now and what a rule changed in the CFR (the stored
``cfr_text`` and ``cfr_change``); open comment periods, deadlines, lists of bills or rules, what happened in a
period. Each draft states the fact in its first sentence, then supporting detail, and cites only
the stored items it used, most relevant first. Bill facts are read through the Repo
(``ctx.repo.bill``), never through the card's shape.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import date, timedelta

from bot.services import understanding as words
from bot.services.cfr_changes import rule_changes
from bot.services.compare import compare
from bot.services.context import Context
from bot.services.ended import ended_info
from bot.services.record_answers import Draft
from bot.services.retrieval import Citation, Question, day, display_bill, safe_url
from scrapers.ecfr import CFR_TEXT
from scrapers.ecfr_parse import unit_label
from scrapers.errors import LegiswatchError
from scrapers.ids import ordinal, parse_bill_id
from scrapers.records import BILL, BILL_TEXT, SUMMARY, billtext_from_dict

log = logging.getLogger(__name__)
FR_KINDS = ("fr_document", "public_inspection")
AGENCY_NAMES = {"industry-and-security-bureau": "Industry and Security Bureau (BIS)",
                "commerce-department": "Commerce Department"}
_FAR = (date(1900, 1, 1), date(2999, 12, 31))


# ---- bills ------------------------------------------------------------------------------------

def bill_name(data: dict) -> str:
    return data.get("short_title") or data.get("title") or data["id"]


def bill_cite(n: int, data: dict, quote: str = "", what: str = "stages, actions, votes") -> Citation:
    """The citation of a stored bill's Congress.gov record."""
    return Citation(n=n, title=f"{display_bill(data['id'])}: {bill_name(data)}", url=safe_url(data.get("url")),
                    fetched_at=data.get("as_of"), kind="bill", ref=f"{data['id']} (Congress.gov bill status: {what})",
                    quote=quote)


def stage_of(data: dict) -> str | None:
    return data.get("stage") or ("Introduced" if data.get("introduced") else None)


def stage_day(data: dict, stage: str | None) -> date | None:
    return next((s["date"] for s in reversed(data.get("stages") or []) if s["stage"] == stage), None)


def ended(data: dict, today: date) -> dict | None:
    """``{"congress", "date", "last_stage"}`` when the bill's Congress ended without enacting it."""
    congress = data.get("congress") or parse_bill_id(data["id"]).congress
    info = ended_info(congress, stage_of(data), today)       # the same rule as the card's `ended`
    return {**info, "date": date.fromisoformat(info["date"])} if info else None


def ended_sentence(data: dict, today: date) -> str:
    e = ended(data, today)
    if e is None:
        return ""
    return (f"The {ordinal(e['congress'])} Congress ended on {day(e['date'])} without enacting it, so "
            f"{display_bill(data['id'])} died at stage {e['last_stage'] or 'unknown'}.")


def _party_split(members: list[dict]) -> str:
    parties = Counter(m.get("party") or "?" for m in members)
    return ", ".join(f"{k} {p}" for p, k in sorted(parties.items()))


def _votes(data: dict) -> list[dict]:
    return [a for a in data.get("actions") or [] if a.get("votes") or re.search(r"(?i)\b(voice vote|yeas and nays"
                                                                               r"|recorded vote|roll no)", a["text"])]


def _lead(q: Question, text: str) -> str:
    return f"{q.note} {text}".strip() if q.note else text


def bill_fact_draft(ctx: Context, q: Question) -> Draft | None:
    """The fact ``q.asks`` about ``q.subject`` (None when it asks for none this module knows)."""
    data = ctx.repo.bill(q.subject) if q.subject else None
    if data is None or q.asks is None:
        return None
    today = ctx.today()
    name = f"{display_bill(data['id'])} ({bill_name(data)})"
    cite = [bill_cite(1, data)]
    sponsor = data.get("sponsor") or {}
    if q.asks in (words.SPONSOR, words.INTRODUCED):
        who = sponsor.get("name")
        when = data.get("introduced")
        if q.asks == words.INTRODUCED and when:
            text = f"{name} was introduced on {day(when)}" + (f" by {who}" if who else "") + " [1]."
        elif who:
            text = f"{name} is sponsored by {who}" + (f"; it was introduced on {day(when)}" if when else "") + " [1]."
        else:
            text = f"The stored record names no sponsor for {name} [1]."
        return Draft(_lead(q, text), cite, as_of=data.get("as_of"))
    if q.asks == words.COSPONSORS:
        active = [c for c in data.get("cosponsors") or [] if not c.get("withdrawn")]
        if not active:
            return Draft(_lead(q, f"{name} has no cosponsors in the stored record [1]."), cite, as_of=data.get("as_of"))
        names = "; ".join(f"{c['name']} (added {day(c['date'])}" + (", original" if c.get("original") else "") + ")"
                          for c in active)
        text = (f"{name} has {len(active)} cosponsor{'s' if len(active) != 1 else ''} "
                f"({_party_split(active)}) [1]: {names}.")
        gone = len(data.get("cosponsors") or []) - len(active)
        if gone:
            text += f" {gone} withdrew."
        return Draft(_lead(q, text), cite, as_of=data.get("as_of"))
    if q.asks == words.COMMITTEES:
        comms = data.get("committees") or []
        if not comms:
            return Draft(_lead(q, f"The stored record shows no committee referral for {name} [1]."), cite)
        parts = []
        for c in sorted(comms, key=lambda c: min((a[1] or "") for a in c["activities"]) if c["activities"] else ""):
            acts = ", ".join(f"{a[0].lower()} {a[1][:10]}" for a in sorted(c["activities"], key=lambda a: a[1] or ""))
            parts.append(f"{c['chamber']} {c['name']}" + (f" ({acts})" if acts else ""))
        text = f"{name} was referred to " + "; then ".join(parts) + " [1]."
        return Draft(_lead(q, text), cite, as_of=data.get("as_of"))
    if q.asks == words.VOTES:
        votes = _votes(data)
        if not votes:
            return Draft(_lead(q, f"The stored record shows no vote on {name}; it is at stage {stage_of(data)} [1]."),
                         cite, as_of=data.get("as_of"))
        lines = []
        for a in votes[-3:]:
            rolls = ", ".join(f"{v.get('chamber', '')} roll call {v['rollNumber']}".strip()
                              for v in a.get("votes") or [] if v.get("rollNumber"))
            lines.append(f"On {day(a['date'])}: {a['text']}" + (f" ({rolls})" if rolls else "") + " [1]")
        return Draft(_lead(q, f"{name}: " + "\n".join(lines)), cite, as_of=data.get("as_of"))
    if q.asks == words.VERSIONS:
        tvs = sorted(data.get("text_versions") or [], key=lambda t: (t["date"] or date.min))
        if not tvs:
            return Draft(_lead(q, f"The stored record has no text version of {name} [1]."), cite)
        listed = "; ".join(f"{t['name']} ({t['id']}, {day(t['date'])})" for t in tvs)
        text = (f"{name} has {len(tvs)} text version{'s' if len(tvs) != 1 else ''}; the latest is {tvs[-1]['name']} "
                f"of {day(tvs[-1]['date'])} [1]. All: {listed}.")
        return Draft(_lead(q, text), cite, as_of=data.get("as_of"))
    if q.asks == words.DOES:
        return _does(ctx, q, data, name)
    if q.asks == words.ENDED:
        sentence = ended_sentence(data, today)
        stage = stage_of(data)
        la = data.get("latest_action") or {}
        if sentence:
            text = (f"{sentence} It reached {stage} on {day(stage_day(data, stage))} [1]."
                    + (f"\nLast action ({day(la.get('date'))}): {la.get('text')} [1]" if la else ""))
        else:
            text = (f"{name} has not ended: its Congress is still sitting and it is at stage {stage} [1]."
                    + (f"\nLatest action ({day(la.get('date'))}): {la.get('text')} [1]" if la else ""))
        return Draft(_lead(q, text), cite, as_of=data.get("as_of"))
    if q.asks == words.COMPARE:
        return compare_draft(ctx, q)
    return None


def _does(ctx: Context, q: Question, data: dict, name: str) -> Draft:
    """The CRS summary (labelled with the version it describes), else the text's purpose."""
    summaries = ctx.repo.documents(SUMMARY, children_of=(BILL, data["id"]))
    if summaries:
        s = max(summaries, key=lambda d: (d["date"] or date.min, d["id"]))
        label = (s.get("meta") or {}).get("action_desc") or "latest"
        body = (s.get("text") or "").strip()
        short = bill_name(data)
        if body.startswith(short):
            body = body[len(short):].strip()
        first = re.split(r"(?<=[.])\s+(?=[A-Z])", body.replace("\n", " "), maxsplit=1)
        cite = Citation(n=1, title=s["title"], url=safe_url(s.get("url")), fetched_at=s.get("fetched_at"),
                        kind="summary", ref=f"{s['external_id']} (CRS summary of the {label} version)",
                        quote=first[0][:300])
        text = f"{name}, per the CRS summary of the {label} version ({day(s['date'])}): {first[0]} [1]"
        if len(first) > 1:
            text += f"\n{first[1][:600]} [1]"
        return Draft(_lead(q, text), [cite], as_of=data.get("as_of"))
    texts = sorted(ctx.repo.documents(BILL_TEXT, children_of=(BILL, data["id"])),
                   key=lambda d: (d["date"] or date.min, d["id"]))
    if not texts:
        return Draft(_lead(q, f"The stored record has no CRS summary and no text of {name}, so it does not say "
                              f"what the bill does."), [bill_cite(1, data)], supported=False)
    t = texts[-1]
    purpose = (t.get("content") or {}).get("title") or (t.get("meta") or {}).get("official_title") or ""
    stage = (t.get("meta") or {}).get("stage") or t["external_id"]
    cite = Citation(n=1, title=t["title"], url=safe_url(t.get("url")), fetched_at=t.get("fetched_at"), kind=BILL_TEXT,
                    ref=f"{t['external_id']} official title", quote=purpose)
    heads = [s.get("heading") for s in (t.get("content") or {}).get("sections") or [] if s.get("heading")]
    text = (f"{name} has no CRS summary stored; its text ({stage}, {day(t['date'])}) states its purpose: "
            f"\"{purpose}\" [1]")
    if heads:
        text += "\nIts sections: " + "; ".join(dict.fromkeys(heads[:8])) + ". [1]"
    return Draft(_lead(q, text), [cite], as_of=data.get("as_of"))


def compare_draft(ctx: Context, q: Question) -> Draft | None:
    """Two bills named (or one and its same-title companion): the comparison's summary, cited."""
    bills = [b for b in q.bills if ctx.repo.bill(b) is not None]
    if len(bills) < 2:
        return None
    a, b = bills[1], bills[0]          # the bill asked about second: "how does B differ from A" → A → B
    if re.search(r"(?i)\bbetween\b", q.text) or re.search(r"(?i)\bcompare\b", q.text):
        a, b = bills[0], bills[1]
    try:
        result = compare(ctx, a, b)
    except LegiswatchError as exc:
        log.info("answer: compare %s %s failed: %s", a, b, exc)
        return None
    bullets = [x.text for x in result.summary.bullets][:4]
    cites = []
    for n, vid in enumerate((result.b_id, result.a_id), 1):
        doc = ctx.repo.get_document(BILL_TEXT, vid)
        if doc:
            cites.append(Citation(n=len(cites) + 1, title=doc["title"], url=safe_url(doc.get("url")),
                                  fetched_at=doc.get("fetched_at"), kind=BILL_TEXT, ref=vid,
                                  quote=bullets[0][:300] if bullets and n == 1 else ""))
    marks = "".join(f"[{c.n}]" for c in cites)
    text = (f"Comparing {result.a_id} ({display_bill(result.a_id.rsplit('-', 1)[0])}) with {result.b_id} "
            f"({display_bill(result.b_id.rsplit('-', 1)[0])}), from the stored texts: "
            + (_plain(bullets[0]) if bullets else "no substantive difference") + f" {marks}")
    text += "".join(f"\n- {_plain(x)} {marks}" for x in bullets[1:])
    text += f"\n(`legiswatch compare {result.a_id} {result.b_id}` shows the redline.)"
    return Draft(_lead(q, text), cites)


def _plain(bullet: str) -> str:
    return re.sub(r"\s*\[[^\]]*·[^\]]*\]\s*$", "", bullet).strip()


# ---- Federal Register documents ------------------------------------------------------------------

def _doc(ctx: Context, number: str) -> dict | None:
    return ctx.repo.get_document("fr_document", number) or ctx.repo.get_document("public_inspection", number)


def doc_cite(n: int, doc: dict, what: str = "", quote: str = "") -> Citation:
    label = f"FR Doc. {doc['external_id']}" + (" (public inspection)" if doc["kind"] == "public_inspection" else "")
    return Citation(n=n, title=doc["title"], url=safe_url(doc.get("url")), fetched_at=doc.get("fetched_at"),
                    kind=doc["kind"], ref=label + (f", {what}" if what else ""), quote=quote)


def _agencies(meta: dict, content: dict) -> list[str]:
    named = [a.get("name") for a in content.get("agencies") or [] if isinstance(a, dict) and a.get("name")]
    return named or [AGENCY_NAMES.get(s, s.replace("-", " ").title()) for s in meta.get("agencies") or []]


def comment_state(close: str | date | None, today: date) -> str:
    if not close:
        return ""
    due = close if isinstance(close, date) else date.fromisoformat(str(close)[:10])
    left = (due - today).days
    if left > 1:
        return f"comments close {day(due)}: open, in {left} days"
    if left == 1:
        return f"comments close {day(due)}: open, tomorrow"
    if left == 0:
        return f"comments close {day(due)}: open, today is the last day"
    return f"comments closed {day(due)}: closed {-left} days ago"


def doc_sentence(doc: dict, today: date) -> str:
    """One sentence of a document's facts: type, title, agencies, citation, RIN, docket, CFR, dates."""
    meta, content = doc.get("meta") or {}, doc.get("content") or {}
    kind = meta.get("type") or "Document"
    bits = []
    if meta.get("citation"):
        bits.append(f"citation {meta['citation']}")
    if meta.get("rins"):
        bits.append("RIN " + ", ".join(meta["rins"]))
    dockets = meta.get("docket_ids") or meta.get("docket_numbers") or []
    if dockets:
        bits.append("docket " + ", ".join(dockets))
    if meta.get("cfr"):
        bits.append("CFR parts " + ", ".join(meta["cfr"]))
    dates = []
    if doc["kind"] == "public_inspection":
        if meta.get("filed_at"):
            dates.append(f"filed for public inspection {str(meta['filed_at'])[:10]}")
        if meta.get("publication_date"):
            dates.append(f"to be published {meta['publication_date']}")
    elif meta.get("publication_date"):
        dates.append(f"published {meta['publication_date']}")
    if meta.get("effective_on"):
        dates.append(("effective " if meta["effective_on"] > day(today) else "took effect ") + meta["effective_on"])
    state = comment_state(meta.get("comments_close_on"), today)
    dates.append(state or "no comment period given")
    if meta.get("correction_of"):
        bits.insert(0, f"a correction of FR Doc. {meta['correction_of']}")
    agencies = _agencies(meta, content)
    text = (f"FR Doc. {doc['external_id']} is a {kind}" + (f" of the {' / '.join(agencies)}" if agencies else "")
            + f": \"{doc['title']}\"")
    if bits:
        text += " — " + "; ".join(bits)
    return text + ". " + "; ".join(dates).capitalize() + "."


def _abstract(doc: dict) -> str:
    content = doc.get("content") or {}
    text = content.get("abstract") or ""
    if not text:
        for p in re.split(r"\n+", doc.get("text") or ""):
            if len(p) > 80 and not re.search(r"(?i)signature|omitted|billing code", p):
                text = p
                break
    return " ".join(text.split())[:500]


_DOES_Q = re.compile(r"(?i)\bwhat\s+(?:does|did|would|will)\b.*\bdo\b|\babout\b|\bpurpose\b|\bsummar")


def doc_draft(ctx: Context, q: Question) -> Draft | None:
    today = ctx.today()
    lines, cites = [], []
    for number in q.documents:
        doc = _doc(ctx, number)
        if doc is None:
            continue
        n = len(cites) + 1
        abstract = _abstract(doc)
        does = f"What FR Doc. {number} does: {abstract} [{n}]" if abstract else ""
        if does and _DOES_Q.search(q.text):
            lines += [does, doc_sentence(doc, today) + f" [{n}]"]
        else:
            lines += [doc_sentence(doc, today) + f" [{n}]", *([does] if does else [])]
        cites.append(doc_cite(n, doc, quote=abstract[:300]))
    if not lines:
        return None
    return Draft("\n".join(lines), cites)


def _fr_docs(ctx: Context) -> list[dict]:
    return [d for kind in FR_KINDS for d in ctx.repo.documents(kind)]


def list_docs_draft(ctx: Context, q: Question) -> Draft | None:
    """The documents with the RINs or CFR parts named."""
    today = ctx.today()
    found = []
    for d in ctx.repo.documents("fr_document"):
        meta = d.get("meta") or {}
        if (q.rins and set(q.rins) & {r.upper() for r in meta.get("rins") or []}) or \
                (q.cfr and set(q.cfr) & set(meta.get("cfr") or [])):
            found.append(d)
    what = ", ".join(q.rins + q.cfr)
    if not found:
        return Draft(f"No stored Federal Register document names {what}.", [], supported=False)
    found.sort(key=lambda d: (bool((d.get("meta") or {}).get("correction_of")), -(d["date"] or date.min).toordinal()))
    nums = ", ".join(f"FR Doc. {d['external_id']} [{i}]" for i, d in enumerate(found, 1))
    lines = [f"{len(found)} stored document{'s' if len(found) != 1 else ''} name {what}: {nums}."]
    lines += [doc_sentence(d, today) + f" [{i}]" for i, d in enumerate(found, 1)]
    return Draft("\n".join(lines), [doc_cite(i, d) for i, d in enumerate(found, 1)])


def open_comments_draft(ctx: Context, q: Question) -> Draft:
    today = ctx.today()
    rows = [r for r in ctx.repo.deadlines(start=_FAR[0], end=_FAR[1]) if r["kind"] == "comments_close"]
    open_ = sorted((r for r in rows if r["due"] >= today), key=lambda r: r["due"])
    closed = sorted((r for r in rows if r["due"] < today), key=lambda r: r["due"], reverse=True)
    cites, lines = [], []
    for r in open_:
        doc = _doc(ctx, r["document"])
        if doc is None:
            continue
        n = len(cites) + 1
        cites.append(doc_cite(n, doc, "comments close"))
        lines.append(f"FR Doc. {r['document']} (\"{doc['title']}\"): {comment_state(r['due'], today)} [{n}].")
    if lines:
        head = f"{len(lines)} watched document{'s are' if len(lines) != 1 else ' is'} open for comment: " + lines[0]
        out = [head, *lines[1:]]
    else:
        last = closed[0] if closed else None
        out = ["No stored document is open for comment now."
               + (f" The most recent period, on FR Doc. {last['document']}, closed {day(last['due'])} "
                  f"({(today - last['due']).days} days ago)." if last else "")]
    return Draft("\n".join(out), cites, supported=bool(lines) or bool(closed))


def deadlines_draft(ctx: Context, q: Question) -> Draft:
    today = ctx.today()
    rows = sorted((r for r in ctx.repo.deadlines(start=today, end=_FAR[1])), key=lambda r: r["due"])
    if not rows:
        return Draft("No deadline ahead in the stored record (comment periods or effective dates).", [],
                     supported=False)
    cites, lines, seen = [], [], {}
    for r in rows[:10]:
        doc = _doc(ctx, r["document"])
        if doc is None:
            continue
        if r["document"] not in seen:
            seen[r["document"]] = len(cites) + 1
            cites.append(doc_cite(seen[r["document"]], doc))
        n = seen[r["document"]]
        left = (r["due"] - today).days
        what = "comments close" if r["kind"] == "comments_close" else "takes effect"
        lines.append(f"{day(r['due'])} (in {left} days): FR Doc. {r['document']} {what} — \"{doc['title']}\" [{n}]")
    return Draft("Next deadline: " + lines[0] + ("\n" + "\n".join(lines[1:]) if lines[1:] else ""), cites)


def public_inspection_draft(ctx: Context, q: Question) -> Draft:
    today = ctx.today()
    docs = sorted(ctx.repo.documents("public_inspection"), key=lambda d: (d["date"] or date.min), reverse=True)
    if not docs:
        return Draft("Nothing watched is on public inspection in the stored record.", [], supported=False)
    lines = [doc_sentence(d, today) + f" [{i}]" for i, d in enumerate(docs[:5], 1)]
    head = f"{len(docs)} watched document{'s are' if len(docs) != 1 else ' is'} on public inspection. "
    return Draft(head + lines[0] + ("\n" + "\n".join(lines[1:]) if lines[1:] else ""),
                 [doc_cite(i, d) for i, d in enumerate(docs[:5], 1)])


# ---- lists and periods ------------------------------------------------------------------------------

_COMMITTEE_WORDS = re.compile(r"(?i)\b(banking|foreign\s+affairs|judiciary|commerce|armed\s+services|finance)\b")


def list_bills_draft(ctx: Context, q: Question) -> Draft:
    today = ctx.today()
    bills = [ctx.repo.bill(b["id"]) for b in ctx.repo.bills()]
    bills = [b for b in bills if b is not None]
    label = "stored"
    m = _COMMITTEE_WORDS.search(q.text)
    if m:
        key = m.group(1).lower().split()[0]
        chamber = "Senate" if re.search(r"(?i)\bsenate\b", q.text) else "House" if re.search(r"(?i)\bhouse\b",
                                                                                               q.text) else None
        bills = [b for b in bills if any(key in c["name"].lower() and (chamber is None or c["chamber"] == chamber)
                                         for c in b.get("committees") or []) and not ended(b, today)]
        label = f"referred to {(chamber + ' ') if chamber else ''}{m.group(1).title()} (and still alive)"
    elif re.search(r"(?i)\bpassed\s+the\s+(house|senate)\b", q.text):
        chamber = re.search(r"(?i)\bpassed\s+the\s+(house|senate)\b", q.text).group(1).title()
        bills = [b for b in bills if any(s["stage"] == f"Passed {chamber}" for s in b.get("stages") or [])]
        label = f"that passed the {chamber}"
    elif re.search(r"(?i)\b(watch|watching|watched|tracking|track)\b", q.text):
        watched = {w["value"] for w in ctx.repo.watch_items("bill")}
        bills = [b for b in bills if b["id"] in watched]
        label = "watched"
    if not bills:
        return Draft(f"No bill {label} in the stored record.", [], supported=False)
    bills.sort(key=lambda b: (-(b.get("congress") or 0), b["id"]))
    lines = [f"{display_bill(b['id'])} ({bill_name(b)}): {stage_of(b)}"
             + (f", died with the {ordinal(ended(b, today)['congress'])} Congress" if ended(b, today) else "")
             + f" [{i}]" for i, b in enumerate(bills, 1)]
    head = f"{len(bills)} bill{'s' if len(bills) != 1 else ''} {label}: " + "; ".join(
        display_bill(b["id"]) for b in bills) + "."
    return Draft(head + "\n" + "\n".join(lines), [bill_cite(i, b) for i, b in enumerate(bills, 1)])


def happened_draft(ctx: Context, q: Question) -> Draft:
    """Events whose own date falls in the period (this week when none is named)."""
    today = ctx.today()
    start, end = q.period or (today - timedelta(days=today.weekday()), today)
    events: list[tuple[date, str, object]] = []
    for b in ctx.repo.bills():
        data = ctx.repo.bill(b["id"])
        if data is None:
            continue
        for a in data.get("actions") or []:
            if a["date"] and start <= a["date"] <= end and not a.get("procedural"):
                events.append((a["date"], f"{display_bill(data['id'])}: {a['text']}", ("bill", data)))
    for d in _fr_docs(ctx):
        meta = d.get("meta") or {}
        when = d["date"] or (date.fromisoformat(meta["publication_date"]) if meta.get("publication_date") else None)
        if d["kind"] == "public_inspection" and meta.get("filed_at"):
            when = date.fromisoformat(str(meta["filed_at"])[:10])
        if when and start <= when <= end:
            verb = "filed for public inspection" if d["kind"] == "public_inspection" else "published"
            events.append((when, f"FR Doc. {d['external_id']} {verb}: {d['title']}", ("doc", d)))
    if not events:
        return Draft(f"Nothing in the stored record happened between {day(start)} and {day(end)}.", [],
                     supported=False)
    groups: dict[str, list] = {}
    for when, text, (kind, item) in sorted(events, key=lambda e: e[0], reverse=True):
        key = item["id"] if kind == "bill" else item["external_id"]
        groups.setdefault(key, []).append((when, text, kind, item))
    order = sorted(groups, key=lambda k: (groups[k][0][2] != "bill", -groups[k][0][0].toordinal()))
    cites: list[Citation] = []
    heads, lines = [], []
    for n, key in enumerate(order, 1):
        when, _, kind, item = groups[key][0]
        cites.append(bill_cite(n, item) if kind == "bill" else doc_cite(n, item))
        label = display_bill(key) if kind == "bill" else f"FR Doc. {key}"
        count = len(groups[key])
        heads.append(f"{label} ({count} event{'s' if count != 1 else ''}, latest {day(when)}) [{n}]")
        lines += [f"{day(w)} — {t} [{n}]" for w, t, _, _ in groups[key][:4]]
        if count > 4:
            lines.append(f"({count - 4} more on {label} not listed)")
    head = f"Between {day(start)} and {day(end)}, {len(events)} events on {len(order)} items: " + "; ".join(heads) + "."
    return Draft(head + "\n" + "\n".join(lines), cites)


def global_draft(ctx: Context, q: Question) -> Draft | None:
    handlers = {words.OPEN_COMMENTS: open_comments_draft, words.DEADLINES: deadlines_draft,
                words.LIST_BILLS: list_bills_draft, words.HAPPENED: happened_draft,
                words.PUBLIC_INSPECTION: public_inspection_draft, "list_docs": list_docs_draft}
    fn = handlers.get(q.asks or "")
    return fn(ctx, q) if fn else None


# ---- status: the fact asked first -------------------------------------------------------------------

_LAW_Q = re.compile(r"(?i)\b(law|enact|signed|sign|president)\b")


def status_lead(ctx: Context, q: Question, d: Draft) -> Draft:
    """The status draft with what the question asks stated in its first two lines: how a bare
    number was resolved, the end of the bill's Congress, whether it became law, whether it
    passed the chamber asked about."""
    data = ctx.repo.bill(q.subject) if q.subject else None
    if data is None or not d.text:
        if q.note:
            d.text = f"{q.note} {d.text}"
        return d
    lines = d.text.split("\n")
    first, rest = lines[0], lines[1:]
    extra = []
    end = ended_sentence(data, ctx.today())
    if end:
        first = first.rstrip() + " " + end
    if q.note:
        first = f"{q.note} {first}"
    stage = stage_of(data)
    if _LAW_Q.search(q.text):
        rest = [ln for ln in rest if not ln.startswith(("It has not become law", "It became law"))]
        if stage == "Became law":
            extra.append(f"It became law on {day(stage_day(data, stage))} [1].")
        else:
            extra.append(f"No: it has not become law; the latest stage in the stored record is {stage} [1].")
    if q.chamber:
        passed = stage_day(data, f"Passed {q.chamber}")
        reached = any(s["stage"] == f"Passed {q.chamber}" for s in data.get("stages") or [])
        rest = [ln for ln in rest if not ln.startswith(f"It passed the {q.chamber}")]
        if reached:
            extra.append(f"Yes: it passed the {q.chamber}" + (f" on {day(passed)}" if passed else "") + " [1].")
        else:
            extra.append(f"No: it has not passed the {q.chamber} [1].")
    d.text = "\n".join([first, *extra, *rest])
    return d


# ---- the CFR text: a section now, what a rule changed --------------------------------------------

_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_CFR_CHANGE_Q = re.compile(r"(?i)\bchang")


def _cfr_texts(ctx: Context, title: int | None, part: str) -> list[dict]:
    """The stored ``cfr_text`` documents of a part (any title when None), oldest day first."""
    found = [d for d in ctx.repo.documents(CFR_TEXT)
             if str((d.get("meta") or {}).get("part")) == part
             and (title is None or (d.get("meta") or {}).get("title") == title)]
    return sorted(found, key=lambda d: (d.get("meta") or {}).get("on") or "")


def cfr_text_cite(n: int, doc: dict, what: str = "", quote: str = "") -> Citation:
    meta = doc.get("meta") or {}
    ref = f"{meta.get('title')} CFR " + (what or f"part {meta.get('part')}") + f" as of {meta.get('on')} ({doc['external_id']})"
    return Citation(n=n, title=doc["title"], url=safe_url(doc.get("url")), fetched_at=doc.get("fetched_at"),
                    kind=CFR_TEXT, ref=ref, quote=quote)


def _unit_text(unit) -> str:
    """A unit's words with its paragraphs', each paragraph on its line under its label."""
    out = []
    for u in unit.walk():
        if u is unit:
            body = u.text
        else:
            body = " ".join(x for x in (u.heading, u.text) if x)
        if body:
            out.append(body if u is unit else f"{unit_label(u.key).split(unit.key.split('/')[0], 1)[-1]} {body}")
    return "\n".join(out)


def cfr_section_draft(ctx: Context, q: Question) -> Draft | None:
    """What a CFR section (or paragraph) says in the newest stored text on or before the day asked
    (today when none is written), cited to the part's text as of that day; the recorded rule
    change that touched it follows, cited to the FR document."""
    asked = _ISO_DAY.findall(q.text)
    limit = asked[0] if asked else day(ctx.today())
    lines: list[str] = []
    cites: list[Citation] = []
    for title, section, para in q.cfr_sections:
        part = section.split(".")[0]
        texts = [d for d in _cfr_texts(ctx, title, part) if ((d.get("meta") or {}).get("on") or "") <= limit]
        if not texts:
            continue
        doc = texts[-1]
        meta = doc.get("meta") or {}
        key = "/".join([section, *([para] if para else [])])
        units = billtext_from_dict(doc.get("content") or {})
        unit = next((u for top in units.sections for u in top.walk() if u.key == key), None)
        if unit is None:
            continue
        n = len(cites) + 1
        label = unit_label(key)
        top = next((t for t in units.sections if t.key == section), None)
        heading = f" ({top.heading.rstrip('.')})" if top is not None and top.heading else ""
        body = _unit_text(unit)
        flat = " ".join(body.split())
        lines.append(f"{meta.get('title')} CFR {label}{heading}, as of {meta.get('on')} (eCFR), reads: "
                     f"\"{flat[:360]}{'…' if len(flat) > 360 else ''}\" [{n}]")
        cites.append(cfr_text_cite(n, doc, what=label, quote=flat[:300]))
        for c in ctx.repo.changes(kinds=["cfr_change"], newest_first=True):
            d = c.detail or {}
            if d.get("cfr") != meta.get("cfr") or str(d.get("after", "")).split("@")[-1] > str(meta.get("on")):
                continue
            touched = [ln for ln in d.get("lines") or [] if ln.startswith(label)]
            if not touched:
                continue
            rule = _doc(ctx, d["rule"]) if d.get("rule") else None
            m = len(cites) + 1
            who = f"FR Doc. {d['rule']}" if d.get("rule") else "eCFR"
            lines.append(f"{who} changed it on {str(d.get('after', '')).split('@')[-1]}: " + "; ".join(touched)
                         + (f" [{m}]" if rule else ""))
            if rule:
                cites.append(doc_cite(m, rule, quote=touched[0][:300]))
            break
    if not lines:
        return None
    return Draft("\n".join(lines), cites)


def cfr_rule_draft(ctx: Context, q: Question) -> Draft | None:
    """What the FR rules ``q.documents`` changed in the CFR (the recorded ``cfr_change`` with its
    offline summary): the sections and the dates first, then each paragraph's change, citing the
    rule and the part's text on both days."""
    if not _CFR_CHANGE_Q.search(q.text):
        return None
    lines: list[str] = []
    cites: list[Citation] = []
    for number in q.documents:
        changes = rule_changes(ctx.repo, number)
        rule = _doc(ctx, number)
        if not changes or rule is None:
            continue
        first = len(cites) + 1
        cites.append(doc_cite(first, rule))
        paras = [ln.split(":", 1)[0] for c in changes for ln in c["lines"]]
        days = sorted({(str(c["before"]).split("@")[-1], str(c["after"]).split("@")[-1]) for c in changes})
        when = "; ".join(f"{b} → {a}" for b, a in days)
        head = (f"FR Doc. {number} changed {len(changes)} part{'s' if len(changes) != 1 else ''} of the CFR "
                f"({', '.join(c['citation'] for c in changes)}), eCFR text {when}: {', '.join(paras)} [{first}].")
        lines.append(head)
        for c in changes:
            ext_after, ext_before = str(c["after"]), str(c["before"])
            after = ctx.repo.get_document(CFR_TEXT, ext_after)
            before = ctx.repo.get_document(CFR_TEXT, ext_before)
            marks = ""
            for d in (after, before):
                if d is not None:
                    cites.append(cfr_text_cite(len(cites) + 1, d, quote=(c["lines"] or [""])[0][:300]))
                    marks += f"[{len(cites)}]"
            lines += [f"- {ln} [{first}]{marks}" for ln in c["lines"]]
    if not lines:
        return None
    return Draft("\n".join(lines), cites)
