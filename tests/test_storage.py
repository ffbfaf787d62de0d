"""Storage: migrations agree with the models, recording is idempotent, every version is kept,
changes/deliveries/events have natural keys, FTS queries are safe."""

import threading
from datetime import date, timedelta

import pytest
from alembic import command

from scrapers.records import (
    ActionRecord,
    BillRecord,
    CosponsorRecord,
    DocumentRecord,
    Passage,
    TextVersionRecord,
)
from storage.db import alembic_config, current_revision
from storage.repo import open_repo
from storage.search import fts5_query, search


@pytest.fixture
def repo(tmp_path):
    r = open_repo(f"sqlite:///{tmp_path}/test.db")
    yield r
    r.dispose()


def fr_doc(**over):
    base = dict(kind="fr_document", external_id="2026-00789", title="Revision to License Review Policy",
                url="https://www.federalregister.gov/d/2026-00789", source="federal_register",
                content={"comments_close_on": None, "title": "Revision"}, text="advanced computing commodities",
                meta={"type": "Rule", "effective_on": "2026-01-15",
                      "matched": [{"watch": "agency:industry-and-security-bureau"}]}, date=date(2026, 1, 15))
    base.update(over)
    return DocumentRecord(**base)


def test_migrations_on_an_empty_file_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    r = open_repo(url)
    assert current_revision(r.engine) == "0003"
    command.check(alembic_config(url))   # raises if models and migrations disagree
    r.dispose()


def test_sqlite_pragmas(repo):
    with repo.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_recording_the_same_document_twice_leaves_one_version(repo):
    first = repo.record([fr_doc()])
    assert [c.kind for c in first] == ["fr_document"]
    assert repo.record([fr_doc()]) == []
    assert repo.counts()["document_versions"] == 1
    assert len(repo.versions("fr_document", "2026-00789")) == 1


def test_a_changed_payload_makes_one_new_version_and_one_change(repo):
    repo.record([fr_doc()])
    changed = fr_doc(content={"comments_close_on": "2026-03-16", "title": "Revision"},
                     meta={"type": "Rule", "comments_close_on": "2026-03-16"})
    new = repo.record([changed])
    assert [c.kind for c in new] == ["fr_updated"]
    assert repo.record([changed]) == []
    versions = repo.versions("fr_document", "2026-00789")
    assert [v["seq"] for v in versions] == [1, 2]
    assert versions[0]["content"]["comments_close_on"] is None      # the old version is kept as it was
    assert repo.deadlines(start=date(2026, 3, 1), end=date(2026, 3, 31))[0]["kind"] == "comments_close"


def test_moved_deadline_supersedes_the_old_date(repo):
    repo.record([fr_doc(meta={"comments_close_on": "2026-03-16"}, content={"v": 1})])
    repo.record([fr_doc(meta={"comments_close_on": "2026-04-15"}, content={"v": 2})])
    due = [d["due"] for d in repo.deadlines(start=date(2026, 3, 1), end=date(2026, 5, 1))]
    assert due == [date(2026, 4, 15)]


def bill(**over):
    base = dict(bill_id="hr2683-119", congress=119, type="hr", number=2683, title="Remote Access Security Act",
                short_title="Remote Access Security Act", raw={"number": "2683", "updateDate": "2026-01-13"},
                actions=[ActionRecord(date(2025, 4, 7), "Introduced in House", code="Intro-H")],
                cosponsors=[CosponsorRecord("J000305", "Rep. Jackson, Jeff [D-NC-14]", "D", "NC")],
                text_versions=[TextVersionRecord("ih", "Introduced in House", date(2025, 4, 7), None)])
    base.update(over)
    return BillRecord(**base)


def test_bill_parts_are_diffed(repo):
    kinds = sorted(c.kind for c in repo.record([bill()]))
    assert kinds == ["action", "cosponsors"]
    assert repo.record([bill()]) == []
    more = bill(actions=bill().actions + [ActionRecord(date(2026, 1, 12), "Passed/agreed to in House: On motion "
                                                       "to suspend the rules and pass the bill, as amended")],
                cosponsors=bill().cosponsors + [CosponsorRecord("M001136", "Rep. McClain", "R", "MI")])
    new = repo.record([more])
    assert sorted(c.kind for c in new) == ["action", "cosponsors"]
    card = repo.bill("hr2683-119")
    assert len(card["actions"]) == 2 and len(card["cosponsors"]) == 2
    assert card["text_versions"][0]["code"] == "ih"


def test_change_keys_and_outbox_are_exactly_once(repo):
    c = repo.add_change(key="deadline:1:comments:2026-03-16:7", kind="deadline", subject="2026-00789",
                        headline="comments close in 7 days", materiality="high")
    assert c is not None
    assert repo.add_change(key="deadline:1:comments:2026-03-16:7", kind="deadline", subject="2026-00789",
                           headline="again", materiality="high") is None
    assert repo.enqueue(target="C1", purpose="alert", ref=str(c.id), payload={}, change_id=c.id)
    assert not repo.enqueue(target="C1", purpose="alert", ref=str(c.id), payload={}, change_id=c.id)
    (d,) = repo.pending_deliveries()
    assert repo.claim_delivery(d["id"]) and not repo.claim_delivery(d["id"])
    repo.delivery_sent([d["id"]], slack_ts="1.0")
    assert repo.pending_deliveries() == []


def test_slack_event_dedupe_and_leases(repo):
    assert repo.first_time_event("Ev1") and not repo.first_time_event("Ev1")
    assert repo.take_lease("job:poll:congress", "a", timedelta(seconds=60))
    assert not repo.take_lease("job:poll:congress", "b", timedelta(seconds=60))
    assert repo.take_lease("job:poll:congress", "a", timedelta(seconds=60))      # renew
    assert repo.take_lease("job:x", "a", timedelta(seconds=-1))
    assert repo.take_lease("job:x", "b", timedelta(seconds=60))                  # expired: taken over


@pytest.mark.parametrize("q", ['H.R. 2683', '"NOT"', 'NOT', 'title:(x', 'a AND OR NEAR(', "it's", '*', ''])
def test_fts_queries_with_user_syntax_never_break(repo, q):
    repo.record([fr_doc(passages=[Passage("SUMMARY", "Summary", "remote access to advanced computing")])])
    search(repo.engine, q)      # no exception
    assert '"' not in fts5_query(q).replace('""', "").replace('" OR "', "").strip('"')


def test_search_ranks_ids_and_current_versions(repo):
    repo.record([bill()])
    repo.record([fr_doc(passages=[Passage("SUMMARY", "Summary", "license review policy for advanced computing")])])
    hits = search(repo.engine, "H.R. 2683")
    assert hits and hits[0].external_id.startswith("hr2683-119")
    assert search(repo.engine, "license review")[0].external_id == "2026-00789"
    repo.record([fr_doc(content={"v": 2}, passages=[Passage("SUMMARY", "Summary", "entirely new words")])])
    assert search(repo.engine, "advanced computing") == []      # the old version's passages are not current
    assert search(repo.engine, "entirely new")[0].text == "entirely new words"


def test_concurrent_writers_do_not_fail(repo):
    errors = []

    def write(n):
        try:
            for i in range(15):
                repo.record([fr_doc(external_id=f"2026-{n:02d}{i:03d}", content={"n": n, "i": i})])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert repo.counts()["documents"] == 60
