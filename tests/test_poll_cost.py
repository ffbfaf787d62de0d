"""A poll's database work grows with what the sources returned, never with what is stored.

The real pipeline (``poll_source``, as ``legiswatch poll`` and the scheduler run it, ``build_watch``
included) polls the government sandbox; SQL statements are counted with a SQLAlchemy
``before_cursor_execute`` listener. After the first poll stores what the sandbox serves, an idle
poll is measured; then many more watched-and-stored bills (copies of the stored one) and stored
Federal Register documents are added, and the idle poll must issue exactly as many statements.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event
from sqlmodel import Session, select

from bot.services.config import Settings
from bot.services.context import Context
from bot.services.pipeline import poll_source
from scrapers.govinfo import bill_pattern, type_pattern
from scrapers.ids import parse_bill_id
from storage.models import Bill, Document, DocumentVersion, TextVersion

SOURCES = ("congress", "federal_register", "public_inspection")
WATCHED = "hr2683-119"


@contextmanager
def counting(engine):
    seen: list[str] = []

    def _count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def idle_statements(ctx: Context) -> dict[str, int]:
    out = {}
    for name in SOURCES:
        with counting(ctx.repo.engine) as seen:
            report = poll_source(ctx, name)
        assert report.ok, report.error
        assert not report.changes, f"{name} was not idle: {report.changes}"
        out[name] = len(seen)
    return out


def add_stored(ctx: Context, bills: int, fr_docs: int) -> None:
    """Clone the stored bill ``bills`` times (each watched, with its detail and text version) and
    store ``fr_docs`` Federal Register documents with text."""
    with Session(ctx.repo.engine) as s:
        bill = s.get(Bill, WATCHED)
        doc = s.get(Document, bill.document_id)
        version = s.get(DocumentVersion, doc.latest_version_id)
        texts = s.exec(select(TextVersion).where(TextVersion.bill_id == WATCHED)).all()
        for k in range(bills):
            number = 7000 + k
            bid = f"hr{number}-119"
            d = Document(kind="bill", external_id=bid, title=doc.title, url=doc.url, source=doc.source,
                         doc_date=doc.doc_date)
            s.add(d)
            s.flush()
            content = json.loads(version.content_json)
            content["number"] = str(number)
            v = DocumentVersion(document_id=d.id, seq=1, content_sha256=f"{k:064d}", content_json=json.dumps(content),
                                text=version.text, meta_json=version.meta_json)
            s.add(v)
            s.flush()
            d.latest_version_id = v.id
            s.add(Bill(**{**bill.model_dump(), "id": bid, "number": number, "document_id": d.id}))
            s.flush()
            for t in texts:
                s.add(TextVersion(bill_id=bid, code=t.code, name=t.name, version_date=t.version_date,
                                  xml_url=t.xml_url, document_id=t.document_id))
        for k in range(fr_docs):
            d = Document(kind="fr_document", external_id=f"2020-{k:05d}", title=f"Old rule {k}", url="", source="fr")
            s.add(d)
            s.flush()
            v = DocumentVersion(document_id=d.id, seq=1, content_sha256=f"f{k:063d}", content_json="{}",
                                text=f"Old rule {k} text " * 50, meta_json=json.dumps({"has_text": True}))
            s.add(v)
            s.flush()
            d.latest_version_id = v.id
        s.commit()
    for k in range(bills):
        ctx.repo.add_watch("bill", f"hr{7000 + k}-119", actor="test")


def test_idle_poll_statements_do_not_grow_with_what_is_stored(db_url, gov_sandbox):
    settings = Settings(db_url=db_url, watchlist="none.toml", congress_api_key="test-key", **gov_sandbox.base_urls())
    ctx = Context(settings=settings, now_override=datetime(2026, 2, 11, 15, 0, tzinfo=UTC))
    ctx.repo.add_watch("bill", WATCHED, actor="test")
    ctx.repo.add_watch("agency", "industry-and-security-bureau", actor="test")
    for name in SOURCES:                      # the first poll stores what the sandbox serves
        assert poll_source(ctx, name).ok
    assert ctx.repo.bill(WATCHED) is not None
    assert ctx.repo.counts()["documents"] > 1

    small = idle_statements(ctx)
    assert idle_statements(ctx) == small      # an idle poll is repeatable
    add_stored(ctx, bills=60, fr_docs=400)
    assert len(ctx.repo.watch_items("bill")) == 61
    large = idle_statements(ctx)
    assert large == small, (small, large)
    ctx.close()


def test_known_bills_is_what_the_per_bill_reads_gave(db_url, gov_sandbox):
    """The set-based watch state equals, for the stored bill, what storing its record leaves."""
    settings = Settings(db_url=db_url, watchlist="none.toml", congress_api_key="test-key", **gov_sandbox.base_urls())
    ctx = Context(settings=settings, now_override=datetime(2026, 2, 11, 15, 0, tzinfo=UTC))
    ctx.repo.add_watch("bill", WATCHED, actor="test")
    assert poll_source(ctx, "congress").ok
    (entry,) = ctx.repo.known_bills([WATCHED, "s9999-119"]).values()
    card = ctx.repo.bill(WATCHED)
    detail = ctx.repo.get_document("bill", WATCHED)["content"]
    la = card["latest_action"]
    assert entry["latest_action"] == f"{la['date'].isoformat()}|{la['text']}"
    assert entry["counts"]["actions"] == detail["actions"]["count"]
    assert entry["text_versions"] == sorted(t["code"] for t in card["text_versions"] if t["stored"])
    assert entry["text_versions"], "the sandbox bill has stored text"
    assert entry["update_date"] == card["update_date"]
    ctx.close()


def test_one_pattern_per_type_finds_what_one_pattern_per_bill_finds():
    """The Record scan matches each bill type once (the number captured) — the same bills the
    per-bill patterns find, on the spellings and near-misses the Record has."""
    texts = ["H.R. 2683 and H.R.2684, also H. R. 12", "S. 5 and S.50; not S.500x but S.Con.Res. 3",
             "H.Res. 7 passed; H.R. 26830 is another bill", "the Senate (S. 9) and HR 2683", "no bills"]
    bills = ["hr2683-119", "hr2684-119", "hr12-119", "hr26-119", "s5-119", "s50-119", "s500-119",
             "sconres3-119", "hres7-119", "s9-119", "hr26830-119"]
    for text in texts:
        per_bill = {b for b in bills if bill_pattern(parse_bill_id(b)).search(text)}
        per_type = set()
        for b in bills:
            bid = parse_bill_id(b)
            per_type |= {b for m in type_pattern(bid.type).finditer(text) if int(m.group("n")) == bid.number}
        assert per_type == per_bill, text
    assert {b for b in bills if bill_pattern(parse_bill_id(b)).search(texts[0])} == {"hr2683-119", "hr2684-119",
                                                                                      "hr12-119"}
