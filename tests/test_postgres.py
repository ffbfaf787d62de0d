"""The same storage code on SQLite and PostgreSQL, and several instances on one database.

Tests taking ``db_backend`` run twice (``[sqlite]`` and ``[postgres]``); the others need
PostgreSQL. Without ``TEST_DATABASE_URL`` the PostgreSQL ones skip with a reason (see
``tests/pg_fixtures.py``); ``.ci/postgres`` starts a throwaway server and runs them all.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from slackkit import client_for, http_app, make_ctx
from sqlalchemy import text

import storage.search_pg as search_pg
from bot.analysis.analyzer import Analyzer
from bot.frontends.cli import main
from bot.runtime.delivery import flush
from bot.runtime.scheduler import run_job
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.pipeline import poll, route_alerts
from scrapers.records import (
    ActionRecord,
    BillRecord,
    CosponsorRecord,
    DocumentRecord,
    Passage,
    TextVersionRecord,
)
from storage.db import alembic_config, current_revision, head_revision, make_engine, normalise_url
from storage.repo import open_repo
from storage.search import search
from tests.pg_fixtures import skip_reason

ROOT = Path(__file__).resolve().parent.parent
CORPUS = json.loads((Path(__file__).parent / "data" / "postgres" / "search_corpus.json").read_text())
postgres = pytest.mark.postgres
pytest_plugins = ["pytester"]


@pytest.fixture
def repo(db_backend):
    r = open_repo(db_backend.url, analyzer=Analyzer())
    yield r
    r.dispose()


@pytest.fixture
def two_repos(db_backend):
    """Two instances: two Repo objects with their own engines on one database."""
    a = open_repo(db_backend.url, analyzer=Analyzer())
    b = open_repo(db_backend.url, engine=None, analyzer=Analyzer())
    assert a.engine is not b.engine
    yield a, b
    a.dispose()
    b.dispose()


def fr_doc(**over) -> DocumentRecord:
    base = dict(kind="fr_document", external_id="2026-00789", title="Revision to License Review Policy",
                url="https://www.federalregister.gov/d/2026-00789", source="federal_register",
                content={"comments_close_on": None, "title": "Revision"}, text="advanced computing commodities",
                meta={"type": "Rule", "effective_on": "2026-01-15"}, date=date(2026, 1, 15))
    base.update(over)
    return DocumentRecord(**base)


def bill(**over) -> BillRecord:
    base = dict(bill_id="hr2683-119", congress=119, type="hr", number=2683, title="Remote Access Security Act",
                short_title="Remote Access Security Act", raw={"number": "2683", "updateDate": "2026-01-13"},
                actions=[ActionRecord(date(2025, 4, 7), "Introduced in House", code="Intro-H")],
                cosponsors=[CosponsorRecord("J000305", "Rep. Jackson, Jeff [D-NC-14]", "D", "NC")],
                text_versions=[TextVersionRecord("ih", "Introduced in House", date(2025, 4, 7), None)])
    base.update(over)
    return BillRecord(**base)


def in_threads(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released together; returns results (exceptions included)."""
    start = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 — reported by the caller's assertion
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


# ---- migrations ---------------------------------------------------------------------------------

@postgres
def test_migrations_on_an_empty_postgres_database_match_the_models(pg_empty_url):
    r = open_repo(pg_empty_url, analyzer=Analyzer())
    try:
        assert r.dialect == "postgresql"
        assert current_revision(r.engine) == head_revision()
        command.check(alembic_config(pg_empty_url))      # raises if models and migrations disagree
        with r.engine.connect() as conn:
            generated = conn.execute(text("SELECT is_generated FROM information_schema.columns "
                                          "WHERE table_name = 'passages' AND column_name = 'tsv'")).scalar()
            index = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_passages_tsv'")).scalar()
        assert generated == "ALWAYS" and "USING gin (tsv)" in index
        command.downgrade(alembic_config(pg_empty_url), "0001")
        with r.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM information_schema.columns "
                                     "WHERE table_name = 'passages' AND column_name = 'tsv'")).scalar() == 0
        command.upgrade(alembic_config(pg_empty_url), "head")
        assert current_revision(r.engine) == head_revision()
    finally:
        r.dispose()


@postgres
def test_the_tsvector_uses_the_same_tokens_as_fts5(pg_url):
    r = open_repo(pg_url, analyzer=Analyzer())
    r.record([fr_doc(passages=[Passage("SUMMARY", "Summary", "See hr2683-119 and 15 CFR 744.23(a)—«Café» §1758…")])])
    with r.engine.connect() as conn:
        lexemes = set(conn.execute(text("SELECT tsvector_to_array(tsv) FROM passages")).scalar())
    r.dispose()
    assert {"2026", "00789", "hr2683", "119", "744", "23", "café", "1758"} <= lexemes
    assert not {"-00789", "744.23", "hr2683-119", "§1758", "23)—«café»"} & lexemes
    assert all(lex.isalnum() for lex in lexemes), lexemes


# ---- the same storage behaviour on both backends ------------------------------------------

def test_recording_the_same_document_twice_leaves_one_version(repo):
    assert [c.kind for c in repo.record([fr_doc()])] == ["fr_document"]
    assert repo.record([fr_doc()]) == []
    assert repo.counts()["document_versions"] == 1
    assert len(repo.versions("fr_document", "2026-00789")) == 1


def test_a_changed_payload_makes_one_new_version_and_one_change(repo):
    repo.record([fr_doc()])
    changed = fr_doc(content={"comments_close_on": "2026-03-16", "title": "Revision"},
                     meta={"type": "Rule", "comments_close_on": "2026-03-16"})
    assert [c.kind for c in repo.record([changed])] == ["fr_updated"]
    assert repo.record([changed]) == []
    versions = repo.versions("fr_document", "2026-00789")
    assert [v["seq"] for v in versions] == [1, 2]
    assert versions[0]["content"]["comments_close_on"] is None
    assert repo.deadlines(start=date(2026, 3, 1), end=date(2026, 3, 31))[0]["kind"] == "comments_close"


def test_bill_parts_are_diffed(repo):
    assert sorted(c.kind for c in repo.record([bill()])) == ["action", "cosponsors", "stage"]     # Introduced
    assert repo.record([bill()]) == []
    more = bill(actions=bill().actions + [ActionRecord(date(2026, 1, 12), "Passed/agreed to in House")],
                cosponsors=bill().cosponsors + [CosponsorRecord("M001136", "Rep. McClain", "R", "MI")])
    changes = repo.record([more])
    assert sorted(c.kind for c in changes) == ["action", "cosponsors", "stage"]
    assert [c.headline for c in changes if c.kind == "stage"] == ["H.R. 2683 passed the House"]
    card = repo.bill("hr2683-119")
    assert len(card["actions"]) == 2 and len(card["cosponsors"]) == 2
    assert card["text_versions"][0]["code"] == "ih"


def test_the_outbox_is_exactly_once(repo):
    c = repo.add_change(key="deadline:1:comments:7", kind="deadline", subject="2026-00789",
                        headline="comments close in 7 days", materiality="high")
    assert c is not None
    assert repo.add_change(key="deadline:1:comments:7", kind="deadline", subject="2026-00789",
                           headline="again", materiality="high") is None
    assert repo.enqueue(target="C1", purpose="alert", ref=str(c.id), payload={"change_id": c.id}, change_id=c.id)
    assert not repo.enqueue(target="C1", purpose="alert", ref=str(c.id), payload={}, change_id=c.id)
    (d,) = repo.pending_deliveries()
    assert d["payload"] == {"change_id": c.id}
    assert repo.claim_delivery(d["id"]) and not repo.claim_delivery(d["id"])
    repo.delivery_sent([d["id"]], slack_ts="1.0")
    assert repo.pending_deliveries() == []
    assert repo.deliveries(status="sent")[0]["slack_ts"] == "1.0"


def test_slack_events_are_seen_once(repo):
    assert repo.first_time_event("Ev1")
    assert not repo.first_time_event("Ev1")
    assert repo.first_time_event("Ev2")


def test_leases_refuse_a_second_holder_and_expire(repo):
    assert repo.take_lease("job:poll:congress", "a", timedelta(seconds=60))
    assert not repo.take_lease("job:poll:congress", "b", timedelta(seconds=60))
    assert repo.take_lease("job:poll:congress", "a", timedelta(seconds=60))      # renewed by its holder
    assert repo.take_lease("job:x", "a", timedelta(seconds=-1))                  # already expired
    assert repo.take_lease("job:x", "b", timedelta(seconds=60))                  # taken over
    repo.release_lease("job:poll:congress", "a")
    assert repo.take_lease("job:poll:congress", "b", timedelta(seconds=60))


def test_aware_datetimes_round_trip_in_utc(repo):
    repo.record([fr_doc()])
    fetched = repo.versions("fr_document", "2026-00789")[0]["fetched_at"]
    assert fetched.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - fetched) < timedelta(minutes=1)
    eastern = timezone(timedelta(hours=-5))
    not_before = datetime(2026, 1, 15, 7, 0, tzinfo=eastern)                    # 12:00 UTC
    repo.enqueue(target="C1", purpose="digest", ref="w3", payload={}, not_before=not_before)
    (d,) = repo.deliveries()
    assert d["not_before"] == not_before and d["not_before"].utcoffset() == timedelta(0)
    assert repo.pending_deliveries(now=datetime(2026, 1, 15, 11, 59, tzinfo=UTC)) == []
    assert len(repo.pending_deliveries(now=datetime(2026, 1, 15, 12, 0, tzinfo=UTC))) == 1


def test_search_finds_ids_first_and_only_current_passages(repo):
    repo.record([bill()])
    repo.record([fr_doc(passages=[Passage("SUMMARY", "Summary", "license review policy for advanced computing")])])
    hits = search(repo.engine, "H.R. 2683")
    assert hits and hits[0].external_id.startswith("hr2683-119")
    assert search(repo.engine, "license review")[0].external_id == "2026-00789"
    assert search(repo.engine, "what does 2026-00789 change")[0].external_id == "2026-00789"
    assert search(repo.engine, "license review", kinds=["bill"]) == []
    repo.record([fr_doc(content={"v": 2}, passages=[Passage("SUMMARY", "Summary", "entirely new words")])])
    assert search(repo.engine, "advanced computing") == []
    assert [h.text for h in search(repo.engine, "advanced computing", current_only=False)] == [
        "license review policy for advanced computing"]
    (hit,) = search(repo.engine, "entirely new")
    assert hit.text == "entirely new words" and hit.fetched_at is not None


@pytest.mark.parametrize("q", ['H.R. 2683', '"NOT"', "title:(x", "a AND OR NEAR(", "it's", "*", "", "-x | !y <-> z:*"])
def test_user_syntax_never_breaks_search(repo, q):
    repo.record([fr_doc(passages=[Passage("SUMMARY", "Summary", "remote access to advanced computing")])])
    assert isinstance(search(repo.engine, q), list)


# ---- concurrent writers ----------------------------------------------------------------------

def test_concurrent_writers_record_different_documents(repo):
    def write(n):
        for i in range(10):
            repo.record([fr_doc(external_id=f"2026-{n:02d}{i:03d}", content={"n": n, "i": i})])

    assert in_threads(4, write) == [None] * 4
    assert repo.counts()["documents"] == 40
    assert repo.counts()["changes"] == 40


def test_two_threads_recording_the_same_document_make_one_version(two_repos):
    for round_ in range(5):
        rec = fr_doc(external_id=f"2026-1000{round_}", content={"round": round_})
        results = in_threads(2, lambda i, rec=rec: two_repos[i].record([rec]))
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sorted(len(r) for r in results) == [0, 1]           # one change, reported once
        assert len(two_repos[0].versions("fr_document", rec.external_id)) == 1
        changed = fr_doc(external_id=rec.external_id, content={"round": round_, "v": 2})
        results = in_threads(2, lambda i, rec=changed: two_repos[i].record([rec]))
        assert sorted(len(r) for r in results) == [0, 1]
        assert [v["seq"] for v in two_repos[1].versions("fr_document", rec.external_id)] == [1, 2]


def test_two_instances_recording_the_same_new_bill_at_once(two_repos):
    for round_ in range(3):
        rec = bill(bill_id=f"hr{2683 + round_}-119", number=2683 + round_)
        results = in_threads(2, lambda i, rec=rec: two_repos[i].record([rec]))
        assert not [r for r in results if isinstance(r, Exception)], results
        kinds = sorted(c.kind for r in results for c in r)
        assert kinds == ["action", "cosponsors", "stage"]             # each change reported once
        card = two_repos[1].bill(rec.bill_id)
        assert len(card["actions"]) == 1 and len(card["cosponsors"]) == 1


def test_two_instances_adding_different_versions_of_one_document_queue_up(two_repos):
    a, b = two_repos
    for round_ in range(3):
        ext = f"2026-3{round_:04d}"
        a.record([fr_doc(external_id=ext, content={"v": 0})])
        results = in_threads(2, lambda i, ext=ext: two_repos[i].record([fr_doc(external_id=ext, content={"v": i + 1})]))
        assert [[c.kind for c in r] for r in results] == [["fr_updated"], ["fr_updated"]], results
        assert [v["seq"] for v in a.versions("fr_document", ext)] == [1, 2, 3]
        doc = b.get_document("fr_document", ext)
        assert doc["version_count"] == 3 and doc["seq"] == 3            # the latest is the one written last
        with a.engine.connect() as conn:
            current = conn.execute(text("SELECT DISTINCT version_id FROM passages WHERE document_id = :d AND current"),
                                   {"d": doc["id"]}).scalars().all()
        assert current == [doc["version_id"]]


def test_overlapping_batches_in_opposite_order_both_succeed(two_repos):
    """On PostgreSQL one of them may be chosen as a deadlock victim: its batch is retried."""
    batch = [fr_doc(external_id=f"2026-2{i:04d}", content={"i": i}) for i in range(8)]
    results = in_threads(2, lambda i: two_repos[i].record(batch if i == 0 else batch[::-1]))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r) for r in results) == 8                      # each new document reported once
    assert two_repos[0].counts()["document_versions"] == 8


# ---- several instances on one database -------------------------------------------------------

def test_two_instances_racing_for_a_lease_one_wins(two_repos):
    for round_ in range(10):
        name = f"job:poll:congress:{round_}"
        won = in_threads(2, lambda i, name=name: two_repos[i].take_lease(name, f"instance-{i}", timedelta(seconds=30)))
        assert sorted(won) == [False, True], won


def test_two_instances_receiving_the_same_event_see_it_once(two_repos):
    for round_ in range(10):
        first = in_threads(2, lambda i, r=round_: two_repos[i].first_time_event(f"Ev{r:04d}"))
        assert sorted(first) == [False, True], first


def test_two_instances_claim_a_delivery_once(two_repos):
    a, b = two_repos
    for round_ in range(5):
        assert a.enqueue(target="C1", purpose="alert", ref=f"r{round_}", payload={})
        assert not b.enqueue(target="C1", purpose="alert", ref=f"r{round_}", payload={})
        (d,) = [d for d in b.pending_deliveries() if d["ref"] == f"r{round_}"]
        claimed = in_threads(2, lambda i, d=d: two_repos[i].claim_delivery(d["id"]))
        assert sorted(claimed) == [False, True], claimed


def test_two_instances_flushing_the_outbox_post_each_alert_once(db_backend, slack_fake):


    ctxs = [make_ctx(db_backend.url, slack_fake), make_ctx(db_backend.url, slack_fake)]
    try:
        for round_ in range(3):
            recs = [DocumentRecord(kind="news", external_id=f"n{round_}-{i}", title=f"Export news {round_}.{i}",
                                   url=f"https://news.example.com/{round_}/{i}", source="news",
                                   content={"r": round_, "i": i}, text="export controls") for i in range(3)]
            changes = ctxs[0].repo.record(recs)
            for c in changes:
                ctxs[0].repo.update_change(c.id, materiality="high", summary_state="none")
            assert route_alerts(ctxs[1], ctxs[1].repo.changes(ids=[c.id for c in changes])) == 3
            sent = in_threads(2, lambda i: flush(ctxs[i], client=client_for(slack_fake), sleep=lambda s: None))
            assert sorted(sent) == [0, 3], sent          # one instance held the outbox lease
        deliveries = ctxs[1].repo.deliveries(purpose="alert")
        assert len(deliveries) == 9 and {d["status"] for d in deliveries} == {"sent"}
        assert all(d["attempts"] == 1 for d in deliveries)
        posts = [json.dumps(c.body) for c in slack_fake.calls_to("chat.postMessage")]
        assert len(posts) == 3                                    # one grouped message per round
        for round_ in range(3):
            for i in range(3):
                assert sum(f"Export news {round_}.{i}" in p for p in posts) == 1
    finally:
        for ctx in ctxs:
            ctx.close()


@postgres
def test_a_sandbox_poll_stores_the_same_on_both_backends(pg_url, tmp_path, gov_sandbox):

    seen = {}
    for name, url in (("sqlite", f"sqlite:///{tmp_path}/poll.db"), ("postgres", pg_url)):
        # a key of our own: both polls go to Congress.gov (with DEMO_KEY a first poll reads bulk data)
        ctx = Context(settings=Settings(db_url=url, watchlist=str(ROOT / "watchlist.toml"), congress_api_key="sandbox",
                                        **gov_sandbox.base_urls()),
                      now_override=datetime(2026, 2, 11, 15, 0, tzinfo=UTC))
        try:
            reports = poll(ctx)
            assert [r.name for r in reports if not r.ok] == [], [(r.name, r.error) for r in reports]
            counts = ctx.repo.counts()
            assert [c for r in poll(ctx) for c in r.changes] == []          # polling again adds nothing
            assert ctx.repo.counts() == counts
            seen[name] = {"counts": counts, "changes": sorted((c.key, c.materiality) for c in ctx.repo.changes()),
                          "deliveries": sorted((d["target"], d["ref"]) for d in ctx.repo.deliveries()),
                          "bill": {k: v for k, v in (ctx.repo.bill("hr2683-119") or {}).items()
                                   if k not in ("as_of", "fetched_at")},
                          "top": [(h.external_id, h.anchor) for h in search(ctx.repo.engine, "remote access", limit=3)]}
        finally:
            ctx.close()
    assert seen["sqlite"]["counts"]["documents"] > 10 and seen["sqlite"]["changes"]
    for key in ("counts", "changes", "deliveries", "bill"):
        assert seen["postgres"][key] == seen["sqlite"][key], key
    assert seen["postgres"]["top"][:1] == seen["sqlite"]["top"][:1]


# ---- schedulers in separate processes (PostgreSQL: several `legiswatch run`) -------------------

JOB_SCRIPT = """
import os, sys, time
from datetime import timedelta
from bot.services.config import Settings
from bot.services.context import Context
from bot.runtime.scheduler import run_job

url, job_id, ttl, mode, marks, start_at, watchlist = sys.argv[1:]
time.sleep(max(0.0, float(start_at) - time.time()))
ctx = Context(settings=Settings(db_url=url, watchlist=watchlist))
ctx.repo                         # migrates and seeds the watchlist (both instances at once)

def body():
    with open(marks, "a") as fh:
        fh.write(f"{os.getpid()}\\n")
    if mode == "die":
        os._exit(9)              # killed mid-run: the lease is never released
    time.sleep(0.5)
    return {"ran": 1}

print(run_job(ctx, job_id, body, lease_ttl=timedelta(seconds=float(ttl))), flush=True)
ctx.close()
"""


def _scheduler(url: str, job_id: str, ttl: float, mode: str, marks: Path, start_at: float,
               watchlist: str = "no-watchlist.toml") -> subprocess.Popen:
    argv = [url, job_id, str(ttl), mode, str(marks), str(start_at), watchlist]
    return subprocess.Popen([sys.executable, "-c", JOB_SCRIPT, *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@postgres
def test_two_instances_starting_on_a_new_database_run_a_job_once(pg_empty_url, tmp_path):
    """Both migrate, seed the watchlist and race for the job's lease at the same moment."""
    marks = tmp_path / "marks"
    start_at = time.time() + 1.5      # both have imported by then: they race
    procs = [_scheduler(pg_empty_url, "poll:congress", 30, "run", marks, start_at, str(ROOT / "watchlist.toml"))
             for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sorted(out.strip() for out, _ in outputs) == ["None", "ok"]         # one ran, one skipped
    assert len(marks.read_text().split()) == 1
    r = open_repo(pg_empty_url, analyzer=Analyzer())
    try:
        assert current_revision(r.engine) == head_revision()
        (run,) = r.job_runs("poll:congress")
        assert run["status"] == "ok" and run["counts"] == {"ran": 1}
        seeded = [(e["kind"], e["value"]) for e in r.watch_events()]
        assert seeded and len(seeded) == len(set(seeded))                      # seeded once
    finally:
        r.dispose()


@postgres
def test_a_killed_holder_lease_expires_and_the_next_run_takes_over(pg_url, tmp_path):

    marks = tmp_path / "marks"
    ttl = 1.5
    ctx = Context(settings=Settings(db_url=pg_url, watchlist="no-watchlist.toml"))
    assert ctx.repo.dialect == "postgresql"
    ran = []
    try:
        dead = _scheduler(pg_url, "poll:congress", ttl, "die", marks, 0)
        dead.communicate(timeout=60)
        died = time.time()
        assert dead.returncode == 9 and len(marks.read_text().split()) == 1
        assert run_job(ctx, "poll:congress", lambda: ran.append(1), lease_ttl=timedelta(seconds=60)) is None
        assert ran == []                                   # the dead holder's lease still stands
        time.sleep(max(0.0, died + ttl + 0.2 - time.time()))     # it took the lease before it died
        assert run_job(ctx, "poll:congress", lambda: ran.append(1), lease_ttl=timedelta(seconds=60)) == "ok"
        assert ran == [1]
        runs = ctx.repo.job_runs("poll:congress")
        assert [r["status"] for r in runs] == ["ok", "running"]   # the killed run stays visible as running
    finally:
        ctx.close()


# ---- two Slack app instances -----------------------------------------------------------------

@postgres
def test_two_app_instances_answer_the_same_slack_event_once(pg_url, slack_fake):

    ctxs = [make_ctx(pg_url, slack_fake), make_ctx(pg_url, slack_fake)]
    try:
        with http_app(ctxs[0], slack_fake) as one, http_app(ctxs[1], slack_fake) as two:
            assert ctxs[0].repo.engine is not ctxs[1].repo.engine
            event = {"type": "app_home_opened", "user": "U123", "channel": "D123", "tab": "home"}
            for n in range(3):
                codes = in_threads(2, lambda i, n=n: (one, two)[i].event(f"EvDup{n}", event).status_code)
                assert codes == [200, 200]
                slack_fake.wait_for("views.publish", n + 1)
            time.sleep(0.3)
            assert len(slack_fake.calls_to("views.publish")) == 3      # one answer per event
    finally:
        for ctx in ctxs:
            ctx.close()


# ---- the CLI reports the backend ---------------------------------------------------------

@postgres
def test_db_upgrade_and_status_report_postgresql(pg_empty_url, monkeypatch, capsys):

    monkeypatch.setenv("LEGISWATCH_DB_URL", pg_empty_url)
    monkeypatch.setenv("LEGISWATCH_WATCHLIST", "no-watchlist.toml")
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"(postgresql) is at revision {head_revision()}" in out
    assert main(["status"]) == 0
    assert "database: postgresql" in capsys.readouterr().out
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backend"] == "postgresql"


# ---- search ranks the same on both backends ---------------------------------------------------

def _corpus_records() -> list[DocumentRecord]:
    out = []
    for d in CORPUS["documents"]:
        out.append(DocumentRecord(kind=d["kind"], external_id=d["external_id"], title=d["title"], url=None,
                                  source="test", content={"id": d["external_id"], "passages": d["passages"]},
                                  meta=d["meta"], passages=[Passage(*p) for p in d["passages"]]))
    return out


def same_up_to_ties(pg: list, lite: list, k: int, tie: float = 0.01) -> bool:
    """PostgreSQL's top ``k`` is SQLite's, except that results whose SQLite scores are within
    ``tie`` (relative) of each other may come in either order."""
    lite_score = {key: score for key, score in lite}
    for i, (key, _) in enumerate(pg[:k]):
        if i >= len(lite) or key not in lite_score:
            return False
        if abs(lite_score[key] - lite[i][1]) > tie * abs(lite[i][1]):
            return False
    return len(pg[:k]) == len(lite[:k])


@postgres
def test_postgres_ranks_like_fts5_on_the_test_corpus(pg_url, tmp_path):
    backends = {"sqlite": open_repo(f"sqlite:///{tmp_path}/corpus.db", analyzer=Analyzer()), "postgres": open_repo(pg_url, analyzer=Analyzer())}
    try:
        for r in backends.values():
            r.record(_corpus_records())
        top = {name: {q: [((h.external_id, h.anchor), h.score) for h in search(r.engine, q, limit=6)]
                      for q in CORPUS["questions"]} for name, r in backends.items()}
    finally:
        for r in backends.values():
            r.dispose()
    for q in CORPUS["questions"]:
        lite, pg = top["sqlite"][q], top["postgres"][q]
        assert lite, f"no SQLite hits for {q!r}"
        assert pg[0][0] == lite[0][0], (q, pg[:3], lite[:3])                  # the same best passage
        assert same_up_to_ties(pg, lite, 3), (q, pg[:3], lite[:3])             # the same top three
        assert abs(pg[0][1] - lite[0][1]) < 0.2 * lite[0][1], (q, pg[0], lite[0])   # on the same scale
    assert top["postgres"]["What does H.R. 2683 say about remote access?"][0][0][0].startswith("hr2683-119")
    assert top["postgres"]["when do comments close on 2026-00789"][0][0] == ("2026-00789", "DATES")


@postgres
def test_planner_statistics_rank_like_exact_counts(pg_url, monkeypatch):
    """Large tables take word frequencies from ANALYZE's statistics instead of counting them."""

    r = open_repo(pg_url, analyzer=Analyzer())
    try:
        r.record(_corpus_records())
        with r.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE passages")
            conn.commit()
        exact = {q: [((h.external_id, h.anchor), h.score) for h in search(r.engine, q, limit=6)]
                 for q in CORPUS["questions"]}
        monkeypatch.setattr(search_pg, "EXACT_BELOW", 0)      # as if the table were large
        estimated = {q: [((h.external_id, h.anchor), h.score) for h in search(r.engine, q, limit=6)]
                     for q in CORPUS["questions"]}
    finally:
        r.dispose()
    assert estimated != exact                               # the statistics were used: scores moved a little
    for q in CORPUS["questions"]:
        assert same_up_to_ties(estimated[q], exact[q], 3, tie=0.02), (q, estimated[q][:3], exact[q][:3])


def test_ties_are_judged_on_sqlite_scores():
    lite = [("a", 10.0), ("b", 6.60), ("c", 6.59), ("d", 2.0)]
    assert same_up_to_ties([("a", 9.9), ("c", 6.5), ("b", 6.4)], lite, 3)
    assert not same_up_to_ties([("b", 9.9), ("a", 6.5), ("c", 6.4)], lite, 3)
    assert not same_up_to_ties([("a", 9.9), ("b", 6.5), ("d", 6.4)], lite, 3)
    assert not same_up_to_ties([("a", 9.9)], lite, 3)


def test_postgres_tests_skip_without_a_url_and_fail_when_required(monkeypatch):
    """No TEST_DATABASE_URL: postgres-marked tests are marked skipped at collection, with the reason;
    with TEST_DATABASE_REQUIRED=1 (CI) they are not, and the server fixture fails instead."""
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("TEST_DATABASE_REQUIRED", raising=False)
    assert "TEST_DATABASE_URL=postgresql+psycopg://" in skip_reason()
    monkeypatch.setenv("TEST_DATABASE_REQUIRED", "1")
    assert skip_reason() is None
    monkeypatch.delenv("TEST_DATABASE_REQUIRED")
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/x")
    assert skip_reason() is None


def test_the_server_fixture_fails_rather_than_skips(pytester, monkeypatch):
    pytester.makepyfile(test_x="from tests.pg_fixtures import pg_server  # noqa: F401\n\n\n"
                               "def test_pg(pg_server):\n    pass\n")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("TEST_DATABASE_REQUIRED", "1")
    required = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    required.assert_outcomes(errors=1)
    required.stdout.fnmatch_lines(["*TEST_DATABASE_URL is not set*"])


@postgres             # so .ci/postgres, which installs the driver, runs it and fails if it is skipped
@pytest.mark.skipif(importlib.util.find_spec("psycopg") is None,
                    reason="psycopg is not installed: pip install -e '.[postgres]'")
def test_plain_postgres_urls_mean_psycopg():

    assert normalise_url("postgres://u:p@db/lw") == "postgresql+psycopg://u:p@db/lw"
    assert normalise_url("postgresql://u@db:5433/lw") == "postgresql+psycopg://u@db:5433/lw"
    assert normalise_url("postgresql+psycopg://u@db/lw") == "postgresql+psycopg://u@db/lw"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    engine = make_engine("postgresql://u@127.0.0.1:1/lw")       # no connection until first use
    assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
