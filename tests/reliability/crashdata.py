"""A larger sandbox dataset for the crash trials, generated from the bundled flagship data.

The bundled data is copied, then extended with ``n_bills`` more watched House bills (clones of
H.R. 2683's Congress.gov answers and its IH/EH bill XML, each with its own number and short
title) and ``n_fr`` more Federal Register documents of the watched agency (clones of the bundled
answers and FR XML, each with its own document number). Every date is shifted so the story is
recent relative to ``today``: new text versions, a House passage and final rules then make high,
fresh changes, so alerts are queued (and delivered to the console) during the poll.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

from bot.sandbox import DATA_DIR
from scrapers.ids import current_congress

STORY_DAY = date(2026, 1, 14)         # the flagship's last update in the bundled data
_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
AGENCY = "industry-and-security-bureau"


def shift_dates(text: str, delta: timedelta) -> str:
    def move(m: re.Match) -> str:
        try:
            return (date(int(m[1]), int(m[2]), int(m[3])) + delta).isoformat()
        except ValueError:
            return m[0]
    return _DATE.sub(move, text)


def _clone_bill(text: str, number: int, congress: int, delta: timedelta) -> str:
    text = shift_dates(text, delta)
    text = re.sub(r"(?<![\d-])2683(?!\d)", str(number), text)
    text = text.replace("Remote Access Security Act", f"Generated Access Act {number}")
    if congress != 119:
        text = re.sub(r"(?<![\d-])119(?!\d)", str(congress), text)
    return text


def _fr_name(params: list[tuple[str, str]]) -> str:
    return "documents.json@" + "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in sorted(params))


def build(root: Path, today: date, *, n_bills: int = 16, n_fr: int = 50) -> Path:
    """Write the dataset under ``root``; returns the watchlist TOML that watches all of it."""
    shutil.copytree(DATA_DIR, root, dirs_exist_ok=True)
    congress = current_congress(today)
    delta = today - STORY_DAY - timedelta(days=1)
    src = DATA_DIR / "congress" / "v3" / "bill" / "119"
    bills_dir = root / "congress" / "v3" / "bill" / str(congress)
    list_rows = []
    numbers = [6000 + i for i in range(n_bills)]
    for n in numbers:
        detail = _clone_bill((src / "hr" / "2683.json").read_text(), n, congress, delta)
        (bills_dir / "hr").mkdir(parents=True, exist_ok=True)
        (bills_dir / "hr" / f"{n}.json").write_text(detail)
        (bills_dir / "hr" / str(n)).mkdir(parents=True, exist_ok=True)
        for part in (src / "hr" / "2683").iterdir():
            (bills_dir / "hr" / str(n) / part.name).write_text(_clone_bill(part.read_text(), n, congress, delta))
        bill = json.loads(detail)["bill"]
        list_rows.append({k: bill[k] for k in ("congress", "number", "type", "title", "latestAction", "updateDate",
                                                "updateDateIncludingText", "originChamber")})
        for code in ("ih", "eh", "rfs"):
            xml = (DATA_DIR / "govinfo" / "content" / "pkg" / f"BILLS-119hr2683{code}" / "xml" /
                   f"BILLS-119hr2683{code}.xml").read_text()
            stem = f"{congress}hr{n}{code}"
            out = root / "govinfo" / "content" / "pkg" / f"BILLS-{stem}" / "xml" / f"BILLS-{stem}.xml"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_clone_bill(xml, n, congress, delta).replace("H. R. 2683", f"H. R. {n}"))
    listing = bills_dir.parent / f"{congress}.json"
    old = json.loads(listing.read_text())["bills"] if listing.is_file() else []
    rows = [json.loads(shift_dates(json.dumps(r), delta)) for r in old] + list_rows
    listing.write_text(json.dumps({"bills": rows, "pagination": {"count": len(rows)}}))
    _fr(root, today, n_fr)
    watchlist = root.parent / "watchlist.toml"
    bills = ", ".join(f'"hr{n}-{congress}"' for n in numbers)
    watchlist.write_text(f'bills = ["H.R. 2683 (119th)", "S. 3519 (119th)", {bills}]\n'
                         f'agencies = ["{AGENCY}"]\nterms = ["remote access", "export controls"]\nfeeds = []\n')
    return watchlist


def _fr(root: Path, today: date, n: int) -> None:
    """The watched agency's search answers ``n`` documents over two pages, each with its FR XML."""
    api = root / "fr" / "api" / "v1"
    templates = []
    for f in sorted(api.glob("documents.json@*")):
        templates += json.loads(f.read_text()).get("results") or []
    xml_templates = [p.read_text() for p in sorted((DATA_DIR / "fr" / "documents" / "full_text" / "xml").rglob("*.xml"))]
    docs = []
    for i in range(n):
        t = dict(templates[i % len(templates)])
        day = today - timedelta(days=i % 6)
        number = f"{day.year}-{20000 + i:05d}"
        path = f"documents/full_text/xml/{day:%Y/%m/%d}/{number}.xml"
        xml = xml_templates[i % len(xml_templates)]
        xml = re.sub(r"\b20\d\d-\d{5}\b", number, xml).replace("<P>", f"<P>Generated rule {number}. ", 1)
        (root / "fr" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "fr" / path).write_text(xml)
        t.update(document_number=number, title=f"{t.get('title', 'Rule')} ({number})", type=("Rule", "Proposed Rule")[i % 2],
                 publication_date=day.isoformat(), full_text_xml_url=f"https://www.federalregister.gov/{path}",
                 raw_text_url=None, correction_of=None, effective_on=(day + timedelta(days=30)).isoformat(),
                 comments_close_on=(day + timedelta(days=60)).isoformat() if i % 2 else None,
                 html_url=f"https://www.federalregister.gov/documents/{day:%Y/%m/%d}/{number}/generated")
        docs.append(t)
    for f in api.glob("documents.json@*"):
        f.unlink()
    half = (n + 1) // 2
    first = {"count": n, "total_pages": 2, "results": docs[:half],
             "next_page_url": "https://www.federalregister.gov/api/v1/documents.json?page=2"}
    second = {"count": n, "total_pages": 2, "results": docs[half:]}
    (api / _fr_name([("conditions[agencies][]", AGENCY)])).write_text(json.dumps(first))
    (api / _fr_name([("conditions[agencies][]", AGENCY), ("page", "2")])).write_text(json.dumps(second))
