"""BIS press releases from bis.gov, and the hardened HTML helpers the scrapers share.

bis.gov publishes no feed or API for press releases and its listing markup is not documented,
so parsing is generic and defensive: the listing page contributes every same-site link whose path
starts with ``/press-release/``; each new release page contributes its title and date from
standard metadata (``og:title``, ``article:published_time``, ``<time datetime>``, ``<h1>``) and
its text from ``<article>``/``<main>`` with scripts, styles and navigation removed.

A listing that used to yield links and now yields none means the site changed: ``SourceChanged``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from scrapers.errors import NotFound, SourceChanged
from scrapers.records import PRESS_RELEASE, CursorUpdate, DocumentRecord, Passage, SourceNote, Watch

log = logging.getLogger(__name__)

NAME = "bis"
LISTING_PATHS = ("/press-releases", "/news-updates")
RELEASE_PREFIX = "/press-release/"
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "form")
CHROME_TAGS = ("nav", "header", "footer", "aside")
BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
              "article", "blockquote", "pre", "dd", "dt", "hr")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,200}$")
_MONTHS = ("January February March April May June July August September October November December").split()
_LONG_DATE_RE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2}),\s+(\d{4})\b")


# ---- hardened HTML -------------------------------------------------------------------------

def _parser() -> lxml.html.HTMLParser:
    return lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False,
                                recover=True, default_doctype=False)


def parse_html(data: bytes | str, *, source: str = NAME) -> lxml.html.HtmlElement:
    """Parse an HTML page without any network access; an empty or unparsable page is ``SourceChanged``."""
    if isinstance(data, bytes) and not data.strip():
        raise SourceChanged(f"{source}: empty HTML page", source=source)
    try:
        root = lxml.html.document_fromstring(data, parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise SourceChanged(f"{source}: unparsable HTML ({exc})", source=source) from None
    if root is None:
        raise SourceChanged(f"{source}: unparsable HTML", source=source)
    return root


def element_text(el: lxml.html.HtmlElement, *, drop: Iterable[str] = DROP_TAGS) -> str:
    """Readable plain text of an element: blocks on their own lines, whitespace collapsed."""
    el = lxml.html.fromstring(lxml.html.tostring(el), parser=_parser())  # work on a copy
    for bad in list(el.iter(*drop)):
        if bad is not el:
            bad.drop_tree()
    for block in el.iter(*BLOCK_TAGS):
        block.tail = "\n" + (block.tail or "")
        if block.tag != "br":
            block.text = "\n" + (block.text or "")
    lines = (" ".join(line.split()) for line in el.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def html_to_text(data: bytes | str) -> str:
    """A whole page (or fragment) of HTML → plain text; tags stripped, entities unescaped."""
    if isinstance(data, str):
        if not data.strip():
            return ""
        if "<" not in data and "&" not in data:
            return " ".join(data.split())
        frag = lxml.html.fragment_fromstring(data, create_parent="div", parser=_parser())
        return element_text(frag)
    return element_text(parse_html(data))


# ---- press releases (pure) -----------------------------------------------------------------

def release_links(root: lxml.html.HtmlElement, page_url: str,
                  hosts: Iterable[str] = ("www.bis.gov", "bis.gov")) -> list[tuple[str, str, str]]:
    """``(slug, absolute url, link text)`` for each ``/press-release/<slug>`` link on this site (or
    on bis.gov itself), in page order."""
    sites = {urlsplit(page_url).netloc, *hosts}
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href:
            continue
        url = urljoin(page_url, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc not in sites:
            continue
        path = parts.path
        prefix = urlsplit(page_url).path.rsplit("/", 1)[0] + RELEASE_PREFIX  # site mounted under a path
        if path.startswith(prefix):
            slug = path[len(prefix):].strip("/")
        elif path.startswith(RELEASE_PREFIX):
            slug = path[len(RELEASE_PREFIX):].strip("/")
        else:
            continue
        if not _SLUG_RE.match(slug) or slug in seen:
            continue
        seen.add(slug)
        out.append((slug, f"{parts.scheme}://{parts.netloc}{path}", " ".join(a.text_content().split())))
    return out


def _meta(root, *names: str) -> str:
    for name in names:
        for el in root.iter("meta"):
            if (el.get("property") or el.get("name") or "").lower() == name:
                value = (el.get("content") or "").strip()
                if value:
                    return value
    return ""


def _parse_day(value: str) -> date | None:
    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    m = _LONG_DATE_RE.search(value)
    if m:
        try:
            return datetime.strptime(f"{m.group(1)} {m.group(2)} {m.group(3)}", "%B %d %Y").date()
        except ValueError:
            return None
    return None


def parse_release(data: bytes, url: str) -> dict:
    """A press-release page → ``{title, date, text, canonical_url}``; no title or text → ``SourceChanged``."""
    root = parse_html(data)
    h1 = next(iter(root.iter("h1")), None)
    title_el = next(iter(root.iter("title")), None)
    title = _meta(root, "og:title") or (" ".join(h1.text_content().split()) if h1 is not None else "")
    if not title and title_el is not None:
        title = re.split(r"\s+[|–-]\s+", " ".join(title_el.text_content().split()))[0]
    main = next(iter(root.iter("article")), None)
    if main is None:
        main = next(iter(root.iter("main")), None)
    if main is None:
        main = next((el for el in root.iter() if el.get("role") == "main"), None)
    if main is None:
        raise SourceChanged(f"bis: press release page has no <article> or <main>: {url}", source=NAME, url=url)
    text = element_text(main, drop=DROP_TAGS + CHROME_TAGS)
    if not title or len(text) < 40:
        raise SourceChanged(f"bis: press release page without title or text: {url}", source=NAME, url=url)
    when = _parse_day(_meta(root, "article:published_time", "date", "dc.date", "dcterms.date"))
    if when is None:
        for t in root.iter("time"):
            when = _parse_day(t.get("datetime") or t.text_content())
            if when:
                break
    if when is None:
        when = _parse_day(text[:600])
    canonical = _meta(root, "og:url") or next((link.get("href") for link in root.iter("link")
                                               if (link.get("rel") or "").lower() == "canonical"), "") or ""
    if RELEASE_PREFIX not in urlsplit(canonical).path:
        canonical = url
    return {"title": title, "date": when, "text": text, "canonical_url": canonical}


def release_record(slug: str, page: dict, fetched_url: str) -> DocumentRecord:
    lines = page["text"].split("\n")
    body = "\n".join(line for line in lines if line != page["title"])
    content = {"title": page["title"], "date": page["date"].isoformat() if page["date"] else None, "text": body}
    return DocumentRecord(kind=PRESS_RELEASE, external_id=slug, title=page["title"], url=page["canonical_url"],
                          source=NAME, content=content, text=f"{page['title']}\n\n{body}",
                          meta={"slug": slug, "agency": "industry-and-security-bureau"}, date=page["date"],
                          passages=[Passage(anchor="", heading=page["title"], text=body)], fetched_url=fetched_url)


# ---- the source ----------------------------------------------------------------------------

class BisSource:
    """Poll the bis.gov press-release listing (see the module docstring)."""

    name = NAME

    def __init__(self, session, base_url: str, *, listing_paths: Iterable[str] = LISTING_PATHS,
                 max_new: int = 20, seen_cap: int = 500) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.listing_paths = tuple(listing_paths)
        self.max_new = max_new
        self.seen_cap = seen_cap

    def listing(self) -> list[tuple[str, str, str]]:
        """Links from the first listing path that answers with any; [] when none does."""
        answered = False
        for path in self.listing_paths:
            url = f"{self.base_url}{path}"
            try:
                result = self.session.get(url)
            except NotFound:
                continue
            answered = True
            links = release_links(parse_html(result.content), url)
            if links:
                return links
        if not answered:
            raise SourceChanged(f"bis: no press-release listing at {', '.join(self.listing_paths)}", source=NAME)
        return []

    def poll(self, watch: Watch, cursor: dict, *, today: date | None = None
             ) -> Iterator[DocumentRecord | CursorUpdate | SourceNote]:
        seen = [s for s in cursor.get("seen") or [] if isinstance(s, str)]
        links = self.listing()
        if not links:
            if seen:
                raise SourceChanged("bis: the press-release listing no longer yields any /press-release/ links "
                                    "(page layout changed?)", source=NAME)
            yield SourceNote("warning", "BIS press-release listing has no press-release links yet",
                             key="bis-empty-listing")
            return
        known = set(seen)
        new = [link for link in links if link[0] not in known][: self.max_new]
        fresh: list[str] = []
        for slug, url, _text in new:
            fetch_url = f"{self.base_url}{RELEASE_PREFIX}{slug}"
            try:
                result = self.session.get(fetch_url)
            except NotFound:
                log.warning("bis: listed press release %s is gone (404)", slug)
                fresh.append(slug)
                continue
            page = parse_release(result.content, url)
            yield release_record(slug, page, fetch_url)
            fresh.append(slug)
        if fresh:
            yield CursorUpdate({"seen": (fresh + seen)[: self.seen_cap]})
