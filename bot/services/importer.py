"""``legiswatch import PATH…``: local files recorded as a poll would record them.

A govinfo BILLSTATUS XML file becomes the same ``BillRecord`` a Congress.gov poll produces
(``scrapers.billstatus``); a bill text XML file (bill DTD or USLM) a ``bill_text`` document
(``scrapers.billtext.parse_bill_text``); a Federal Register document JSON (the API's document
object) an ``fr_document``. They go through ``Repo.record`` like a poll's batch — versions,
actions, stages, changes, all idempotent — but an import never alerts (its changes are marked
``imported`` and ``route_alerts`` passes them by) and never touches the watchlist. Each version
records where it came from: the file's ``file://`` URL and the source ``billstatus`` / ``file``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.services.context import Context
from scrapers.billstatus import parse_billstatus
from scrapers.billtext import parse_bill_text, passages, render_text
from scrapers.errors import LegiswatchError
from scrapers.federal_register import document_record
from scrapers.ids import parse_bill_id
from scrapers.records import BILL, BILL_TEXT, BillRecord, DocumentRecord, billtext_to_dict
from scrapers.xmlsafe import parse_xml, strip_ns

log = logging.getLogger(__name__)
FILE_SOURCE = "file"


@dataclass
class Imported:
    path: str
    kind: str = ""            # billstatus | bill_text | fr_document
    id: str = ""              # hr2471-117, hr2471-117-enr, 2024-02812
    changes: int = 0
    actions: int = 0
    stage: str | None = None
    error: str = ""
    unreadable: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class ImportReport:
    files: list[Imported] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(f.unreadable for f in self.files):
            return 2
        return 1 if any(not f.ok for f in self.files) else 0


def read_file(path: Path) -> tuple[str, BillRecord | DocumentRecord]:
    """(kind, record) for one local file; ``LegiswatchError`` when it is none of the known kinds."""
    data = path.read_bytes()
    url = path.resolve().as_uri()
    head = data.lstrip()[:1]
    if head == b"{":
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise LegiswatchError(f"{path.name}: not valid JSON ({exc})") from None
        if not isinstance(doc, dict) or "document_number" not in doc:
            raise LegiswatchError(f"{path.name}: JSON without a Federal Register document_number")
        rec = document_record(doc, [])
        rec.fetched_url, rec.source = url, FILE_SOURCE
        rec.meta = {**rec.meta, "imported_from": url}
        return "fr_document", rec
    root = parse_xml(data, source=path.name)
    if strip_ns(root.tag) == "billStatus":
        record = parse_billstatus(data, url=url)
        return "billstatus", record
    bt = parse_bill_text(data, source=path.name, name=path.name)
    bill = parse_bill_id(bt.bill_id)
    stage = bt.stage or bt.version_code.upper()
    rec = DocumentRecord(
        kind=BILL_TEXT, external_id=bill.version(bt.version_code), title=f"{bill.display} — {stage} "
        f"({bt.version_code.upper()})", url=url, source=FILE_SOURCE, content=billtext_to_dict(bt),
        text=render_text(bt), raw=data,
        meta={"version_code": bt.version_code.lower(), "stage": stage, "short_title": bt.short_title,
              "official_title": bt.title, "schema": bt.schema, "xml_url": url, "imported_from": url},
        date=bt.date, parent=(BILL, str(bill)), passages=passages(bt), fetched_url=url)
    return "bill_text", rec


def import_paths(ctx: Context, paths: list[str]) -> ImportReport:
    """Record each file in its own transaction; one failing file never stops the others."""
    report = ImportReport()
    for name in paths:
        item = Imported(path=name)
        report.files.append(item)
        path = Path(name)
        try:
            kind, record = read_file(path)
        except OSError as exc:
            item.error, item.unreadable = f"cannot read: {exc.strerror or exc}", True
            continue
        except LegiswatchError as exc:
            item.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            continue
        item.kind = kind
        item.id = record.bill_id if isinstance(record, BillRecord) else record.external_id
        if isinstance(record, BillRecord):
            item.actions = len(record.actions or [])
        try:
            changes = ctx.repo.record([record], ctx.analyzer)
        except LegiswatchError as exc:
            item.error = str(exc).splitlines()[0]
            continue
        for change in changes:
            ctx.repo.update_change(change.id, detail={"imported": True, "imported_from": path.resolve().as_uri()})
        item.changes = len(changes)
        if isinstance(record, BillRecord):
            stored = ctx.repo.bill(record.bill_id)
            item.stage = stored["stage"] if stored else None
        log.info("imported %s (%s %s): %d changes", name, kind, item.id, item.changes)
    return report
