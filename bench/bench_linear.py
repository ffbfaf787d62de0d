"""Linear time: an RSS feed of 1,000 vs 10,000 items, a bill with 1,000 vs 10,000 actions.

* feed: ``scrapers.news`` as ``NewsSource.poll`` runs it after the fetch — ``parse_feed`` on the
  feed bytes, ``group_stories``, ``story_keys`` and ``story_record`` per story; distinct generated
  headlines (every tenth a syndicated copy of another with a different outlet, so stories group);
* actions: ``congress_parse.parse_actions`` on an ``actions[]`` list (House and LOC duplicates of
  one event, as the API lists them), ``stages.bill_stages``, then ``Repo.record`` of the bill with
  its actions into a fresh SQLite database (the analyzer the Context gives its repo).

The two sizes of each are timed interleaved (small, large, small, large), ``--rounds`` times; the
ratio of the best large to the best small should be ≈ 10 (linear), not ≈ 100 (quadratic).

    python bench/bench_linear.py [--rounds N] [--json]
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from common import Row, median, parse_args, quiet, result, run_script, verdict

from bot.analysis.stages import bill_stages
from bot.services.config import Settings
from bot.services.context import Context
from scrapers import news
from scrapers.congress_parse import parse_actions
from scrapers.records import BillRecord

WORDS = ("export", "control", "chip", "senate", "house", "committee", "tariff", "rule", "agency", "China",
         "semiconductor", "license", "sanction", "trade", "bill", "vote", "hearing", "report", "budget", "cloud")
PHRASES = ("Introduced in House", "Referred to the Committee on Foreign Affairs.",
           "Subcommittee Hearings Held.", "Ordered to be Reported by Voice Vote.",
           "Reported by the Committee on Foreign Affairs. H. Rept. 118-1.", "Placed on the Union Calendar.",
           "Considered under suspension of the rules.", "Motion to reconsider laid on the table Agreed to without objection.")


def feed_bytes(n: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    items = []
    start = date(2025, 1, 1)
    for i in range(n):
        src = i - 1 - rng.randrange(min(i, 9)) if i % 10 == 9 else i
        r = random.Random(src)
        title = " ".join(r.choice(WORDS) for _ in range(8)) + f" story {src}"
        when = start + timedelta(minutes=i)
        items.append(f"<item><title>{escape(title)} - Outlet {i % 7}</title>"
                     f"<link>https://news.example/{i}</link><guid>g{i}</guid>"
                     f"<pubDate>{when.strftime('%a, %d %b %Y')} 10:00:00 GMT</pubDate>"
                     f"<description>{escape(title)} in the news today.</description></item>")
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><link>https://news.example/</link>"
            "<description>d</description>" + "".join(items) + "</channel></rss>").encode()


def run_feed(content: bytes) -> int:
    raw = news.parse_feed(content, {}, "https://news.example/rss")
    items = [{"watch": "term:export", "patterns": [("export", news.phrase_regex("export"))], "specific": False}]
    n = 0
    for group in news.group_stories(raw):
        news.story_keys(group)
        news.story_record(group, items)
        n += 1
    return n


def actions_json(n: int) -> list[dict]:
    start = date(2000, 1, 1)
    out = []
    for i in range(n // 2):
        day = (start + timedelta(days=i)).isoformat()
        text = f"{PHRASES[i % len(PHRASES)]} (event {i})"
        out.append({"actionDate": day, "text": text, "type": "Floor", "actionCode": "H30000",
                    "sourceSystem": {"code": 2, "name": "House floor actions"}})
        out.append({"actionDate": day, "text": text, "type": "Floor", "actionCode": "8000",
                    "sourceSystem": {"code": 9, "name": "Library of Congress"}})
    out.reverse()                          # the API lists newest first
    return out


def run_actions(items: list[dict], tmp: Path, k: int) -> int:
    actions = parse_actions(items)
    bill_stages(actions, "hr")
    ctx = Context(settings=Settings(db_url=f"sqlite:///{tmp / f'linear{k}.db'}"))
    bill = BillRecord(bill_id="hr9999-119", congress=119, type="hr", number=9999, title="A bill",
                      introduced=date(2000, 1, 1), actions=actions, latest_action=actions[-1])
    ctx.repo.record([bill], ctx.analyzer, watched_bills=set())
    return len(actions)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__.splitlines()[0],
                      lambda p: (p.add_argument("--rounds", type=int, default=3, help="timings per size"),
                                 p.add_argument("--feed-large", type=int, default=10000,
                                                help="the large feed's items (the small one is a tenth)")))
    quiet()
    rows = []
    tmp = tempfile.TemporaryDirectory()
    fl = args.feed_large
    feeds = {n: feed_bytes(n) for n in (fl // 10, fl)}
    acts = {n: actions_json(n) for n in (1000, 10000)}
    cases = [("RSS feed (parse_feed + group_stories + story_record)", "items",
              lambda n, k: run_feed(feeds[n]), "stories", (fl // 10, fl)),
             ("bill actions (parse_actions + bill_stages + Repo.record)", "actions",
              lambda n, k: run_actions(acts[n], Path(tmp.name), k), "merged actions", (1000, 10000))]
    k = 0
    for name, unit, fn, out, (lo, hi) in cases:
        times: dict[int, list[float]] = {lo: [], hi: []}
        produced = {}
        for _ in range(args.rounds):
            for n in (lo, hi):
                k += 1
                start = time.perf_counter()
                produced[n] = fn(n, k)
                times[n].append(time.perf_counter() - start)
        small, large = min(times[lo]), min(times[hi])
        ratio = large / small
        rows.append(Row(f"{name}, {hi:,} {unit}", large * 1000, "ms", baseline=small * 1000,
                        target=f"≈ 10× of {lo:,} (≤ 15×)", verdict=verdict(ratio <= 15),
                        note=f"baseline = the same at {lo:,} {unit}; best of {args.rounds} interleaved; medians "
                             f"{median(times[hi]) * 1000:.0f} ms vs {median(times[lo]) * 1000:.0f} ms; "
                             f"{out}: {produced[lo]} and {produced[hi]}"))
    tmp.cleanup()
    return result("linear", rows, rounds=args.rounds)


if __name__ == "__main__":
    raise SystemExit(run_script(main))
