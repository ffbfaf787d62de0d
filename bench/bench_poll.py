"""Poll efficiency: requests per steady-state Congress poll against per-bill polling.

A ``GovSandbox`` serves a generated Congress: the bill list (pages of 250 rows with their
``updateDate``) holds every watched bill — the worst case for the list — and of those, ``changed``
bills moved since the last poll (new detail, sub-resources and a new text version on govinfo).
``CongressSource.poll`` runs with ``Watch.known`` filled as a first poll leaves it, and the
sandbox counts the requests. Per-bill polling would ask for every watched bill's detail at least.

The hourly budget for 1,000 watched bills comes from the scheduler's own triggers (the peak
number of Congress polls in any clock hour over a week) times the requests one poll makes with
1% of the watched bills changed, measured here too.

    python bench/bench_poll.py [--full] [--json]
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import ROOT, Row, parse_args, quiet, result, run_script, verdict

from bot.runtime.scheduler import build_triggers
from bot.sandbox.government import GovSandbox
from bot.services.config import Settings
from scrapers.congress import CongressClient, CongressSource, known_entry
from scrapers.congress_parse import parse_detail
from scrapers.govinfo import GovinfoClient
from scrapers.http import PoliteSession
from scrapers.ids import current_congress
from scrapers.records import CursorUpdate, Watch

NOW = datetime(2026, 2, 18, 15, 0, tzinfo=UTC)         # a Wednesday afternoon (weekday cadence)
KNOWN_UPDATE = "2026-02-02T12:00:00Z"
NEW_UPDATE = "2026-02-18T14:30:00Z"
PAGE = 250
LIMIT_PER_HOUR = 5000
BILL_XML = ROOT / "bot" / "sandbox" / "data" / "govinfo" / "content" / "pkg" / "BILLS-119hr2683ih" / "xml" / \
    "BILLS-119hr2683ih.xml"
# part → (file name, list key, count key in the detail, items before, items after a change)
PARTS = {"actions": ("actions", "actions", "actions"), "text": ("text", "textVersions", "textVersions"),
         "summaries": ("summaries", "summaries", "summaries"), "cosponsors": ("cosponsors", "cosponsors", "cosponsors"),
         "committees": ("committees", "committees", "committees"),
         "related": ("relatedbills", "relatedBills", "relatedBills"), "titles": ("titles", "titles", "titles")}
BEFORE = {"actions": 3, "textVersions": 1, "summaries": 0, "cosponsors": 2, "committees": 1, "relatedBills": 0,
          "titles": 2}


def bill_ids(n: int, congress: int) -> list[tuple[str, int]]:
    """``n`` (type, number) pairs: House bills then Senate bills."""
    house = max(1, n * 3 // 5)
    return [("hr", i + 1) for i in range(house)] + [("s", i + 1) for i in range(n - house)]


def _counts(changed_all: bool, changed: bool) -> dict[str, int]:
    counts = dict(BEFORE)
    if changed:
        counts["actions"] += 1
        counts["textVersions"] += 1
        counts["cosponsors"] += 1
    if changed_all:
        for key in ("summaries", "committees", "relatedBills", "titles"):
            counts[key] += 1
    return counts


def _latest(number: int, changed: bool) -> dict:
    if changed:
        return {"actionDate": "2026-02-18", "text": "Reported by the Committee on Foreign Affairs. H. Rept. 119-9."}
    return {"actionDate": "2026-01-30", "text": "Referred to the House Committee on Foreign Affairs."}


def _list_row(t: str, number: int, congress: int, changed: bool) -> dict:
    update = NEW_UPDATE if changed else KNOWN_UPDATE
    return {"congress": congress, "number": str(number), "type": t.upper(), "originChamber": "House" if t == "hr"
            else "Senate", "title": f"Generated {t.upper()} {number} Act", "latestAction": _latest(number, changed),
            "updateDate": update, "updateDateIncludingText": update,
            "url": f"https://api.congress.gov/v3/bill/{congress}/{t}/{number}?format=json"}


def _items(part: str, t: str, number: int, congress: int, n: int) -> list[dict]:
    if part == "actions":
        return [{"actionDate": f"2026-01-{10 + k:02d}", "text": f"Action {k} on {t.upper()} {number}.",
                 "type": "IntroReferral", "sourceSystem": {"code": 9, "name": "Library of Congress"}}
                for k in range(n)]
    if part == "text":
        codes = ["ih", "rh", "eh", "rfs"][:n] if t == "hr" else ["is", "rs", "es", "rfh"][:n]
        return [{"date": f"2026-0{1 + k}-15T05:00:00Z", "type": f"Version {c.upper()}",
                 "formats": [{"type": "Formatted XML",
                              "url": f"https://www.congress.gov/{congress}/bills/{t}{number}/BILLS-{congress}{t}{number}{c}.xml"}]}
                for k, c in enumerate(codes)]
    if part == "cosponsors":
        return [{"bioguideId": f"X{number:04d}{k:02d}", "fullName": f"Rep. Member {k} [D-CA-{k + 1}]", "party": "D",
                 "state": "CA", "sponsorshipDate": "2026-01-20", "isOriginalCosponsor": k == 0} for k in range(n)]
    if part == "committees":
        return [{"name": "Foreign Affairs Committee", "systemCode": f"hsfa{k:02d}", "chamber": "House",
                 "activities": [{"name": "Referred To", "date": "2026-01-30T15:00:00Z"}]} for k in range(n)]
    if part == "summaries":
        return [{"versionCode": "00", "actionDate": "2026-02-01", "actionDesc": "Introduced in House",
                 "text": f"<p>This bill does thing {k}.</p>", "updateDate": "2026-02-10T00:00:00Z"} for k in range(n)]
    if part == "related":
        return [{"congress": congress, "type": "S", "number": 9000 + k, "title": "Related Act",
                 "relationshipDetails": [{"type": "Related bill", "identifiedBy": "CRS"}]} for k in range(n)]
    return [{"title": f"Generated {t.upper()} {number} Act", "titleType": "Display Title"}] + \
        [{"title": f"Generated {t.upper()} {number} Act {k}", "titleType": "Short Title(s) as Introduced"}
         for k in range(n - 1)]


def _write(path: Path, data: dict | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())


def make_dataset(root: Path, n_watched: int, n_changed: int, congress: int) -> tuple[list[str], dict, list[str]]:
    """Write the sandbox files; returns (watched ids, Watch.known, changed ids)."""
    bills = bill_ids(n_watched, congress)
    step = max(1, n_watched // max(1, n_changed))
    changed = {bills[i * step] for i in range(n_changed)}
    rows = [_list_row(t, n, congress, (t, n) in changed) for t, n in bills]
    rows.sort(key=lambda r: r["updateDate"])
    base = root / "congress" / "v3" / "bill"
    pages = math.ceil(len(rows) / PAGE)
    for p in range(pages):
        body = {"bills": rows[p * PAGE:(p + 1) * PAGE], "pagination": {"count": len(rows)}}
        if p + 1 < pages:
            body["pagination"]["next"] = (f"https://api.congress.gov/v3/bill/{congress}?offset={(p + 1) * PAGE}"
                                          f"&limit={PAGE}&format=json&sort=updateDate+asc")
        name = f"{congress}.json" if p == 0 else f"{congress}@offset={p * PAGE}.json"
        _write(base / name, body)
    xml = BILL_XML.read_bytes()
    known: dict[str, dict] = {}
    watched, changed_ids = [], []
    for k, (t, n) in enumerate(bills):
        bid = f"{t}{n}-{congress}"
        watched.append(bid)
        old = _detail(t, n, congress, _counts(False, False), KNOWN_UPDATE, _latest(n, False))
        record = parse_detail(old)
        known[bid] = known_entry(record, ["ih" if t == "hr" else "is"])
        if (t, n) not in changed:
            continue
        changed_ids.append(bid)
        everything = k == 0
        counts = _counts(everything, True)
        _write(base / str(congress) / t / f"{n}.json", _detail(t, n, congress, counts, NEW_UPDATE, _latest(n, True)))
        for part, (fname, key, ckey) in PARTS.items():
            _write(base / str(congress) / t / str(n) / f"{fname}.json",
                   {key: _items(part, t, n, congress, counts[ckey]), "pagination": {"count": counts[ckey]}})
        code = "rh" if t == "hr" else "rs"
        stem = f"{congress}{t}{n}{code}"
        _write(root / "govinfo" / "content" / "pkg" / f"BILLS-{stem}" / "xml" / f"BILLS-{stem}.xml",
               xml.replace(b"H. R. 2683", f"{'H. R.' if t == 'hr' else 'S.'} {n}".encode()))
    return watched, known, changed_ids


def _detail(t: str, n: int, congress: int, counts: dict[str, int], update: str, latest: dict) -> dict:
    stub = {key: {"count": c, "url": f"https://api.congress.gov/v3/bill/{congress}/{t}/{n}/{key.lower()}"}
            for key, c in counts.items()}
    return {"bill": {"congress": congress, "number": str(n), "type": t.upper(), "title": f"Generated {t.upper()} {n} Act",
                     "introducedDate": "2026-01-10", "originChamber": "House" if t == "hr" else "Senate",
                     "latestAction": latest, "updateDate": update, "updateDateIncludingText": update,
                     "sponsors": [{"bioguideId": f"S{n:06d}", "fullName": "Rep. Sponsor [R-NY-1]", "party": "R",
                                   "state": "NY"}], **stub}}


def measure_poll(n_watched: int, n_changed: int) -> dict:
    """One steady-state poll against a generated sandbox; request counts by kind."""

    congress = current_congress(NOW.date())
    tmp = Path(tempfile.mkdtemp(prefix="bench-poll-"))
    try:
        watched, known, changed = make_dataset(tmp, n_watched, n_changed, congress)
        with GovSandbox(tmp) as sb:
            urls = sb.base_urls()
            session = PoliteSession(source="congress", timeout=10, retries=0)
            client = CongressClient(session, urls["congress_api_url"], "BENCHKEY123", govinfo_url=urls["govinfo_url"])
            govinfo = GovinfoClient(session, urls["govinfo_url"], urls["govinfo_api_url"], "BENCHKEY123")
            source = CongressSource(client, govinfo, demo_key=False, now=lambda: NOW)
            cursor = {"since": (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "crec_since": NOW.date().isoformat()}
            items = list(source.poll(Watch(bills=watched, known=known), cursor))
            session.close()
            paths = [r.path for r in sb.requests]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    kinds = Counter()
    for p in paths:
        if p.rstrip("/").endswith(f"/bill/{congress}"):
            kinds["list"] += 1
        elif p.startswith("/govinfo-api"):
            kinds["record"] += 1
        elif p.startswith("/govinfo/"):
            kinds["text_xml"] += 1
        else:
            kinds["bill"] += 1
    records = [i for i in items if not isinstance(i, CursorUpdate)]
    return {"requests": len(paths), "kinds": dict(kinds), "records": len(records), "changed": len(changed),
            "per_changed": (kinds["bill"] + kinds["text_xml"]) / max(1, len(changed))}


def peak_polls_per_hour(settings) -> tuple[int, float]:
    """(most Congress polls in one clock hour, average per hour) over a week of the real triggers."""

    tz = ZoneInfo(settings.timezone)
    trigger = build_triggers(settings, NOW)["poll:congress"]
    start = datetime(2026, 2, 16, 0, 0, tzinfo=tz)        # a Monday
    t, prev, hours = start, None, Counter()
    while True:
        nxt = trigger.get_next_fire_time(prev, t)
        if nxt is None or nxt >= start + timedelta(days=7):
            break
        hours[nxt.replace(minute=0, second=0, microsecond=0)] += 1
        prev, t = nxt, nxt + timedelta(seconds=1)
    return max(hours.values()), sum(hours.values()) / (7 * 24)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__.splitlines()[0])
    quiet()

    n, k = 500, 5
    m = measure_poll(n, k)
    bound = 1 + math.ceil(n / PAGE) + 10 * k
    rows = [
        Row(f"requests, steady poll ({n} watched, {k} changed)", m["requests"], "req", baseline=n,
            target=f"≤ {bound} (1+⌈{n}/{PAGE}⌉+10×{k})", verdict=verdict(m["requests"] <= bound),
            note=f"baseline = per-bill polling, one detail request per watched bill (a lower bound); "
                 f"measured by kind {m['kinds']}"),
        Row("requests per changed bill", m["per_changed"], "req", target="≤ 10",
            verdict=verdict(m["per_changed"] <= 10)),
    ]
    idle = measure_poll(n, 0)
    rows.append(Row(f"requests, idle poll ({n} watched, 0 changed)", idle["requests"], "req", baseline=n,
                    target=f"≤ {1 + math.ceil(n / PAGE)}", verdict=verdict(idle["requests"] <= 1 + math.ceil(n / PAGE))))
    big_n, big_k = 1000, 10
    big = measure_poll(big_n, big_k)
    settings = Settings(congress_api_key="BENCHKEY123")
    peak, avg = peak_polls_per_hour(settings)
    hourly = peak * big["requests"]
    share = 100.0 * hourly / LIMIT_PER_HOUR
    rows.append(Row(f"hourly budget, {big_n} watched ({big_k} changed/poll)", share, "% of 5,000/h",
                    baseline=None, target="< 20%", verdict=verdict(share < 20),
                    note=f"peak {peak} Congress polls/hour from the default triggers (avg {avg:.2f}/h) × "
                         f"{big['requests']} requests measured per poll = {hourly} requests/hour"))
    demo = Settings()      # DEMO_KEY: cadences ×4 slower, 30 requests/hour
    dpeak, _ = peak_polls_per_hour(demo)
    rows.append(Row("DEMO_KEY: requests/hour, 3 watched bills", dpeak * measure_poll(3, 1)["requests"], "req/h",
                    target="≤ 30 (DEMO_KEY limit)", verdict="info",
                    note=f"peak {dpeak} polls/hour on DEMO_KEY; one changed bill per poll"))
    del args
    return result("poll", rows, measured=m, idle=idle, thousand=big, peak_polls_per_hour=peak)


if __name__ == "__main__":
    raise SystemExit(run_script(main))
