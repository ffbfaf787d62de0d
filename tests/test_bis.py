"""BIS press releases: generic listing and page parsing, new-release detection, layout changes, faults."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scrapers.bis import BisSource, html_to_text, parse_html, parse_release, release_links
from scrapers.errors import SourceChanged, SourceRateLimited, SourceUnavailable
from scrapers.http import PoliteSession
from scrapers.records import CursorUpdate, DocumentRecord, SourceNote, Watch

DATA = Path(__file__).parent / "data" / "bis"
CHINA = "department-commerce-revises-license-review-policy-semiconductors-exported-china"
DIFFUSION = "department-commerce-announces-rescission-biden-era-artificial-intelligence-diffusion-rule-strengthens"
TODAY = date(2026, 1, 14)


@pytest.fixture
def bis(gov_sandbox):
    session = PoliteSession(source="bis", timeout=2.0, retries=0, backoff=0.0)
    return gov_sandbox, BisSource(session, gov_sandbox.base_urls()["bis_url"])


def poll(src, cursor=None):
    return list(src.poll(Watch(), cursor or {}, today=TODAY))


def test_first_poll_reads_every_listed_release(bis):
    sb, src = bis
    items = poll(src)
    recs = [i for i in items if isinstance(i, DocumentRecord)]
    assert [r.external_id for r in recs] == [CHINA, DIFFUSION]
    china, diffusion = recs
    assert china.kind == "press_release" and china.source == "bis"
    assert china.title == "Department of Commerce Revises License Review Policy for Semiconductors Exported to China"
    assert china.date == date(2026, 1, 13)                       # article:published_time
    assert china.url == f"https://www.bis.gov/press-release/{CHINA}"   # canonical, not the sandbox
    assert "Nvidia H200" in china.text and "presumption of denial to case-by-case review" in china.text
    for junk in ("analytics", "color: #333", "Home", "Reconstructed sandbox copy", "Bureau of Industry and Security, U.S."):
        assert junk not in china.content["text"]
    assert china.content == {"title": china.title, "date": "2026-01-13", "text": china.content["text"]}
    # no metadata at all: the title from <h1>, the date from the text, the url is where it was found
    assert diffusion.title.startswith("Department of Commerce Announces Rescission of Biden-Era Artificial")
    assert diffusion.date == date(2025, 5, 13)
    assert diffusion.url.endswith(f"/press-release/{DIFFUSION}")
    assert items[-1] == CursorUpdate({"seen": [CHINA, DIFFUSION]})
    # the duplicate link and the look-alike on another site were not fetched
    assert sb.count("/bis/press-release/") == 2


def test_repoll_fetches_only_new_releases(bis):
    sb, src = bis
    cursor = poll(src)[-1].cursor
    sb.reset_log()
    assert poll(src, cursor) == []
    assert sb.count("/bis/press-release/") == 0
    listing = (Path(sb.data_dir) / "bis" / "press-releases.html").read_text()
    listing = listing.replace('<ul class="news-list">', '<ul class="news-list"><li><a href="/press-release/new-guidance">'
                              'New guidance</a></li>')
    sb.route("/bis/press-releases", listing, content_type="text/html")
    sb.route("/bis/press-release/new-guidance",
             "<html><head><meta property='og:title' content='New Guidance &amp; Notes'></head><body><main>"
             "<time datetime='2026-05-31T10:00:00Z'>May 31</time><p>BIS issued guidance on licence requirements "
             "for advanced computing items.</p></main></body></html>", content_type="text/html")
    items = poll(src, cursor)
    assert [i.external_id for i in items if isinstance(i, DocumentRecord)] == ["new-guidance"]
    assert items[0].title == "New Guidance & Notes" and items[0].date == date(2026, 5, 31)
    assert items[-1].cursor["seen"] == ["new-guidance", CHINA, DIFFUSION]
    assert sb.count("/bis/press-release/") == 1


def test_listing_that_stops_yielding_links_is_a_layout_change(bis):
    sb, src = bis
    cursor = poll(src)[-1].cursor
    redesigned = (DATA / "listing-redesigned.html").read_text()
    sb.route("/bis/press-releases", redesigned, content_type="text/html")
    sb.route("/bis/news-updates", redesigned, content_type="text/html")
    with pytest.raises(SourceChanged):
        poll(src, cursor)
    # never seen any: a warning, not a failure
    assert [type(i) for i in poll(src)] == [SourceNote]


def test_second_listing_path_is_tried_when_the_first_is_gone(bis):
    sb, src = bis
    listing = (Path(sb.data_dir) / "bis" / "press-releases.html").read_text()
    sb.route("/bis/press-releases", {"error": "gone"}, status=404)
    sb.route("/bis/news-updates", listing, content_type="text/html")
    recs = [i for i in poll(src) if isinstance(i, DocumentRecord)]
    assert len(recs) == 2
    sb.route("/bis/news-updates", {"error": "gone"}, status=404)
    with pytest.raises(SourceChanged):
        poll(src)


def test_release_page_without_main_content_is_a_layout_change(bis):
    sb, src = bis
    sb.route(f"/bis/press-release/{CHINA}", (DATA / "release-without-main.html").read_text(), content_type="text/html")
    with pytest.raises(SourceChanged):
        poll(src)


def test_listed_release_that_404s_is_skipped(bis):
    sb, src = bis
    sb.route(f"/bis/press-release/{DIFFUSION}", {"error": "gone"}, status=404)
    items = poll(src)
    assert [i.external_id for i in items if isinstance(i, DocumentRecord)] == [CHINA]
    assert items[-1].cursor["seen"] == [CHINA, DIFFUSION]


@pytest.mark.parametrize("kind, status, error", [
    ("status", 429, SourceRateLimited), ("status", 500, SourceUnavailable), ("reset", None, SourceUnavailable),
])
def test_faults(bis, kind, status, error):
    sb, src = bis
    sb.fault("/bis/press-releases", kind, status=status, times=-1)
    with pytest.raises(error):
        poll(src)


def test_release_links_are_same_site_press_release_paths_only():
    root = parse_html(b"<html><body><a href='/press-release/a-b'>x</a><a href='/press-release/a-b/'>dup</a>"
                      b"<a href='https://www.bis.gov/press-release/c'>c</a><a href='https://evil.example/press-release/d'>"
                      b"d</a><a href='/press-release/../../etc'>bad</a><a href='javascript:alert(1)'>j</a>"
                      b"<a href='/about'>about</a></body></html>")
    links = release_links(root, "http://127.0.0.1:1/bis/press-releases")
    assert [slug for slug, _, _ in links] == ["a-b", "c"]


def test_html_is_parsed_without_entities_or_network():
    page = (b'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><html><body><main><p>before &xxe; after'
            b'</p><script>steal()</script></main></body></html>')
    text = html_to_text(page)
    assert "root:" not in text and "steal" not in text and "before" in text
    assert html_to_text("<b>A</b> &amp; B &lt;!channel&gt;") == "A & B <!channel>"
    with pytest.raises(SourceChanged):
        parse_html(b"   ")


def test_parse_release_reads_time_element_when_no_metadata():
    page = (b"<html><body><article><h1>Title Here</h1><time datetime='2025-12-01'>Dec 1</time>"
            b"<p>Body text that is long enough to count as a release body.</p></article></body></html>")
    parsed = parse_release(page, "https://www.bis.gov/press-release/title-here")
    assert (parsed["title"], parsed["date"]) == ("Title Here", date(2025, 12, 1))
