"""News: search RSS feeds per watched bill and term, plus the watchlist's own feeds.

Feeds are fetched by our session (conditional GET per feed) and parsed by feedparser from bytes,
never from a URL string. The same story arriving through several feeds or outlets becomes one
item with several sources (same ``guid``, same canonical URL, or near-identical headline once
the " - Outlet" suffix is gone). An item is attached to a watch item only when the watched phrase
(or the bill number, in any spelling) really appears in its title or summary; generic terms
score low unless policy words co-occur, so "remote access" in an IT-security story stays out of
alerts. Titles and summaries are stored as plain text; escaping happens at the Slack edge.
"""

from __future__ import annotations

import calendar
import difflib
import hashlib
import io
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from scrapers.bis import html_to_text
from scrapers.errors import SourceChanged
from scrapers.ids import DISPLAY_TYPES, parse_version_id
from scrapers.records import NEWS, CursorUpdate, DocumentRecord, Passage, SourceNote, Watch

log = logging.getLogger(__name__)

NAME = "news"
SEEN_CAP = 3000
TRACKING_PARAMS = {"oc", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "cmpid", "ocid", "ref",
                   "ref_src", "smid", "cid", "_hsenc", "_hsmi", "igshid"}
TITLE_SIMILARITY = 0.9
# Words that place a generic phrase ("remote access") in a policy story; one pattern per idea.
POLICY_PATTERNS = [re.compile(p) for p in (
    r"(?i)\bexport(s|ed|ing|ers?)?\b", r"\bCongress(ional)?\b", r"(?i)\b(bill|legislation|lawmakers?)\b",
    r"\bBIS\b|(?i:\bbureau of industry and security\b)", r"\bCommerce\b", r"\bChin(a|ese)\b",
    r"(?i)\b(chips?|semiconductors?|chipmakers?)\b", r"\bAct\b", r"\b(House|Senate)\b",
    r"(?i)\b(sanctions?|national security|adversar(y|ies))\b",
)]


# ---- pure helpers --------------------------------------------------------------------------

def phrase_regex(phrase: str) -> re.Pattern:
    """A case-insensitive regex for ``phrase`` as a phrase: word boundaries, any spacing or hyphens."""
    raw = [w for w in re.split(r"[\s\-]+", phrase.strip().strip('"')) if w]
    if not raw:
        return re.compile(r"(?!x)x")
    body = r"[\s\-]+".join(re.escape(w) for w in raw)
    start = r"\b" if re.match(r"\w", raw[0][0]) else ""
    end = r"\b" if re.match(r"\w", raw[-1][-1]) else ""
    return re.compile(f"(?i){start}{body}{end}")


def bill_number_regex(bill_id: str) -> re.Pattern | None:
    """Every spelling of a bill number: ``H.R. 2683``, ``HR 2683``, ``H.R.2683``, ``H. R. 2683``."""
    try:
        bill, _ = parse_version_id(bill_id)
    except Exception:  # noqa: BLE001 - a malformed id in the watch is simply not matched by number
        return None
    letters = re.findall(r"[A-Za-z]+", DISPLAY_TYPES[bill.type])
    parts = []
    for token in letters:
        parts.append(f"(?-i:{re.escape(token)})" if len(token) == 1 and token == "S" else re.escape(token))
    prefix = r"\.?\s?".join(parts)
    return re.compile(rf"(?i)(?<![\w.]){prefix}\.?\s?{bill.number}(?!\d)")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, tracking parameters (utm_*, oc…) removed, rest sorted."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(sorted(query)), ""))


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def split_outlet(title: str, outlet: str = "") -> tuple[str, str]:
    """``"Headline - Outlet"`` → ``("Headline", "Outlet")`` (the suffix only when it names the outlet,
    or looks like one when the outlet is unknown)."""
    title = " ".join(title.split())
    if outlet and title.endswith(f" - {outlet}"):
        return title[: -len(outlet) - 3].strip(), outlet
    head, sep, tail = title.rpartition(" - ")
    if sep and head and not outlet and 0 < len(tail) <= 40 and len(tail.split()) <= 5:
        return head.strip(), tail.strip()
    return title, outlet


def normalise_title(headline: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", headline.lower()).split())


def similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if not a or not b:
        return False
    m = difflib.SequenceMatcher(None, a, b)
    return m.real_quick_ratio() >= TITLE_SIMILARITY and m.quick_ratio() >= TITLE_SIMILARITY \
        and m.ratio() >= TITLE_SIMILARITY


def policy_words(text: str) -> int:
    """How many distinct policy ideas (exports, Congress, China, chips…) the text mentions."""
    return sum(1 for p in POLICY_PATTERNS if p.search(text))


def watch_items(watch: Watch) -> list[dict]:
    """What news is matched against: bills (short title and number) and terms."""
    items = []
    for bill in watch.bills:
        patterns = []
        short = watch.short_titles.get(bill, "")
        if short:
            patterns.append((short, phrase_regex(short)))
        rx = bill_number_regex(bill)
        if rx is not None:
            patterns.append(("", rx))   # the phrase is whatever spelling matched
        items.append({"watch": f"bill:{bill}", "patterns": patterns, "specific": True})
    for term in watch.terms:
        items.append({"watch": f"term:{term}", "patterns": [(term, phrase_regex(term))], "specific": False})
    return items


def score(titles: list[str], summaries: list[str], items: list[dict]) -> tuple[list[dict], float]:
    """(matched watch items with where and why, relevance 0..1) for one story."""
    title_text = "\n".join(titles)
    summary_text = "\n".join(summaries)
    context = policy_words(f"{title_text}\n{summary_text}")
    matched, best = [], 0.0
    for item in items:
        for phrase, rx in item["patterns"]:
            where, m = "title", rx.search(title_text)
            if m is None:
                where, m = "summary", rx.search(summary_text)
            if m is None:
                continue
            if item["specific"]:
                value = 0.9 if where == "title" else 0.75
            else:
                value = (0.3 if where == "title" else 0.2) + 0.15 * min(context, 4)
            value = round(min(1.0, value), 2)
            matched.append({"watch": item["watch"], "phrase": phrase or m.group(0), "where": where, "score": value})
            best = max(best, value)
            break
    return matched, best


def _plain(value: str | None, detail: dict | None) -> str:
    if not value:
        return ""
    if (detail or {}).get("type", "text/plain") in ("text/html", "application/xhtml+xml"):
        return " ".join(html_to_text(value).split())
    return " ".join(value.split())


def parse_feed(content: bytes, headers: dict, feed_url: str) -> list[dict]:
    """Feed bytes → plain item dicts; an HTML page or a body with no feed in it is ``SourceChanged``."""
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise SourceChanged(f"news: expected a feed, got an HTML page from {feed_url}", source=NAME, url=feed_url)
    parsed = feedparser.parse(io.BytesIO(content), response_headers={k.lower(): v for k, v in headers.items()})
    if not parsed.get("version") and not parsed.entries:
        raise SourceChanged(f"news: not an RSS/Atom feed ({parsed.get('bozo_exception', 'no items')}): {feed_url}",
                            source=NAME, url=feed_url)
    items = []
    for e in parsed.entries:
        source = e.get("source") or {}
        outlet = " ".join(str(source.get("title") or "").split())
        title = _plain(e.get("title"), e.get("title_detail"))
        headline, outlet = split_outlet(title, outlet)
        link = e.get("link") or (e.get("id") if str(e.get("id", "")).startswith("http") else "") or ""
        if not title and not link:
            continue
        when = e.get("published_parsed") or e.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None
        canon = canonical_url(link) if link else ""
        items.append({"guid": e.get("id") or canon, "url": canon, "title": title, "headline": headline,
                      "outlet": outlet or urlsplit(link).netloc, "summary": _plain(e.get("summary"),
                                                                                   e.get("summary_detail")),
                      "published": published, "feed": feed_url})
    return items


PAIRWISE_MAX = 400          # up to this many items every pair of headlines is compared
RARE_WORDS = 3              # beyond it, a headline is compared with those sharing one of its rarest words


def candidate_pairs(norms: list[str]):
    """Pairs of headlines worth comparing. Two headlines ``TITLE_SIMILARITY`` alike have lengths
    within that ratio of each other and share most of their words, so beyond ``PAIRWISE_MAX``
    items only pairs sharing one of either's rarest words are compared — linear in the feed for
    the headlines news feeds carry, instead of every pair."""
    n = len(norms)
    if n <= PAIRWISE_MAX:
        pairs = ((i, j) for i in range(n) for j in range(i + 1, n))
    else:
        words = [set(t.split()) for t in norms]
        df = Counter(w for ws in words for w in ws)
        rare = max(20, n // 100)         # a word in more headlines than this says little of the story
        rarest = []
        for ws in words:
            ranked = sorted(ws, key=lambda w: (df[w], w))
            rarest.append([w for w in ranked[:RARE_WORDS] if df[w] <= rare] or ranked[:1])
        index: dict[str, list[int]] = defaultdict(list)
        for i, ws in enumerate(rarest):
            for w in ws:
                index[w].append(i)
        pairs = dict.fromkeys((min(i, j), max(i, j)) for i, ws in enumerate(rarest) for w in ws
                              for j in index[w] if j != i)
    for i, j in pairs:
        short, long_ = sorted((len(norms[i]), len(norms[j])))
        if long_ == 0 or short / long_ >= TITLE_SIMILARITY * 0.9:
            yield i, j


def group_stories(items: list[dict]) -> list[list[dict]]:
    """Union items that are the same story: same guid, same canonical URL or near-identical headline."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    by_key: dict[str, int] = {}
    norms = [normalise_title(it["headline"]) for it in items]
    for i, it in enumerate(items):
        for key in (f"guid:{it['guid']}", f"url:{it['url']}", f"title:{norms[i]}"):
            if key.endswith(":"):
                continue
            if key in by_key:
                union(i, by_key[key])
            else:
                by_key[key] = i
    for i, j in candidate_pairs(norms):
        if find(i) != find(j) and similar(norms[i], norms[j]):
            union(i, j)
    groups: dict[int, list[dict]] = {}
    for i, it in enumerate(items):
        groups.setdefault(find(i), []).append(it)
    return list(groups.values())


def story_keys(group: list[dict]) -> set[str]:
    keys = set()
    for it in group:
        keys.add(f"guid:{it['guid']}")
        if it["url"]:
            keys.add(f"url:{it['url']}")
        keys.add(f"title:{normalise_title(it['headline'])}")
    return keys


def story_record(group: list[dict], items: list[dict]) -> DocumentRecord:
    """One story (a group of feed items) → a ``DocumentRecord``."""
    far = datetime.max.replace(tzinfo=UTC)
    rep = min(group, key=lambda it: (it["published"] or far, it["url"]))
    outlets = sorted({it["outlet"] for it in group if it["outlet"]})
    sources, seen = [], set()
    for it in group:
        key = (it["feed"], it["guid"])
        if key not in seen:
            seen.add(key)
            sources.append({"feed": it["feed"], "outlet": it["outlet"], "url": it["url"], "guid": it["guid"],
                            "title": it["title"]})
    summaries = sorted({it["summary"] for it in group if it["summary"]})
    matched, relevance = score(sorted({it["title"] for it in group}), summaries, items)
    summary = rep["summary"]
    published = rep["published"].isoformat() if rep["published"] else None
    content = {"title": rep["headline"], "summary": summary, "url": rep["url"], "published": published}
    meta = {"matched": matched, "relevance": relevance, "outlets": outlets, "sources": sources,
            "feeds": sorted({it["feed"] for it in group}), "guid": rep["guid"], "published": published}
    text = f"{rep['headline']}\n\n{summary}".strip()
    return DocumentRecord(kind=NEWS, external_id=url_hash(rep["url"] or rep["guid"]), title=rep["headline"],
                          url=rep["url"] or None, source=NAME, content=content, text=text, meta=meta,
                          date=rep["published"].date() if rep["published"] else None,
                          passages=[Passage(anchor="", heading=rep["headline"], text=text)],
                          fetched_url=rep["feed"])


# ---- the source ----------------------------------------------------------------------------

class NewsSource:
    """Poll news search feeds and extra feeds (see the module docstring)."""

    name = NAME

    def __init__(self, session, search_url: str, *, search_params: dict | None = None) -> None:
        self.session = session
        self.search_url = search_url
        self.search_params = search_params or {"hl": "en-US", "gl": "US", "ceid": "US:en"}

    def search_feed(self, phrase: str) -> str:
        query = urlencode({"q": f'"{phrase}"', **self.search_params})
        return f"{self.search_url}{'&' if '?' in self.search_url else '?'}{query}"

    def feeds(self, watch: Watch) -> list[str]:
        """Search feeds for each bill's short title (or number) and each term, then the watch's feeds."""
        out: list[str] = []
        for bill in watch.bills:
            phrase = watch.short_titles.get(bill, "")
            if not phrase:
                try:
                    phrase = parse_version_id(bill)[0].short
                except Exception:  # noqa: BLE001 - an unparsable id gets no feed
                    continue
            out.append(self.search_feed(phrase))
        out += [self.search_feed(t) for t in watch.terms if t.strip()]
        out += [f for f in watch.feeds if f.startswith(("http://", "https://"))]
        return list(dict.fromkeys(out))

    def poll(self, watch: Watch, cursor: dict, *, today: date | None = None
             ) -> Iterator[DocumentRecord | CursorUpdate | SourceNote]:
        feeds = self.feeds(watch)
        old_validators = dict(cursor.get("validators") or {})
        validators: dict[str, dict] = {}
        seen = [k for k in cursor.get("seen") or [] if isinstance(k, str)]
        seen_set = set(seen)
        raw: list[dict] = []
        for url in feeds:
            v = old_validators.get(url) or {}
            result = self.session.get(url, etag=v.get("etag"), last_modified=v.get("last_modified"))
            if result.not_modified:
                validators[url] = v
                continue
            raw.extend(parse_feed(result.content, result.headers, url))
            validators[url] = {"etag": result.etag, "last_modified": result.last_modified}
        items = watch_items(watch)
        new_keys: list[str] = []
        for group in group_stories(raw):
            keys = story_keys(group)
            if keys & seen_set:
                continue
            yield story_record(group, items)
            new_keys.extend(sorted(keys))
        yield CursorUpdate({"validators": validators, "seen": (new_keys + seen)[:SEEN_CAP]})
