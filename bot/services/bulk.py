"""When govinfo's BILLSTATUS bulk data serves the watched bills instead of Congress.gov.

Congress.gov stays the primary (it is fresher: bulk files are regenerated every few hours). The
bulk source (``scrapers.billstatus_bulk``, polled under the name ``billstatus``) is used

* **first**, for a backfill (``poll --since``) and a new install's first poll, when the key is
  ``DEMO_KEY`` (30 requests an hour) or Congress.gov's quota is spent (its last failure was a
  429 and it is still backing off) — ``LEGISWATCH_BULK_DATA=auto``, the default. Congress.gov
  then picks up from the oldest ``updateDate`` the bulk files carried, so nothing between the two
  is skipped;
* **as a fallback**, when a Congress.gov poll fails rate-limited or unreachable, or is skipped
  while backing off from such a failure (``auto`` and ``fallback``). The Congress.gov cursor does
  not move, so its next good poll re-reads what it missed (recording is idempotent).

When both report on one bill, the more recently updated record wins (the bulk source yields a
file only when its ``updateDate`` is newer than the stored one; storage keeps the newer latest
action) and both are kept: each bill version, action and text version records its source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from bot.services.context import Context

log = logging.getLogger(__name__)
BULK = "billstatus"
CONGRESS = "congress"
_FALLBACK_ERRORS = ("SourceRateLimited", "SourceUnavailable")


def quota_spent(ctx: Context) -> bool:
    """Congress.gov's last poll failed on its quota — a 429 from the Congress.gov API itself, not
    from govinfo's text files the same poll fetches — and it is still backing off."""
    st = ctx.repo.source(CONGRESS)
    error = st.last_error or ""
    return bool(st.consecutive_failures and error.startswith("SourceRateLimited")
                and ctx.settings.congress_api_url.rstrip("/") in error
                and st.next_attempt_at and st.next_attempt_at > ctx.now())


def _backing_off_from_outage(ctx: Context) -> bool:
    st = ctx.repo.source(CONGRESS)
    return bool(st.consecutive_failures and (st.last_error or "").startswith(_FALLBACK_ERRORS))


def bulk_first(ctx: Context, since) -> bool:
    """A backfill or a first poll, with DEMO_KEY or a spent quota, in ``auto`` mode."""
    if ctx.settings.bulk_data != "auto":
        return False
    first = not ctx.repo.source(CONGRESS).cursor.get("since")
    return (since is not None or first) and (ctx.settings.demo_key or quota_spent(ctx))


def poll_congress(ctx: Context, *, since, force: bool, progress, poll_one: Callable):
    """Poll Congress.gov, or the bulk data first, or the bulk data after Congress.gov failed."""
    if progress is not None:             # the bulk poll's progress is shown as Congress.gov's
        shown, progress = progress, (lambda _name, records, changes: shown(CONGRESS, records, changes))
    if bulk_first(ctx, since):
        bulk = poll_one(ctx, BULK, since=since, force=True, progress=progress)
        if bulk.ok:
            _hand_over(ctx, bulk)
            why = "DEMO_KEY" if ctx.settings.demo_key else "Congress.gov's quota is spent"
            note = f"served by govinfo BILLSTATUS bulk data ({why}): no Congress.gov requests"
            return replace(bulk, name=CONGRESS, served_by=BULK, notes=[note, *bulk.notes], fallback=bulk)
        log.warning("bulk data failed (%s); trying Congress.gov", bulk.error)
    report = poll_one(ctx, CONGRESS, since=since, force=force, progress=progress)
    if ctx.settings.bulk_data == "off":
        return report
    failed = not report.ok and (report.error or "").startswith(_FALLBACK_ERRORS)
    if failed or (report.skipped and _backing_off_from_outage(ctx)):
        bulk = poll_one(ctx, BULK, since=since, force=True, progress=progress)
        report.fallback = bulk
        report.served_by = BULK if bulk.ok else ""
        report.notes.append(f"Congress.gov {'failed' if failed else 'is backing off'}; govinfo bulk data "
                            f"{'served' if bulk.ok else 'failed too: ' + str(bulk.error)} "
                            f"({bulk.records} records, {len(bulk.changes)} changes, {bulk.requests} requests)")
    else:
        report.served_by = CONGRESS if report.ok and not report.skipped else ""
    return report


def _hand_over(ctx: Context, bulk) -> None:
    """After bulk data served a first poll, Congress.gov continues from the oldest ``updateDate``
    the files carried (never moving its watermark back)."""
    through = ctx.repo.source(BULK).cursor.get("served_through")
    current = ctx.repo.source(CONGRESS).cursor.get("since")
    if through and not current:
        ctx.repo.set_cursor(CONGRESS, {"since": through})
