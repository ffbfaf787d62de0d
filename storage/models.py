"""SQLModel tables. Constraints are named (see ``NAMING``) so Alembic can see and alter them.

Every version of every document is an immutable ``document_versions`` row keyed by content hash;
changes, summaries, deliveries and Slack events each carry a natural unique key so a retry or a
crash never duplicates anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, Index, LargeBinary, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _text(**kw):
    return Field(default=None, sa_column=Column(Text, **kw))


class Source(SQLModel, table=True):
    __tablename__ = "sources"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    cursor_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    etag: str | None = None
    last_modified: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = _text()
    last_error_at: datetime | None = None
    failing_since: datetime | None = None
    consecutive_failures: int = 0
    next_attempt_at: datetime | None = None     # backoff: no attempt before this
    alerted_failing: bool = False


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("kind", "external_id", name="uq_documents_kind_external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    external_id: str = Field(max_length=200)
    title: str = _text()
    url: str | None = _text()
    source: str = Field(max_length=64)
    parent_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    doc_date: date | None = None
    first_seen_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    latest_version_id: int | None = None
    version_count: int = 0


class DocumentVersion(SQLModel, table=True):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "content_sha256", name="uq_document_versions_doc_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    seq: int = 1
    content_sha256: str = Field(max_length=64)
    fetched_at: datetime = Field(default_factory=utcnow)
    fetched_url: str | None = _text()
    title: str | None = _text()
    content_json: str = _text()
    text: str | None = _text()
    meta_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary))


class Passage(SQLModel, table=True):
    __tablename__ = "passages"
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="document_versions.id", index=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    ordinal: int = 0
    anchor: str = Field(default="", max_length=200)
    heading: str = _text()
    text: str = _text()
    ids: str = _text()          # exact identifiers and titles, weighted in search ("hr2683-119 H.R. 2683 ...")
    current: bool = True        # false once a newer version of the document replaced it


class Bill(SQLModel, table=True):
    __tablename__ = "bills"
    id: str = Field(primary_key=True, max_length=32)        # hr2683-119
    congress: int
    type: str = Field(max_length=8)
    number: int
    title: str = _text()
    short_title: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    introduced: date | None = None
    origin_chamber: str | None = None
    sponsor_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    policy_area: str | None = None
    stage: str | None = None
    stage_date: date | None = None
    latest_action_date: date | None = None
    latest_action_text: str | None = _text()
    update_date: str | None = None
    update_date_including_text: str | None = None
    url: str | None = _text()
    crs_summary: str | None = _text()
    as_of: datetime | None = None
    document_id: int | None = Field(default=None, foreign_key="documents.id")


class BillName(SQLModel, table=True):
    """The names a question may call a bill by (``scrapers.ids.title_keys`` of its short title, and
    the whole normalized short title as ``whole``): questions and cards find bills by name through
    this index instead of loading every bill."""
    __tablename__ = "bill_names"
    key: str = Field(primary_key=True, max_length=512)
    bill_id: str = Field(primary_key=True, foreign_key="bills.id", index=True, max_length=32)
    words: int = Field(default=1, index=True)       # how many words the key has (the longest run asked)
    whole: bool = False                             # the whole short title (not an initials key)


class BillAction(SQLModel, table=True):
    __tablename__ = "bill_actions"
    __table_args__ = (UniqueConstraint("bill_id", "action_key", name="uq_bill_actions_bill_key"),)
    id: int | None = Field(default=None, primary_key=True)
    bill_id: str = Field(foreign_key="bills.id", index=True, max_length=32)
    action_key: str = Field(max_length=32)
    action_date: date
    text: str = _text()
    code: str | None = None
    type: str | None = None
    chamber: str | None = None
    procedural: bool = False
    stage: str | None = None
    votes_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))


class Cosponsor(SQLModel, table=True):
    __tablename__ = "cosponsors"
    __table_args__ = (UniqueConstraint("bill_id", "bioguide_id", name="uq_cosponsors_bill_member"),)
    id: int | None = Field(default=None, primary_key=True)
    bill_id: str = Field(foreign_key="bills.id", index=True, max_length=32)
    bioguide_id: str = Field(max_length=16)
    name: str
    party: str | None = None
    state: str | None = None
    district: str | None = None
    sponsorship_date: date | None = None
    original: bool = False
    withdrawn_date: date | None = None


class BillCommittee(SQLModel, table=True):
    __tablename__ = "bill_committees"
    __table_args__ = (UniqueConstraint("bill_id", "system_code", name="uq_bill_committees_bill_code"),)
    id: int | None = Field(default=None, primary_key=True)
    bill_id: str = Field(foreign_key="bills.id", index=True, max_length=32)
    system_code: str = Field(max_length=16)
    name: str
    chamber: str | None = None
    activities_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))


class TextVersion(SQLModel, table=True):
    __tablename__ = "text_versions"
    __table_args__ = (UniqueConstraint("bill_id", "code", name="uq_text_versions_bill_code"),)
    id: int | None = Field(default=None, primary_key=True)
    bill_id: str = Field(foreign_key="bills.id", index=True, max_length=32)
    code: str = Field(max_length=8)
    name: str = ""
    version_date: date | None = None
    xml_url: str | None = _text()
    document_id: int | None = Field(default=None, foreign_key="documents.id")


class RelatedBill(SQLModel, table=True):
    __tablename__ = "related_bills"
    __table_args__ = (UniqueConstraint("bill_id", "related_id", name="uq_related_bills_pair"),)
    id: int | None = Field(default=None, primary_key=True)
    bill_id: str = Field(foreign_key="bills.id", index=True, max_length=32)
    related_id: str = Field(max_length=32)
    title: str = ""
    relationship: str = ""
    identified_by: str = ""


class BillStage(SQLModel, table=True):
    __tablename__ = "bill_stages"
    __table_args__ = (UniqueConstraint("bill_id", "stage", name="uq_bill_stages_bill_stage"),)
    id: int | None = Field(default=None, primary_key=True)
    bill_id: str = Field(foreign_key="bills.id", index=True, max_length=32)
    stage: str = Field(max_length=32)
    stage_date: date | None = None
    ordinal: int = 0


class Deadline(SQLModel, table=True):
    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("document_id", "kind", "due", name="uq_deadlines_doc_kind_due"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    kind: str = Field(max_length=32)        # comments_close | effective
    due: date = Field(index=True)
    superseded: bool = False                 # a later version moved the date


class Change(SQLModel, table=True):
    __tablename__ = "changes"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)   # natural key: document + kind + what it stems from
    kind: str = Field(max_length=32, index=True)
    document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    bill_id: str | None = Field(default=None, max_length=32, index=True)
    subject: str = Field(max_length=200)     # external id of what changed (hr2683-119, 2026-00789)
    headline: str = _text()                  # one line for people (untrusted text inside: escape at the edge)
    detail_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    from_version_id: int | None = None
    to_version_id: int | None = None
    materiality: str = Field(default="normal", max_length=8, index=True)
    change_date: date | None = None
    detected_at: datetime = Field(default_factory=utcnow, index=True)
    summary_id: int | None = Field(default=None, foreign_key="summaries.id")
    summary_state: str = Field(default="pending", max_length=16, index=True)   # pending | done | none


class Summary(SQLModel, table=True):
    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("input_hash", "prompt_version", "model", name="uq_summaries_cache_key"),)
    id: int | None = Field(default=None, primary_key=True)
    input_hash: str = Field(max_length=64)
    prompt_version: str = Field(max_length=64)
    model: str = Field(max_length=128)
    text: str = _text()
    bullets_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    citations_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    produced_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class LLMCall(SQLModel, table=True):
    __tablename__ = "llm_calls"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    purpose: str = Field(max_length=64)
    model: str = Field(max_length=128)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    ok: bool = True
    error: str | None = _text()


class WatchItem(SQLModel, table=True):
    __tablename__ = "watch_items"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_watch_items_kind_value"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)         # bill | term | agency | feed
    value: str = Field(max_length=500)       # canonical: hr2683-119, "remote access", slug, url
    label: str = ""
    channel: str | None = None               # alerts for this item go here (None: the alert channel)
    added_by: str = ""
    added_at: datetime = Field(default_factory=utcnow)


class WatchEvent(SQLModel, table=True):
    __tablename__ = "watch_events"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = ""
    action: str = Field(max_length=16)       # add | remove | import | seed
    kind: str = Field(max_length=16)
    value: str = Field(max_length=500)
    channel: str | None = None


class Delivery(SQLModel, table=True):
    """The outbox: one row per (target, purpose, ref); ``ref`` is the change id, or a digest part."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("target", "purpose", "ref", name="uq_deliveries_target_purpose_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=64)
    purpose: str = Field(max_length=16)      # alert | digest | health | answer
    ref: str = Field(max_length=200)
    change_id: int | None = Field(default=None, foreign_key="changes.id")
    payload_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    status: str = Field(default="pending", max_length=16, index=True)   # pending | sending | sent | failed
    attempts: int = 0
    last_error: str | None = _text()
    not_before: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    claimed_at: datetime | None = None      # when a sender took it (wall clock): stale claims are released
    slack_ts: str | None = None
    group_ref: str | None = None            # alerts posted together in one message


class SlackEvent(SQLModel, table=True):
    __tablename__ = "slack_events"
    event_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(default_factory=utcnow)


class JobRun(SQLModel, table=True):
    __tablename__ = "job_runs"
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=64, index=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=16)     # running | ok | error | skipped
    counts_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    error: str | None = _text()
    holder: str | None = None


class Lease(SQLModel, table=True):
    """Job leases for several instances on one database (PostgreSQL)."""

    __tablename__ = "leases"
    name: str = Field(primary_key=True, max_length=128)
    holder: str = Field(max_length=128)
    expires_at: datetime


class KeyValue(SQLModel, table=True):
    __tablename__ = "kv"
    name: str = Field(primary_key=True, max_length=128)
    value: str = _text()
    updated_at: datetime = Field(default_factory=utcnow)


class AnswerLog(SQLModel, table=True):
    __tablename__ = "answers"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    where: str = Field(default="", max_length=64)      # cli | chat | slack:C123
    thread: str | None = Field(default=None, max_length=128, index=True)
    question: str = _text()
    subject: str | None = None                          # bill id the thread is about
    answer: str = _text()
    sources_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    model: str = Field(default="extractive", max_length=128)
    prompt_tokens: int = 0
    completion_tokens: int = 0


Index("ix_changes_kind_date", Change.kind, Change.change_date)
Index("ix_bills_type_number", Bill.type, Bill.number)
