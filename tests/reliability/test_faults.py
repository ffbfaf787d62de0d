"""Faults: every source, every way a government server misbehaves.

For each source and each fault (429 with Retry-After, 500, 503, a timeout, a reset connection, a
truncated body, a schema change, an HTML error page with status 200) the sandbox misbehaves on
that source's requests for the whole poll. The poll must record the failure on that source
(``consecutive_failures``, ``last_error``), store nothing of that source (not even the records
parsed before the fault), let the other sources complete exactly as in a clean run, and the next
good poll must catch up: the final database equals the clean run's.

Faults are injected part-way into a source's work where it has one (the bill text XML after the
Congress.gov answers, the full text after the Federal Register search, the press-release page
after the listing), so "nothing partial" is really tested.
"""

from __future__ import annotations

import logging
import time

import pytest
from relkit import NOW, SECRET_KEY, db_path, settings_for, snapshot, source_of_documents

from bot.services.context import Context
from bot.services.pipeline import SOURCES, poll

pytestmark = pytest.mark.reliability

# where each source is hit: transport faults part-way; content faults where a changed answer
# must fail the source (the FR full-text fetch degrades to "stored without full text" by design)
MID = {"congress": "/govinfo/content/", "federal_register": "/fr/documents/full_text/",
       "public_inspection": "/fr/api/v1/public-inspection-documents", "bis": "/bis/press-release/",
       "news": "/news/rss/search", "ecfr": "/ecfr/api/versioner/v1/full/"}     # eCFR: a part's text, after its versions
BEFORE = {"ecfr": ["federal_register"]}     # what a source's work depends on, polled first
CONTENT = {**MID, "federal_register": "/fr/api/v1/documents", "ecfr": "/ecfr/api/versioner/v1/versions/"}
FAULTS = {
    "429": ("status", {"status": 429, "retry_after": 1}),
    "500": ("status", {"status": 500}),
    "503": ("status", {"status": 503}),
    "timeout": ("timeout", {"delay": 1.0}),
    "reset": ("reset", {}),
    "truncated": ("truncate", {}),
    "schema": ("schema", {}),
    "html200": ("html200", {}),
}
EXPECTED_ERROR = {"429": "SourceRateLimited", "500": "SourceUnavailable", "503": "SourceUnavailable",
                  "timeout": "SourceUnavailable", "reset": "SourceUnavailable", "truncated": "SourceUnavailable",
                  "schema": "SourceChanged", "html200": "SourceChanged"}


@pytest.fixture(scope="module")
def clean(module_sandbox, tmp_path_factory):
    """A clean run, one source at a time: the change keys each source adds, and the final state."""
    sb = module_sandbox
    sb.clear_faults()
    url = f"sqlite:///{tmp_path_factory.mktemp('clean')}/clean.db"
    ctx = Context(settings=settings_for(sb, url), now_override=NOW)
    keys: dict[str, set] = {}
    seen: set = set()
    for name in SOURCES:
        (report,) = poll(ctx, [name])
        assert report.ok, f"clean poll of {name} failed: {report.error}"
        now = {c.key for c in ctx.repo.changes()}
        keys[name] = now - seen
        seen = now
    ctx.close()
    snap = snapshot(db_path(url))
    assert all(keys.values()), f"every source must add something in the clean run: {keys}"
    return {"keys": keys, "snap": snap, "sources": source_of_documents(db_path(url))}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("name", SOURCES)
def test_fault_is_recorded_nothing_partial_and_next_poll_catches_up(name, fault, module_sandbox, clean, db_url,
                                                                    caplog):
    sb = module_sandbox
    kind, kw = FAULTS[fault]
    prefix = CONTENT[name] if kind in ("schema", "html200") else MID[name]
    ctx = Context(settings=settings_for(sb, db_url), now_override=NOW)
    sb.clear_faults()
    sb.reset_log()
    sb.fault(prefix, kind, times=-1, **kw)
    try:
        with caplog.at_level(logging.INFO):
            reports = {r.name: r for r in poll(ctx)}
    finally:
        sb.clear_faults()
    assert sb.count(prefix) >= 1, f"the fault at {prefix} was never reached"

    # the failure is recorded on that source, with a typed, secret-free error
    bad = reports[name]
    assert not bad.ok and bad.error, f"{name} should have failed under {fault}"
    assert bad.error.startswith(EXPECTED_ERROR[fault]), bad.error
    state = ctx.repo.source(name)
    assert state.consecutive_failures == 1
    assert state.last_error and state.last_error.startswith(EXPECTED_ERROR[fault])
    assert SECRET_KEY not in state.last_error and SECRET_KEY not in caplog.text

    # the other sources completed; nothing of the failed source was stored (news searches for the
    # short titles Congress.gov gives, so without Congress it may find less, never anything else)
    assert all(r.ok for n, r in reports.items() if n != name), {n: r.error for n, r in reports.items()}
    mid = snapshot(db_path(db_url))
    got = {k for k, _ in mid.changes}
    for other, keys in clean["keys"].items():
        if other == name:
            assert not got & keys, f"{name} stored changes: {sorted(got & keys)[:5]}"
        elif other == "news" and name == "congress":
            assert got & keys, "news found nothing at all"
        elif name in BEFORE.get(other, []):     # it works on what the failed source stores: nothing yet
            assert not got & keys, f"{other} stored changes without what {name} provides"
        else:
            assert keys <= got, f"{other} missed {sorted(keys - got)[:5]}"
    assert got <= set().union(*clean["keys"].values()), f"unexpected {sorted(got - set().union(*clean['keys'].values()))}"
    assert not mid.by_source(source_of_documents(db_path(db_url)), name), f"{name} stored documents"
    if name == "congress":
        assert not mid.bills, "bills were stored although the congress poll failed"
    assert mid.passages == mid.fts

    # the next good poll catches up: the same final state as the clean run
    again = {r.name: r for r in poll(ctx)}
    assert all(r.ok for r in again.values()), {n: r.error for n, r in again.items()}
    assert again[name].recovered
    assert ctx.repo.source(name).consecutive_failures == 0
    final = snapshot(db_path(db_url))
    ctx.close()
    want = clean["snap"]
    assert not final.duplicates, final.duplicates
    assert final.changes == want.changes, (f"missed {sorted(want.changes - final.changes)[:5]}, "
                                           f"extra {sorted(final.changes - want.changes)[:5]}")
    assert final.versions == want.versions
    assert final.bills == want.bills
    assert final.deliveries == want.deliveries


@pytest.mark.parametrize("name", SOURCES)
def test_a_transient_fault_is_retried_within_the_poll(name, module_sandbox, db_url):
    """One 503 then normal answers: the retry absorbs it; no failure is recorded."""
    sb = module_sandbox
    ctx = Context(settings=settings_for(sb, db_url), now_override=NOW)
    sb.clear_faults()
    if name in BEFORE:
        poll(ctx, BEFORE[name])                # eCFR watches the parts the stored rules amend
    sb.fault(MID[name], "status", status=503, times=1)
    (report,) = poll(ctx, [name])
    sb.clear_faults()
    assert report.ok, report.error
    assert report.records > 0
    state = ctx.repo.source(name)
    assert state.consecutive_failures == 0 and state.last_error is None
    ctx.close()


def test_failures_accumulate_and_a_long_retry_after_gives_up_at_once(module_sandbox, db_url):
    """Three failing polls count three; a Retry-After beyond the budget is not waited for."""

    sb = module_sandbox
    ctx = Context(settings=settings_for(sb, db_url), now_override=NOW)
    sb.clear_faults()
    sb.fault("/news/rss/search", "status", status=429, retry_after=3600, times=-1)
    started = time.monotonic()
    for n in range(1, 4):
        (report,) = poll(ctx, ["news"])
        assert not report.ok
        assert ctx.repo.source("news").consecutive_failures == n
    sb.clear_faults()
    assert time.monotonic() - started < 5, "a one-hour Retry-After must not be slept through"
    state = ctx.repo.source("news")
    assert state.next_attempt_at is not None and state.next_attempt_at > NOW
    (report,) = poll(ctx, ["news"])
    assert report.ok and report.recovered
    ctx.close()
