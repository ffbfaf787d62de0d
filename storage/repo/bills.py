"""Typed bill tables: the bill, its actions, cosponsors, committees, text versions, related bills
and the stages it reached. Recording a ``BillRecord`` diffs each part against what is stored."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from scrapers import stage_names
from scrapers.congress_parse import detail_counts
from scrapers.ids import DISPLAY_TYPES, parse_bill_id
from scrapers.records import (
    ACTION,
    BILL,
    SUMMARY,
    ActionRecord,
    BillRecord,
    DocumentRecord,
    Passage,
)
from storage.models import (
    Bill,
    BillAction,
    BillCommittee,
    BillStage,
    Change,
    Cosponsor,
    Document,
    DocumentVersion,
    RelatedBill,
    TextVersion,
)
from storage.repo.base import dumps

_CHUNK = 500                               # ids per IN (...) list: well under SQLite's variable limit
STAGE_ORDER = list(stage_names.ORDER)      # kept for callers; the vocabulary is scrapers/stage_names.py


class BillsMixin:
    def _record_bill(self, s: Session, rec: BillRecord, analyzer) -> list[Change]:
        out: list = []
        content = {k: v for k, v in rec.raw.items() if k not in ("request",)} if rec.raw else {
            "title": rec.title, "update_date": rec.update_date}
        doc_rec = DocumentRecord(kind=BILL, external_id=rec.bill_id, title=rec.title, url=rec.url,
                                 source=(rec.raw or {}).get("source") or "congress",
                                 content=content, text=rec.title, raw=None, meta={"short_title": rec.short_title},
                                 date=rec.introduced, fetched_url=rec.api_url, passages=[Passage(
                                     anchor="", heading=rec.title, text=_bill_blurb(rec))])
        doc = self._upsert_document(s, doc_rec)
        self._add_version(s, doc, doc_rec)
        bill = s.get(Bill, rec.bill_id) or Bill(id=rec.bill_id, congress=rec.congress, type=rec.type,
                                                 number=rec.number, title=rec.title)
        bill.title = rec.title or bill.title
        bill.short_title = rec.short_title or bill.short_title or ""
        bill.introduced = rec.introduced or bill.introduced
        bill.origin_chamber = rec.origin_chamber or bill.origin_chamber
        if rec.sponsor:
            bill.sponsor_json = dumps(rec.sponsor)
        bill.policy_area = rec.policy_area or bill.policy_area
        if rec.latest_action:
            bill.latest_action_date = rec.latest_action.date
            bill.latest_action_text = rec.latest_action.text
        bill.update_date = rec.update_date or bill.update_date
        bill.update_date_including_text = rec.update_date_including_text or bill.update_date_including_text
        bill.url = rec.url or bill.url
        bill.as_of = self.now()
        bill.document_id = doc.id
        s.add(bill)
        s.flush()
        self._record_names(s, bill)
        bid = rec.bill_id
        if rec.actions is not None:
            out += self._record_actions(s, bill, doc, rec.actions, analyzer)
        if rec.cosponsors is not None:
            out += self._record_cosponsors(s, bill, doc, rec, analyzer)
        if rec.committees is not None:
            for c in rec.committees:
                row = s.exec(select(BillCommittee).where(BillCommittee.bill_id == bid,
                                                         BillCommittee.system_code == c.system_code)).first()
                known = set(map(tuple, json.loads(row.activities_json))) if row else set()
                acts = [(a, d.isoformat() if d else None) for a, d in c.activities]
                row = row or BillCommittee(bill_id=bid, system_code=c.system_code, name=c.name)
                row.name, row.chamber, row.activities_json = c.name, c.chamber, dumps(acts)
                s.add(row)
                for act, d in acts:
                    if (act, d) not in known:
                        out.append(self._change(
                            s, analyzer, key=analyzer.change_key("committee", bid, c.system_code, act, d), kind="committee",
                            doc=doc, subject=bid, bill_id=bid,
                            headline=analyzer.headline("committee", short=_short(bill), activity=act, committee=c.name),
                            detail={"committee": c.name, "activity": act, "date": d},
                            change_date=date.fromisoformat(d) if d else None))
        if rec.text_versions is not None:
            for tv in rec.text_versions:
                row = s.exec(select(TextVersion).where(TextVersion.bill_id == bid, TextVersion.code == tv.code)).first()
                row = row or TextVersion(bill_id=bid, code=tv.code)
                row.name, row.version_date, row.xml_url = tv.name, tv.date, tv.xml_url or row.xml_url
                s.add(row)
        if rec.related is not None:
            for r in rec.related:
                if self.insert_ignore(s, RelatedBill, dict(bill_id=bid, related_id=r.bill_id, title=r.title,
                                                           relationship=r.relationship, identified_by=r.identified_by),
                                      ["bill_id", "related_id"]):
                    out.append(self._change(
                        s, analyzer, key=analyzer.change_key("related_bill", bid, r.bill_id), kind="related_bill", doc=doc,
                        subject=bid, bill_id=bid, headline=analyzer.headline(
                            "related_bill", short=_short(bill), related=r.bill_id, relationship=r.relationship),
                        detail={"related": r.bill_id, "title": r.title, "relationship": r.relationship},
                        change_date=None))
        if rec.summaries is not None:
            for sm in rec.summaries:
                srec = DocumentRecord(kind=SUMMARY, external_id=f"{bid}:summary:{sm.version_code}",
                                      title=f"CRS summary of {_short(bill)} ({sm.action_desc})", url=bill.url,
                                      source="congress", content={"text": sm.text}, text=sm.text,
                                      meta={"version_code": sm.version_code, "action_desc": sm.action_desc,
                                            "update_date": sm.update_date},
                                      date=sm.action_date, parent=(BILL, bid))
                sdoc = self._upsert_document(s, srec)
                v = self._add_version(s, sdoc, srec)
                if v is not None:
                    out.append(self._change(
                        s, analyzer, key=analyzer.change_key("summary", bid, sm.version_code, v.content_sha256[:16]),
                        kind="summary", doc=sdoc, subject=bid, bill_id=bid,
                        headline=analyzer.headline("summary", short=_short(bill), action_desc=sm.action_desc),
                        detail={"version_code": sm.version_code, "action_desc": sm.action_desc},
                        change_date=sm.action_date, to_version=v.id))
            latest = max(rec.summaries, key=lambda x: (x.action_date or date.min, x.update_date), default=None)
            if latest:
                bill.crs_summary = latest.text
                s.add(bill)
        out += self._record_stages(s, bill, doc, analyzer)
        return out

    def _record_actions(self, s, bill: Bill, doc: Document, actions: list[ActionRecord], analyzer) -> list:
        out = []
        for a in actions:
            stage, procedural = analyzer.classify_action(a)
            if not self.insert_ignore(s, BillAction, dict(
                    bill_id=bill.id, action_key=a.key, action_date=a.date, text=a.text, code=a.code, type=a.type,
                    chamber=a.chamber, procedural=procedural, stage=stage, votes_json=dumps(a.votes)),
                    ["bill_id", "action_key"]):
                continue
            arec = DocumentRecord(kind=ACTION, external_id=f"{bill.id}:{a.key}", title=f"{_short(bill)} action {a.date}",
                                  url=bill.url, source=a.source or "congress", content={"date": a.date, "text": a.text},
                                  text=a.text, date=a.date, parent=(BILL, bill.id),
                                  meta={"source": a.source or "congress", "codes": a.codes, "texts": a.texts})
            adoc = self._upsert_document(s, arec)
            self._add_version(s, adoc, arec)
            out.append(self._change(
                s, analyzer, key=analyzer.change_key("action", bill.id, a.key), kind="action", doc=doc, subject=bill.id,
                bill_id=bill.id, headline=analyzer.headline("action", short=_short(bill), text=a.text),
                detail={"text": a.text, "date": a.date, "procedural": procedural, "code": a.code,
                        "votes": a.votes, "chamber": a.chamber},
                change_date=a.date, facts={"procedural": procedural}))
        return out

    def _record_cosponsors(self, s, bill: Bill, doc: Document, rec: BillRecord, analyzer) -> list:
        stored = {c.bioguide_id: c for c in s.exec(select(Cosponsor).where(Cosponsor.bill_id == bill.id))}
        added, withdrawn = [], []
        for c in rec.cosponsors:
            row = stored.get(c.bioguide_id)
            if row is None:
                row = Cosponsor(bill_id=bill.id, bioguide_id=c.bioguide_id, name=c.name)
                if not c.withdrawn_date:
                    added.append(c)
            elif c.withdrawn_date and not row.withdrawn_date:
                withdrawn.append(c)
            row.name, row.party, row.state, row.district = c.name, c.party, c.state, c.district
            row.sponsorship_date, row.original, row.withdrawn_date = c.sponsorship_date, c.original, c.withdrawn_date
            s.add(row)
        if not added and not withdrawn:
            return []
        names = sorted(c.bioguide_id for c in added) + sorted(f"-{c.bioguide_id}" for c in withdrawn)
        parts = []
        if added:
            parts.append(f"{len(added)} cosponsor{'s' if len(added) > 1 else ''} added")
        if withdrawn:
            parts.append(f"{len(withdrawn)} withdrawn")
        when = max((c.sponsorship_date or c.withdrawn_date for c in added + withdrawn
                    if (c.sponsorship_date or c.withdrawn_date)), default=None)
        return [self._change(
            s, analyzer, key=analyzer.change_key("cosponsors", bill.id, "|".join(names))[:300], kind="cosponsors", doc=doc,
            subject=bill.id, bill_id=bill.id, headline=analyzer.headline("cosponsors", short=_short(bill),
                                                                          parts=", ".join(parts)),
            detail={"added": [_member(c) for c in added], "withdrawn": [_member(c) for c in withdrawn]},
            change_date=when)]

    def _record_stages(self, s, bill: Bill, doc: Document, analyzer) -> list:
        rows = s.exec(select(BillAction).where(BillAction.bill_id == bill.id).order_by(BillAction.action_date,
                                                                                     BillAction.id)).all()
        actions = [_action(r) for r in rows]
        out = []
        stages = analyzer.stages(actions, bill.type) if actions else []
        derived = {stage: (n, when) for n, (stage, when) in enumerate(stages)}
        for row in s.exec(select(BillStage).where(BillStage.bill_id == bill.id)).all():
            # re-derived by a better classifier: a stage no longer reached goes, a date moves; the
            # change already recorded for it stays (history) and is never alerted again (same key)
            if row.stage not in derived:
                s.delete(row)
            elif (row.ordinal, row.stage_date) != derived[row.stage]:
                row.ordinal, row.stage_date = derived[row.stage]
                s.add(row)
        s.flush()
        for n, (stage, when) in enumerate(stages):
            inserted = self.insert_ignore(s, BillStage, dict(bill_id=bill.id, stage=stage, stage_date=when, ordinal=n),
                                          ["bill_id", "stage"])
            if inserted:
                act = next((r for r in rows if r.action_date == when
                            and analyzer.classify_action(_action(r))[0] == stage), None) \
                    or next((r for r in rows if r.stage == stage), None)
                votes = json.loads(act.votes_json) if act else []
                tally = analyzer.vote(act.text, votes) if act else None
                if not tally and act and "voice vote" in act.text.lower():
                    tally = "by voice vote"
                out.append(self._change(
                    s, analyzer, key=analyzer.change_key("stage", bill.id, stage), kind="stage", doc=doc, subject=bill.id,
                    bill_id=bill.id, headline=analyzer.stage_headline(_short(bill), stage, tally),
                    detail={"stage": stage, "date": when, "votes": votes, "tally": tally,
                            "action": act.text if act else None},
                    change_date=when, facts={"stage": stage}))
        if stages:
            bill.stage, bill.stage_date = stages[-1]
            s.add(bill)
        return out

    # ---- queries --------------------------------------------------------------------------
    def bill(self, bill_id: str) -> dict | None:
        """Everything the status card shows, as plain data."""
        with self.tx() as s:
            b = s.get(Bill, bill_id)
            if b is None:
                return None
            q = lambda m: s.exec(select(m).where(m.bill_id == bill_id)).all()  # noqa: E731
            actions = sorted(q(BillAction), key=lambda a: (a.action_date, a.id))
            stages = sorted(q(BillStage), key=lambda x: x.ordinal)
            return {
                "id": b.id, "congress": b.congress, "type": b.type, "number": b.number, "title": b.title,
                "short_title": b.short_title, "introduced": b.introduced, "origin_chamber": b.origin_chamber,
                "sponsor": json.loads(b.sponsor_json or "{}"), "policy_area": b.policy_area,
                "stage": b.stage, "stage_date": b.stage_date,
                "stages": [{"stage": x.stage, "date": x.stage_date} for x in stages],
                "latest_action": {"date": b.latest_action_date, "text": b.latest_action_text}
                if b.latest_action_text else None,
                "actions": [{"date": a.action_date, "text": a.text, "code": a.code, "chamber": a.chamber,
                             "procedural": a.procedural, "stage": a.stage, "votes": json.loads(a.votes_json)}
                            for a in actions],
                "cosponsors": [{"bioguide_id": c.bioguide_id, "name": c.name, "party": c.party, "state": c.state,
                                "district": c.district, "date": c.sponsorship_date, "original": c.original,
                                "withdrawn": c.withdrawn_date} for c in q(Cosponsor)],
                "committees": [{"code": c.system_code, "name": c.name, "chamber": c.chamber,
                                "activities": json.loads(c.activities_json)} for c in q(BillCommittee)],
                "text_versions": [{"code": t.code, "name": t.name, "date": t.version_date, "url": t.xml_url,
                                   "id": f"{bill_id}-{t.code}", "stored": t.document_id is not None}
                                  for t in sorted(q(TextVersion), key=lambda t: (t.version_date or date.min, t.id))],
                "related": [{"id": r.related_id, "title": r.title, "relationship": r.relationship,
                             "identified_by": r.identified_by} for r in q(RelatedBill)],
                "crs_summary": b.crs_summary, "url": b.url, "as_of": b.as_of,
                "update_date": b.update_date, "update_date_including_text": b.update_date_including_text,
            }

    def bills(self) -> list[dict]:
        with self.tx() as s:
            return [{"id": b.id, "title": b.title, "short_title": b.short_title, "stage": b.stage,
                     "congress": b.congress} for b in s.exec(select(Bill).order_by(Bill.id))]

    def bills_by_title(self, words: list[str], *, limit: int = 20) -> tuple[list[dict], int]:
        """Stored bills whose title or short title contains every word (case-insensitive), newest
        Congress first, at most ``limit`` — one query in the database, never a scan in Python.
        Returns (matches, how many matched in all)."""
        words = [w for w in words if w][:8]
        if not words:
            return [], 0
        conds = []
        for w in words:
            pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conds.append(col(Bill.title).ilike(pattern, escape="\\")
                         | col(Bill.short_title).ilike(pattern, escape="\\"))
        with self.tx() as s:
            total = s.exec(select(func.count()).select_from(Bill).where(*conds)).one()
            rows = s.exec(select(Bill.id, Bill.congress, Bill.title, Bill.short_title, Bill.stage).where(*conds)
                          .order_by(col(Bill.congress).desc(), Bill.type, Bill.number).limit(limit)).all()
        return [{"id": r[0], "congress": r[1], "title": r[2], "short_title": r[3], "stage": r[4]} for r in rows], total

    def known_bills(self, bill_ids) -> dict[str, dict]:
        """What the Congress scraper needs to poll incrementally: stored update dates, text versions,
        and from the stored detail its sub-resource counts and latest action (so an incremental poll
        refetches only the parts that changed). Three set queries per 500 bills, whatever is stored."""
        ids = list(dict.fromkeys(bill_ids))
        out: dict[str, dict] = {}
        with self.tx() as s:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                rows = s.exec(select(Bill.id, Bill.update_date, Bill.update_date_including_text, Bill.short_title,
                                     Bill.latest_action_date, Bill.latest_action_text)
                              .where(col(Bill.id).in_(chunk))).all()
                latest = {}
                for bid, upd, upd_text, short, la_date, la_text in rows:
                    out[bid] = {"update_date": upd or "", "update_date_including_text": upd_text or "",
                                "text_versions": [], "short_title": short}
                    if la_text and la_date:
                        latest[bid] = f"{la_date.isoformat()}|{la_text}"
                for bid, code in s.exec(select(TextVersion.bill_id, TextVersion.code)
                                        .where(col(TextVersion.bill_id).in_(chunk),
                                               col(TextVersion.document_id).is_not(None))):
                    if bid in out:
                        out[bid]["text_versions"].append(code)
                for bid, content in s.exec(select(Document.external_id, DocumentVersion.content_json)
                                           .join(DocumentVersion, DocumentVersion.id == Document.latest_version_id)
                                           .where(Document.kind == BILL, col(Document.external_id).in_(chunk))):
                    raw = json.loads(content) if content else None
                    if bid not in out or not isinstance(raw, dict) or "number" not in raw:
                        continue
                    out[bid]["counts"] = detail_counts(raw)
                    if bid in latest:
                        out[bid]["latest_action"] = latest[bid]
        for entry in out.values():
            entry["text_versions"].sort()
        return out

    def _link_text_version(self, s, rec: DocumentRecord, doc: Document) -> None:
        bill_id = rec.parent[1]
        code = rec.external_id.rsplit("-", 1)[-1]
        if s.get(Bill, bill_id) is None:
            return
        row = s.exec(select(TextVersion).where(TextVersion.bill_id == bill_id, TextVersion.code == code)).first()
        row = row or TextVersion(bill_id=bill_id, code=code, name=rec.meta.get("stage", ""), version_date=rec.date,
                                 xml_url=rec.url)
        row.document_id = doc.id
        s.add(row)


def _short(bill: Bill) -> str:
    return f"{DISPLAY_TYPES.get(bill.type, bill.type.upper())} {bill.number}"


def _member(c) -> dict:
    return {"bioguide_id": c.bioguide_id, "name": c.name, "party": c.party, "state": c.state}


def _action(r: BillAction) -> ActionRecord:
    return ActionRecord(date=r.action_date, text=r.text, code=r.code, type=r.type, chamber=r.chamber,
                        votes=json.loads(r.votes_json))


def _bill_blurb(rec: BillRecord) -> str:
    bid = parse_bill_id(rec.bill_id)
    sponsor = rec.sponsor.get("name", "") if rec.sponsor else ""
    return " ".join(filter(None, [bid.display, rec.short_title, rec.title, f"Sponsor: {sponsor}" if sponsor else "",
                                  f"Latest action: {rec.latest_action.text}" if rec.latest_action else ""]))
