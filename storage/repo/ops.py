"""Operations: source health and cursors, the watchlist, the outbox, Slack event dedupe, job runs,
leases and key/values."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import delete, func, text, update
from sqlmodel import Session, col, select

from storage.db import reader
from storage.models import (
    AnswerLog,
    Change,
    Delivery,
    JobRun,
    KeyValue,
    Lease,
    LLMCall,
    SlackEvent,
    Source,
    WatchEvent,
    WatchItem,
)
from storage.repo.base import SourceState, aware, dumps, utcnow

PRUNED_PAYLOAD = "{}"      # a sent delivery past retention: its key stays, its data goes


class OpsMixin:
    # ---- sources -----------------------------------------------------------------------------
    def _source(self, s, name: str) -> Source:
        row = s.exec(select(Source).where(Source.name == name)).first()
        if row is None:
            self.insert_ignore(s, Source, dict(name=name, cursor_json="{}", consecutive_failures=0,
                                               alerted_failing=False), ["name"])
            row = s.exec(select(Source).where(Source.name == name)).one()
        return row

    def source(self, name: str) -> SourceState:
        with self.tx() as s:
            return _state(self._source(s, name))

    def sources(self) -> list[SourceState]:
        with self.tx() as s:
            return [_state(r) for r in s.exec(select(Source).order_by(Source.name))]

    def set_cursor(self, name: str, cursor: dict, *, etag: str | None = None, last_modified: str | None = None) -> None:
        """Merge ``cursor`` into the source's cursor (the scraper decides what moves forward)."""
        with self.tx() as s:
            row = self._source(s, name)
            merged = {**json.loads(row.cursor_json or "{}"), **cursor}
            row.cursor_json = dumps(merged)
            if etag is not None:
                row.etag = etag
            if last_modified is not None:
                row.last_modified = last_modified
            s.add(row)

    def source_attempt(self, name: str) -> None:
        with self.tx() as s:
            row = self._source(s, name)
            row.last_attempt_at = self.now()
            s.add(row)

    def source_succeeded(self, name: str) -> bool:
        """Record a good poll; returns True when the source was failing before (it recovered)."""
        with self.tx() as s:
            row = self._source(s, name)
            was_failing = row.consecutive_failures > 0
            row.last_success_at = self.now()
            row.consecutive_failures = 0
            row.failing_since = None
            row.next_attempt_at = None
            s.add(row)
            return was_failing

    def source_failed(self, name: str, error: str, *, backoff_cap: timedelta = timedelta(hours=6),
                      base: timedelta = timedelta(minutes=5), retry_after: float | None = None) -> SourceState:
        """Record a failed poll; attempts are spaced out (5 min, 10, 20… up to the cap)."""
        with self.tx() as s:
            row = self._source(s, name)
            now = self.now()
            row.consecutive_failures += 1
            row.last_error = error.splitlines()[0][:500] if error else "error"
            row.last_error_at = now
            row.failing_since = row.failing_since or now
            wait = min(base * (2 ** (row.consecutive_failures - 1)), backoff_cap)
            if retry_after:
                wait = max(wait, timedelta(seconds=retry_after))
            row.next_attempt_at = now + wait
            s.add(row)
            return _state(row)

    def set_source_alerted(self, name: str, alerted: bool) -> None:
        with self.tx() as s:
            row = self._source(s, name)
            row.alerted_failing = alerted
            s.add(row)

    # ---- watchlist ---------------------------------------------------------------------------
    def watch_items(self, kind: str | None = None) -> list[dict]:
        with self.tx() as s:
            q = select(WatchItem).order_by(WatchItem.kind, WatchItem.value)
            if kind:
                q = q.where(WatchItem.kind == kind)
            return [{"kind": w.kind, "value": w.value, "label": w.label, "channel": w.channel,
                     "added_by": w.added_by, "added_at": w.added_at} for w in s.exec(q)]

    def add_watch(self, kind: str, value: str, *, label: str = "", channel: str | None = None,
                  actor: str = "", action: str = "add") -> bool:
        """Add a watch item; False when it was already watched. Every change is logged."""
        with self.tx() as s:
            added = self.insert_ignore(s, WatchItem, dict(kind=kind, value=value, label=label, channel=channel,
                                                          added_by=actor, added_at=self.now()), ["kind", "value"])
            if added:
                s.add(WatchEvent(actor=actor, action=action, kind=kind, value=value, channel=channel))
            return added

    def remove_watch(self, kind: str, value: str, *, actor: str = "") -> bool:
        with self.tx() as s:
            n = s.execute(delete(WatchItem).where(WatchItem.kind == kind, WatchItem.value == value)).rowcount
            if n:
                s.add(WatchEvent(actor=actor, action="remove", kind=kind, value=value))
            return n > 0

    def watch_events(self) -> list[dict]:
        with self.tx() as s:
            return [{"at": e.at, "actor": e.actor, "action": e.action, "kind": e.kind, "value": e.value,
                     "channel": e.channel} for e in s.exec(select(WatchEvent).order_by(WatchEvent.id))]

    # ---- outbox ------------------------------------------------------------------------------
    def enqueue(self, *, target: str, purpose: str, ref: str, payload: dict, change_id: int | None = None,
                not_before: datetime | None = None) -> bool:
        """Queue one delivery; False when (target, purpose, ref) was already queued or sent."""
        with self.tx() as s:
            return self.insert_ignore(s, Delivery, dict(
                target=target, purpose=purpose, ref=ref[:200], change_id=change_id, payload_json=dumps(payload),
                status="pending", attempts=0, not_before=not_before, created_at=self.now()),
                ["target", "purpose", "ref"])

    def pending_deliveries(self, *, now: datetime | None = None, limit: int = 200) -> list[dict]:
        now = now or self.now()
        with self.tx() as s:
            q = (select(Delivery).where(col(Delivery.status).in_(["pending", "sending"]))
                 .order_by(Delivery.id).limit(limit))
            return [_delivery(d) for d in s.exec(q) if not d.not_before or aware(d.not_before) <= now]

    def claim_delivery(self, delivery_id: int) -> bool:
        """Mark a delivery as being sent (so a second instance does not send it too)."""
        with self.tx() as s:
            n = s.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
                          .values(status="sending", attempts=Delivery.attempts + 1,
                                  claimed_at=utcnow())).rowcount
            return n > 0

    def delivery_sent(self, delivery_ids, *, slack_ts: str | None = None, group_ref: str | None = None) -> None:
        with self.tx() as s:
            s.execute(update(Delivery).where(col(Delivery.id).in_(list(delivery_ids)))
                      .values(status="sent", sent_at=self.now(), slack_ts=slack_ts, group_ref=group_ref,
                              last_error=None))

    def delivery_part_posted(self, delivery_id: int, key: str) -> None:
        """One message of a multi-part delivery went out: remember its key, so a flush after a
        crash posts the delivery's other messages and never this one again."""
        with self.tx() as s:
            row = s.get(Delivery, delivery_id)
            if row is None:
                return
            payload = json.loads(row.payload_json or "{}")
            posted = list(payload.get("posted") or [])
            if key not in posted:
                payload["posted"] = [*posted, key]
                row.payload_json = dumps(payload)
                s.add(row)

    def delivery_failed(self, delivery_ids, error: str, *, retry_at: datetime | None = None,
                        give_up: bool = False) -> None:
        with self.tx() as s:
            s.execute(update(Delivery).where(col(Delivery.id).in_(list(delivery_ids)))
                      .values(status="failed" if give_up else "pending", last_error=error[:500],
                              not_before=retry_at))

    def release_stale_sending(self, older_than: timedelta = timedelta(minutes=10)) -> int:
        """Deliveries claimed more than ``older_than`` ago and never marked sent (their sender
        crashed) go back to pending."""
        with self.tx() as s:
            rows = s.exec(select(Delivery).where(Delivery.status == "sending")).all()
            cutoff = utcnow() - older_than
            n = 0
            for d in rows:
                if d.claimed_at is None or aware(d.claimed_at) < cutoff:
                    d.status = "pending"
                    s.add(d)
                    n += 1
            return n

    def deliveries(self, *, purpose: str | None = None, status: str | None = None) -> list[dict]:
        with self.tx() as s:
            q = select(Delivery).order_by(Delivery.id)
            if purpose:
                q = q.where(Delivery.purpose == purpose)
            if status:
                q = q.where(Delivery.status == status)
            return [_delivery(d) for d in s.exec(q)]

    # ---- Slack event dedupe ----------------------------------------------------------------
    def event_seen(self, event_id: str) -> bool:
        """Whether an event id is already recorded: a read only (deferred on SQLite), so the Slack
        ack never waits behind a poll's write transaction."""
        with Session(reader(self.engine)) as s, s.begin():
            return s.exec(select(SlackEvent.event_id).where(SlackEvent.event_id == event_id[:128])).first() is not None

    def first_time_event(self, event_id: str) -> bool:
        """True the first time an event id is seen (retries and duplicate deliveries: False)."""
        with self.tx() as s:
            return self.insert_ignore(s, SlackEvent, dict(event_id=event_id[:128], received_at=self.now()),
                                      ["event_id"])

    # ---- job runs ----------------------------------------------------------------------------
    def job_started(self, job_id: str, holder: str | None = None) -> int:
        with self.tx() as s:
            run = JobRun(job_id=job_id, status="running", holder=holder)
            s.add(run)
            s.flush()
            return run.id

    def job_finished(self, run_id: int, *, status: str = "ok", counts: dict | None = None,
                     error: str | None = None) -> None:
        with self.tx() as s:
            run = s.get(JobRun, run_id)
            if run is None:
                return
            run.finished_at, run.status, run.counts_json = self.now(), status, dumps(counts or {})
            run.error = error[:1000] if error else None
            s.add(run)

    def job_runs(self, job_id: str | None = None, limit: int = 50) -> list[dict]:
        with self.tx() as s:
            q = select(JobRun).order_by(col(JobRun.id).desc()).limit(limit)
            if job_id:
                q = q.where(JobRun.job_id == job_id)
            return [{"id": r.id, "job_id": r.job_id, "started_at": r.started_at, "finished_at": r.finished_at,
                     "status": r.status, "counts": json.loads(r.counts_json), "error": r.error}
                    for r in s.exec(q)]

    # ---- leases (several instances) ------------------------------------------------------
    def take_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take or renew a lease; True when ``holder`` has it until now + ttl (wall clock: leases
        are about live processes, not about the context's clock)."""
        now = utcnow()
        with self.tx() as s:
            if self.insert_ignore(s, Lease, dict(name=name, holder=holder, expires_at=now + ttl), ["name"]):
                return True
            n = s.execute(update(Lease).where(Lease.name == name,
                                              (Lease.expires_at < now) | (Lease.holder == holder))
                          .values(holder=holder, expires_at=now + ttl)).rowcount
            return n > 0

    def lease_holder(self, name: str) -> str | None:
        """Who holds the lease ``name`` now (expired or not), or None."""
        with self.tx() as s:
            row = s.get(Lease, name)
            return row.holder if row else None

    def take_lease_from(self, name: str, dead_holder: str, holder: str, ttl: timedelta) -> bool:
        """Take the lease from ``dead_holder`` (known dead), whatever its expiry: only if it still
        holds it (compare and set), so two takers never both win."""
        with self.tx() as s:
            n = s.execute(update(Lease).where(Lease.name == name, Lease.holder == dead_holder)
                          .values(holder=holder, expires_at=utcnow() + ttl)).rowcount
            return n > 0

    def release_lease(self, name: str, holder: str) -> None:
        with self.tx() as s:
            s.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))

    # ---- key/values ----------------------------------------------------------------------------
    def kv_get(self, name: str, default: str | None = None) -> str | None:
        with self.tx() as s:
            row = s.get(KeyValue, name)
            return row.value if row else default

    def kv_set(self, name: str, value: str) -> None:
        """Set a key: an upsert, so two instances setting it at once both succeed."""
        now = self.now()
        with self.tx() as s:
            stmt = self.insert(KeyValue).values(name=name, value=value, updated_at=now)
            s.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value, "updated_at": now}))

    def database_bytes(self) -> int | None:
        """Size of the database on a server backend (SQLite: measure the file instead)."""
        if self.dialect != "postgresql":
            return None
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())

    def count_pending(self) -> dict[str, int]:
        with self.tx() as s:
            return {
                "summaries": s.exec(select(func.count()).select_from(Change)
                                    .where(Change.summary_state == "pending")).one(),
                "deliveries": s.exec(select(func.count()).select_from(Delivery)
                                     .where(col(Delivery.status).in_(["pending", "sending"]))).one(),
                "failed_deliveries": s.exec(select(func.count()).select_from(Delivery)
                                            .where(Delivery.status == "failed")).one(),
            }


    # ---- retention -----------------------------------------------------------------------------
    def prune_operational(self, older_than: datetime) -> dict[str, int]:
        """Forget operational rows older than ``older_than``: Slack event ids, finished job runs (each
        job's newest run is kept, so ``status`` still knows it), answers and LLM call records; a sent
        delivery keeps its row — its unique (target, purpose, ref), status and Slack ts, so nothing
        is queued or sent again — and loses its payload. Documents and their versions are never
        touched. Returns the rows affected per table."""
        with self.tx() as s:
            newest_runs = select(func.max(JobRun.id)).group_by(JobRun.job_id)
            counts = {
                "slack_events": s.exec(delete(SlackEvent).where(col(SlackEvent.received_at) < older_than)).rowcount,
                "job_runs": s.exec(delete(JobRun).where(col(JobRun.started_at) < older_than,
                                                        col(JobRun.status) != "running",
                                                        col(JobRun.id).not_in(newest_runs))).rowcount,
                "answers": s.exec(delete(AnswerLog).where(col(AnswerLog.at) < older_than)).rowcount,
                "llm_calls": s.exec(delete(LLMCall).where(col(LLMCall.at) < older_than)).rowcount,
                "deliveries": s.exec(update(Delivery).where(col(Delivery.status) == "sent",
                                                            col(Delivery.sent_at) < older_than,
                                                            col(Delivery.payload_json) != PRUNED_PAYLOAD)
                                     .values(payload_json=PRUNED_PAYLOAD)).rowcount,
            }
        return counts


def _state(r: Source) -> SourceState:
    return SourceState(name=r.name, cursor=json.loads(r.cursor_json or "{}"), etag=r.etag,
                       last_modified=r.last_modified, last_attempt_at=aware(r.last_attempt_at),
                       last_success_at=aware(r.last_success_at), last_error=r.last_error,
                       last_error_at=aware(r.last_error_at), failing_since=aware(r.failing_since),
                       consecutive_failures=r.consecutive_failures, next_attempt_at=aware(r.next_attempt_at),
                       alerted_failing=r.alerted_failing)


def _delivery(d: Delivery) -> dict:
    return {"id": d.id, "target": d.target, "purpose": d.purpose, "ref": d.ref, "change_id": d.change_id,
            "payload": json.loads(d.payload_json), "status": d.status, "attempts": d.attempts,
            "last_error": d.last_error, "not_before": aware(d.not_before), "sent_at": aware(d.sent_at),
            "slack_ts": d.slack_ts, "created_at": aware(d.created_at), "claimed_at": aware(d.claimed_at)}
