"""``legiswatch status``: health of sources and jobs, pending work, LLM tokens this week."""

from __future__ import annotations

import os
from datetime import timedelta

from bot.services.bulk import BULK
from bot.services.config import mask_url_password
from bot.services.context import Context
from bot.services.pipeline import SOURCES
from bot.services.schedule import next_fire_times


def status_report(ctx: Context) -> dict:
    repo = ctx.repo
    now = ctx.now()
    threshold = timedelta(minutes=ctx.settings.source_alert_after_min)
    states = {s.name: s for s in repo.sources()}
    next_runs = _next_runs(ctx)
    sources, failing = [], []
    for name in (*SOURCES, BULK):
        st = states.get(name)
        if name == BULK and st is None:
            continue
        row = {"name": name, "last_success": st.last_success_at if st else None,
               "last_error": st.last_error if st and st.consecutive_failures else None,
               "consecutive_failures": st.consecutive_failures if st else 0,
               "failing_since": st.failing_since if st else None,
               "next_run": _next_poll(next_runs.get(f"poll:{name}"), st),
               "next_attempt_not_before": st.next_attempt_at if st and st.consecutive_failures else None,
               "state": "never polled"}
        if st and st.consecutive_failures:
            row["state"] = "failing"
            if st.failing_since and now - st.failing_since > threshold:
                row["state"] = "failing (over threshold)"
                failing.append(name)
        elif st and st.last_success_at:
            row["state"] = "ok"
        sources.append(row)
    week = now - timedelta(days=7)
    return {
        "backend": repo.dialect,
        "database": _db_size(ctx),
        "sources": sources,
        "jobs": _jobs(repo, next_runs),
        "pending": repo.count_pending(),
        "llm_tokens_this_week": repo.llm_usage(week),
        "llm": ctx.settings.llm_model if ctx.settings.llm_enabled else "offline summarizer",
        "slack": "configured" if ctx.settings.slack_enabled else "not configured (console delivery)",
        "failing": failing,
        "bills": bill_sources(ctx),
        "as_of": now,
    }


def bill_sources(ctx: Context) -> list[dict]:
    """Each watched bill: the source that served its current record (Congress.gov or govinfo bulk
    data), when, and its ``updateDate``."""
    out = []
    for item in ctx.repo.watch_items("bill"):
        doc = ctx.repo.get_document("bill", item["value"])
        if doc is None:
            out.append({"bill": item["value"], "source": None, "at": None, "update_date": None})
            continue
        content = doc.get("content") or {}
        out.append({"bill": item["value"], "source": content.get("source") or doc.get("source") or "congress",
                    "at": doc.get("fetched_at"), "update_date": content.get("updateDate") or None})
    return out


def _next_poll(scheduled, st):
    """The next scheduled poll, or later when the source is backing off (it skips until then)."""
    if st and st.consecutive_failures and st.next_attempt_at and scheduled and st.next_attempt_at > scheduled:
        return st.next_attempt_at
    return scheduled


def _jobs(repo, next_runs: dict) -> list[dict]:
    """Every scheduled job (and any other that ran): last run, its status/error/counts, next run."""
    last: dict[str, dict] = {}
    for run in repo.job_runs(limit=500):
        last.setdefault(run["job_id"], run)
    out = []
    for job_id in list(next_runs) + sorted(set(last) - set(next_runs)):
        run = last.get(job_id) or {}
        out.append({"job_id": job_id, "last_run": run.get("started_at"), "status": run.get("status", "never run"),
                    "error": run.get("error"), "counts": run.get("counts") or {}, "next_run": next_runs.get(job_id)})
    return out


def _next_runs(ctx: Context) -> dict:
    return next_fire_times(ctx.settings, ctx.now())


def _db_size(ctx: Context) -> dict:
    url = ctx.settings.db_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        return {"url": url, "bytes": size}
    return {"url": mask_url_password(url), "bytes": ctx.repo.database_bytes()}


def _when(v) -> str:
    if not v:
        return "—"
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d %H:%M %Z").strip() if getattr(v, "tzinfo", None) else v.strftime("%Y-%m-%d %H:%M")
    return str(v)


def render_status(r: dict) -> str:
    lines = [f"legiswatch status (as of {_when(r['as_of'])}) — database: {r['backend']}, "
             f"{(r['database']['bytes'] or 0) / 1024:.0f} KiB; Slack: {r['slack']}; LLM: {r['llm']}", "",
             f"{'source':<18} {'state':<26} {'last success':<22} {'failures':>8}  next run"]
    for s in r["sources"]:
        lines.append(f"{s['name']:<18} {s['state']:<26} {_when(s['last_success']):<22} "
                     f"{s['consecutive_failures']:>8}  {_when(s['next_run'])}")
        if s["last_error"]:
            lines.append(f"{'':<18} last error: {s['last_error']}")
    if r.get("bills"):
        lines += ["", "bills (which source served each one's current record):"]
        for b in r["bills"]:
            served = {"congress": "Congress.gov", "billstatus": "govinfo bulk data"}.get(b["source"] or "",
                                                                                     b["source"] or "not yet")
            lines.append(f"  {b['bill']:<14} {served:<18} fetched {_when(b['at']):<22} "
                         f"updated {b['update_date'] or '—'}")
    if r["jobs"]:
        lines += ["", "jobs:"]
        for j in r["jobs"]:
            err = f" — {j['error'].splitlines()[0]}" if j["error"] else ""
            lines.append(f"  {j['job_id']:<24} {j['status']:<10} last {_when(j['last_run']):<22} "
                         f"next {_when(j['next_run'])}{err}")
    p = r["pending"]
    t = r["llm_tokens_this_week"]
    lines += ["", f"pending: {p['summaries']} summaries, {p['deliveries']} deliveries "
                  f"({p['failed_deliveries']} failed)",
              f"LLM this week: {t['calls']} calls, {t['prompt_tokens']} prompt + {t['completion_tokens']} "
              "completion tokens"]
    if r["failing"]:
        lines.append(f"FAILING longer than threshold: {', '.join(r['failing'])}")
    return "\n".join(lines)
