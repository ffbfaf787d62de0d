"""Rebuild the sandbox's govinfo BILLSTATUS bulk data from the sandbox's Congress.gov files.

The sandbox's Congress.gov JSON for the demo's bills is itself reconstructed (see
``bot/sandbox/data/RECONSTRUCTED.md``). govinfo's BILLSTATUS XML carries the same record — the
detail with every list inline — so each bill's XML is written from the same JSON, in the
current ("future") BILLSTATUS shape (``<number>``/``<type>``, lists as ``<item>``s,
``recordedVotes/recordedVote``, ``summaries/summary``), and the two sitemap levels govinfo
publishes (``sitemap/bulkdata/BILLSTATUS/sitemapindex.xml`` → one ``urlset`` per Congress and
type, each ``<url>`` with its ``<lastmod>``) list them. Run: ``python bench/make_bulk_sandbox.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

DATA = Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "data"
BILLS = (("118", "hr", "8152"), ("119", "hr", "2683"), ("119", "s", "3519"))
PARTS = {"actions": "actions", "text": "textVersions", "committees": "committees", "titles": "titles",
         "cosponsors": "cosponsors", "summaries": "summaries", "relatedbills": "relatedBills"}
LIST_CHILD = {"recordedVotes": "recordedVote", "summaries": "summary"}
SITE = "https://www.govinfo.gov"
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# BILLSTATUS files are regenerated a few hours after Congress.gov's update (reconstructed lag)
LASTMOD_LAG = "T13:"


def element(name: str, value, indent: int) -> str:
    pad = "  " * indent
    if value is None:
        return f"{pad}<{name}/>\n"
    if isinstance(value, list):
        child = LIST_CHILD.get(name, "item")
        inner = "".join(element(child, v, indent + 1) for v in value)
        return f"{pad}<{name}>\n{inner}{pad}</{name}>\n" if inner else f"{pad}<{name}/>\n"
    if isinstance(value, dict):
        inner = "".join(element(k, v, indent + 1) for k, v in value.items() if k != "url" or indent > 2)
        return f"{pad}<{name}>\n{inner}{pad}</{name}>\n"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"{pad}<{name}>{escape(str(value))}</{name}>\n"


def billstatus(congress: str, btype: str, number: str) -> tuple[str, str]:
    base = DATA / "congress" / "v3" / "bill" / congress / btype
    detail = json.loads((base / f"{number}.json").read_text())["bill"]
    bill = {k: v for k, v in detail.items()
            if not (isinstance(v, dict) and "count" in v) and k not in ("legislationUrl",)}
    for part, key in PARTS.items():
        bill[key] = json.loads((base / number / f"{part}.json").read_text())[key]
    body = "".join(element(k, v, 2) for k, v in bill.items())
    xml = ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<billStatus>\n  <version>3.0.0</version>\n'
           f'  <bill>\n{body}  </bill>\n  <dublinCore xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
           '    <dc:format>text/xml</dc:format>\n    <dc:language>EN</dc:language>\n'
           '    <dc:rights>Pursuant to Title 17 Section 105 of the United States Code, this file is not subject to '
           'copyright protection and is in the public domain.</dc:rights>\n'
           '    <dc:contributor>Congressional Research Service, Library of Congress</dc:contributor>\n'
           '    <dc:description>This file contains bill summaries and statuses for federal legislation. A bill '
           'summary describes the most significant provisions of a piece of legislation and details the effects '
           'the legislative text may have on current law and federal programs.</dc:description>\n'
           '  </dublinCore>\n</billStatus>\n')
    lastmod = detail["updateDate"].replace("T", LASTMOD_LAG, 1)[:13] + ":30:00.000Z" \
        if "T" in detail["updateDate"] else detail["updateDate"]
    return xml, lastmod


def main() -> None:
    groups: dict[str, list[tuple[str, str]]] = {}
    for congress, btype, number in BILLS:
        xml, lastmod = billstatus(congress, btype, number)
        name = f"BILLSTATUS-{congress}{btype}{number}.xml"
        out = DATA / "govinfo" / "bulkdata" / "BILLSTATUS" / congress / btype / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(xml, encoding="utf-8")
        groups.setdefault(f"{congress}{btype}", []).append(
            (f"{SITE}/bulkdata/BILLSTATUS/{congress}/{btype}/{name}", lastmod))
    root = DATA / "govinfo" / "sitemap" / "bulkdata" / "BILLSTATUS"
    index = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">']
    for group, urls in sorted(groups.items()):
        urls.sort()
        newest = max(m for _, m in urls)
        lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">']
        lines += [f"  <url>\n    <loc>{loc}</loc>\n    <lastmod>{m}</lastmod>\n  </url>" for loc, m in urls]
        lines.append("</urlset>\n")
        (root / group).mkdir(parents=True, exist_ok=True)
        (root / group / "sitemap.xml").write_text("\n".join(lines), encoding="utf-8")
        index.append(f"  <sitemap>\n    <loc>{SITE}/sitemap/bulkdata/BILLSTATUS/{group}/sitemap.xml</loc>\n"
                     f"    <lastmod>{newest}</lastmod>\n  </sitemap>")
    index.append("</sitemapindex>\n")
    (root / "sitemapindex.xml").write_text("\n".join(index), encoding="utf-8")


if __name__ == "__main__":
    main()
