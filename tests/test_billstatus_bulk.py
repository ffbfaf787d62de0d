"""govinfo BILLSTATUS bulk data as a source (issue 19): a DEMO_KEY backfill of the demo's bills
with zero Congress.gov requests, then a rate-limited Congress.gov (429) falling back to bulk data
without losing a change; conditional GETs, older files, hostile and foreign listings."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from rich.console import Console

from bot.frontends.progress import backfill
from bot.sandbox.server import DATA_DIR
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.health import render_status, status_report
from bot.services.pipeline import poll_source

BILLS = ("hr8152-118", "hr2683-119", "s3519-119")
SINCE = date(2026, 1, 1)
BULK = Path(DATA_DIR) / "govinfo"
HR2683 = "/govinfo/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr2683.xml"
SITEMAP_119HR = "/govinfo/sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml"
INDEX = "/govinfo/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"
NEW_ACTION = """      <item>
        <actionDate>2026-01-20</actionDate>
        <committees/>
        <sourceSystem>
          <code>0</code>
          <name>Senate</name>
        </sourceSystem>
        <text>Committee on Banking, Housing, and Urban Affairs. Hearings held.</text>
        <type>Committee</type>
      </item>
"""


def _ctx(db_url: str, sandbox, **extra) -> Context:
    ctx = Context(settings=Settings(db_url=db_url, watchlist="none.toml", **sandbox.base_urls(), **extra))
    for bill in BILLS:
        ctx.repo.add_watch("bill", bill, actor="test")
    return ctx


def _bill_state(ctx: Context, bill_id: str) -> tuple:
    b = ctx.repo.bill(bill_id)
    actions = sorted((a["date"], a["text"]) for a in b["actions"]) if "actions" in b else None
    return b["stage"], b["short_title"], b["latest_action"], actions, b["update_date"]


def _changed_file(sandbox) -> None:
    """H.R. 2683 moves on after the backfill: a new action, a newer updateDate and lastmods."""
    xml = (BULK / "bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr2683.xml").read_text()
    xml = xml.replace("<actions>\n", "<actions>\n" + NEW_ACTION, 1)
    xml = xml.replace("<updateDate>2026-01-14T09:05:12Z</updateDate>", "<updateDate>2026-01-20T18:00:00Z</updateDate>", 1)
    sandbox.route(HR2683, xml, content_type="application/xml")
    for path, name in ((SITEMAP_119HR, "sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml"),
                       (INDEX, "sitemap/bulkdata/BILLSTATUS/sitemapindex.xml")):
        text = (BULK / name).read_text().replace("2026-01-14T13:30:00.000Z", "2026-01-20T21:00:00.000Z")
        sandbox.route(path, text, content_type="application/xml")


def test_demo_key_backfill_uses_bulk_data_only_and_matches_congress_gov(db_url, tmp_path, gov_sandbox):
    ctx = _ctx(db_url, gov_sandbox)                       # DEMO_KEY (the default)
    (report,) = backfill(ctx, ["congress"], SINCE, console=Console(file=io.StringIO()))
    assert report.ok and report.served_by == "billstatus"
    assert gov_sandbox.count("/congress/") == 0           # zero Congress.gov requests
    bulk_requests = gov_sandbox.count("/govinfo/")
    assert bulk_requests == report.requests == 13        # index, 3 sitemaps, 3 BILLSTATUS, 6 bill texts
    assert ctx.repo.bill("hr2683-119")["stage"] == "Passed House"

    # the same bills polled from Congress.gov with a real key, into another database
    gov_sandbox.reset_log()
    ref = _ctx(f"sqlite:///{tmp_path}/ref.db", gov_sandbox, congress_api_key="sandbox-key-0123456789")
    (ref_report,) = backfill(ref, ["congress"], SINCE, console=Console(file=io.StringIO()))
    assert ref_report.ok and ref_report.served_by == "congress" and gov_sandbox.count("/congress/") > 0
    for bill in BILLS:
        assert _bill_state(ctx, bill) == _bill_state(ref, bill), bill
    texts = {d["external_id"] for d in ctx.repo.documents("bill_text")}
    assert texts == {d["external_id"] for d in ref.repo.documents("bill_text")}

    # Congress.gov picks up from the files' updateDate; the next poll asks the bulk data nothing new
    assert ctx.repo.source("congress").cursor["since"] == "2026-01-13T16:40:51Z"
    gov_sandbox.reset_log()
    again = poll_source(ctx, "billstatus")
    assert again.ok and again.records == 0 and gov_sandbox.count("/govinfo/") == 1      # the index: 304
    status = render_status(status_report(ctx))
    assert "hr2683-119     govinfo bulk data" in status and "billstatus" in status
    ref.close()
    ctx.close()


def test_rate_limited_congress_falls_back_to_bulk_data_without_losing_a_change(db_url, gov_sandbox):
    ctx = _ctx(db_url, gov_sandbox)
    backfill(ctx, ["congress"], SINCE, console=Console(file=io.StringIO()))
    before = {c.key for c in ctx.repo.changes()}
    _changed_file(gov_sandbox)
    gov_sandbox.reset_log()
    gov_sandbox.fault("/congress/v3", "status", status=429, retry_after=3600, times=-1)

    report = poll_source(ctx, "congress")                 # not a first poll: Congress.gov is asked first
    assert not report.ok and report.error.startswith("SourceRateLimited")
    assert report.fallback is not None and report.fallback.ok and report.served_by == "billstatus"
    assert gov_sandbox.count("/congress/") == 1           # one 429, Retry-After beyond the cap: no retries
    assert gov_sandbox.count("/govinfo/") == 3            # index, 119hr sitemap, one file (texts known)
    new = {c.key for c in ctx.repo.changes()} - before
    added = [c for c in ctx.repo.changes() if c.key in new and c.kind == "action"]
    assert len(added) == 1 and "Hearings held" in added[0].headline and added[0].bill_id == "hr2683-119"
    assert ctx.repo.bill("hr2683-119")["update_date"] == "2026-01-20T18:00:00Z"
    assert ctx.repo.source("congress").consecutive_failures == 1      # its own failure stays recorded

    # while Congress.gov backs off, a scheduled poll is still served by bulk data, and stores nothing twice
    gov_sandbox.reset_log()
    skipped = poll_source(ctx, "congress", force=False)
    assert skipped.skipped and skipped.fallback is not None and skipped.fallback.ok
    assert gov_sandbox.count("/congress/") == 0 and skipped.fallback.records == 0
    # Congress.gov back: its stored state is older than the bulk file's, so nothing regresses or repeats
    gov_sandbox.clear_faults()
    after = {c.key for c in ctx.repo.changes()}
    back = poll_source(ctx, "congress")
    assert back.ok and back.served_by == "congress"
    assert not [c for c in ctx.repo.changes() if c.key not in after and c.kind == "action"]   # nothing repeated
    assert any("Hearings held" in a["text"] for a in ctx.repo.bill("hr2683-119")["actions"])    # nothing lost
    ctx.close()


def test_older_bulk_file_does_not_replace_a_newer_record(db_url, gov_sandbox):
    ctx = _ctx(db_url, gov_sandbox, congress_api_key="sandbox-key-0123456789")
    assert poll_source(ctx, "congress").served_by == "congress"
    stored = ctx.repo.bill("hr2683-119")["update_date"]
    xml = (BULK / "bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr2683.xml").read_text().replace(
        f"<updateDate>{stored}</updateDate>", "<updateDate>2025-06-01T00:00:00Z</updateDate>", 1)
    gov_sandbox.route(HR2683, xml, content_type="application/xml")
    report = poll_source(ctx, "billstatus")
    assert report.ok and any("older than the stored record" in n for n in report.notes)
    assert ctx.repo.bill("hr2683-119")["update_date"] == stored
    ctx.close()


def test_hostile_or_foreign_listing(db_url, gov_sandbox):
    ctx = _ctx(db_url, gov_sandbox)
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>&b;</loc>'
            '</sitemap></sitemapindex>')
    gov_sandbox.route(INDEX, bomb, content_type="application/xml")
    report = poll_source(ctx, "billstatus")
    assert not report.ok and "billstatus" in (report.error or "")
    assert ctx.repo.source("billstatus").consecutive_failures == 1
    # a listing whose <loc>s name another host: only the file names are read, the configured base is used
    gov_sandbox.clear_routes()
    text = (BULK / "sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml").read_text().replace(
        "https://www.govinfo.gov", "https://evil.example")
    gov_sandbox.route(SITEMAP_119HR, text, content_type="application/xml")
    gov_sandbox.reset_log()
    report = poll_source(ctx, "billstatus")
    assert report.ok and ctx.repo.bill("hr2683-119") is not None
    assert gov_sandbox.count(HR2683) == 1
    ctx.close()
