"""Retention (issue 23): operational rows older than LEGISWATCH_RETENTION_DAYS are pruned by the
scheduler's ``prune`` job; a sent delivery keeps its key (never re-sent); documents are never pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.runtime.scheduler import JOB_IDS, job_body, prune_job, run_job
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.schedule import build_triggers
from storage.models import AnswerLog, LLMCall
from storage.repo.ops import PRUNED_PAYLOAD
from tests.test_storage import fr_doc

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=120)
RECENT = NOW - timedelta(days=10)


def _ctx(tmp_path, days: int = 90) -> Context:
    return Context(settings=Settings(db_url=f"sqlite:///{tmp_path / 'lw.db'}", watchlist=str(tmp_path / "none"),
                                     retention_days=days), now_override=NOW)


def _fill(ctx: Context, when: datetime, tag: str) -> None:
    """One row of each operational table, stamped ``when``."""
    repo = ctx.repo
    repo.now = lambda: when
    assert repo.first_time_event(f"Ev-{tag}")
    run = repo.job_started("health")
    repo.job_finished(run, counts={"alerts": 0})
    assert repo.enqueue(target="slack:C1", purpose="alert", ref=f"change-{tag}", payload={"v": 2, "parts": [tag]})
    [d] = [d for d in repo.deliveries() if d["ref"] == f"change-{tag}"]
    repo.delivery_sent([d["id"]], slack_ts="1.2")
    assert repo.enqueue(target="slack:C1", purpose="alert", ref=f"pending-{tag}", payload={"v": 2, "parts": [tag]})
    with repo.tx() as s:
        s.add(AnswerLog(at=when, question=f"q {tag}", answer="a"))
        s.add(LLMCall(at=when, purpose="answer", model="m"))
    with repo.engine.begin() as conn:      # job_started stamps the wall clock: put the run at ``when``
        conn.execute(text("UPDATE job_runs SET started_at = :w WHERE id = :i"), {"w": when.replace(tzinfo=None), "i": run})
    repo.now = ctx.now


def _count(ctx: Context, table: str) -> int:
    with ctx.repo.engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()


def test_prune_removes_old_operational_rows_and_keeps_recent_ones(tmp_path):
    ctx = _ctx(tmp_path)
    _fill(ctx, OLD - timedelta(days=1), "older")
    _fill(ctx, OLD, "old")
    _fill(ctx, RECENT, "recent")
    with ctx.repo.engine.begin() as conn:    # the recent run becomes another job's: the old 'health' run (id 2) is its newest
        conn.exec_driver_sql("UPDATE job_runs SET job_id = 'reminders' WHERE id = 3")
    counts = prune_job(ctx)
    assert counts == {"slack_events": 2, "job_runs": 1, "answers": 2, "llm_calls": 2, "deliveries": 2}
    assert _count(ctx, "slack_events") == 1 and _count(ctx, "answers") == 1 and _count(ctx, "llm_calls") == 1
    # job runs: the old 'health' run goes, each job's newest run stays (status still knows 'reminders')
    assert sorted(r["job_id"] for r in ctx.repo.job_runs()) == ["health", "reminders"]
    by_ref = {d["ref"]: d for d in ctx.repo.deliveries()}
    assert len(by_ref) == 6                                   # no delivery row is deleted
    for tag in ("older", "old"):
        sent = by_ref[f"change-{tag}"]
        assert sent["status"] == "sent" and sent["slack_ts"] == "1.2" and sent["payload"] == {}
        assert by_ref[f"pending-{tag}"]["payload"] == {"v": 2, "parts": [tag]}   # undelivered: kept whole
    assert by_ref["change-recent"]["payload"] == {"v": 2, "parts": ["recent"]}
    # the key survives: the same alert is never queued (so never sent) again
    assert not ctx.repo.enqueue(target="slack:C1", purpose="alert", ref="change-old", payload={"v": 2, "parts": []})
    assert prune_job(ctx) == dict.fromkeys(counts, 0)        # a second run finds nothing
    with ctx.repo.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT payload_json FROM deliveries WHERE ref = 'change-old'").scalar() \
            == PRUNED_PAYLOAD


def test_documents_and_versions_are_never_pruned(tmp_path):
    ctx = _ctx(tmp_path, days=1)
    ctx.repo.now = lambda: OLD
    ctx.repo.record([fr_doc(content={"v": 1})])
    ctx.repo.record([fr_doc(content={"v": 2})])
    ctx.repo.now = ctx.now
    before = {t: _count(ctx, t) for t in ("documents", "document_versions", "changes")}
    assert before["document_versions"] == 2
    prune_job(ctx)
    assert {t: _count(ctx, t) for t in before} == before


def test_zero_keeps_everything(tmp_path):
    ctx = _ctx(tmp_path, days=0)
    _fill(ctx, OLD, "old")
    assert prune_job(ctx) == {"pruned": 0}
    assert _count(ctx, "slack_events") == 1 and ctx.repo.deliveries(status="sent")[0]["payload"] != {}


def test_the_scheduler_runs_prune_daily(tmp_path):
    ctx = _ctx(tmp_path)
    _fill(ctx, OLD, "old")
    assert "prune" in JOB_IDS and "prune" in build_triggers(ctx.settings)
    run_job(ctx, "prune", job_body(ctx, "prune", None))
    [run] = ctx.repo.job_runs("prune")
    assert run["status"] == "ok" and run["counts"]["slack_events"] == 1
    assert _count(ctx, "slack_events") == 0
