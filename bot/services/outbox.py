"""The outbox, for every way out (Slack, the console): one flush at a time, and what a delivery
holds — an ordered list of parts (what to say), each with its own idempotency key, rendered for its
target only when it is delivered.

A flush holds the ``outbox`` lease; holding it, no other flush is running, so every claim made
before now is a crashed run's and is released before anything is delivered. The lease records
``host:pid:thread``: a holder on this host whose process is gone is known dead and its lease is
taken over at once; a holder elsewhere holds a short lease (``LEASE_TTL``) that the flush renews
while it posts (:func:`keep_lease`), so a dead one stalls the outbox for at most that long. Each delivery is
then claimed before it is delivered and marked sent after, so it goes out once even across
restarts and with several instances.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from bot.services.context import Context

log = logging.getLogger(__name__)
LEASE = "outbox"
LEASE_TTL = timedelta(seconds=60)
_held = threading.local()


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def holder_is_dead(holder: str | None) -> bool:
    """True when ``holder`` (``host:pid:thread``) is a process on this host that no longer runs."""
    host, _, rest = (holder or "").partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


def keep_lease(ctx: Context) -> None:
    """Renew the outbox lease this thread holds (called before each post of a flush)."""
    holder = getattr(_held, "holder", None)
    if holder:
        ctx.repo.take_lease(LEASE, holder, LEASE_TTL)


@contextmanager
def outbox_lease(ctx: Context) -> Iterator[bool]:
    """Hold the outbox lease for one flush; yields False (and holds nothing) when another flush
    runs. Stale claims are released once the lease is held."""
    repo = ctx.repo
    holder = _holder()
    if not repo.take_lease(LEASE, holder, LEASE_TTL):
        other = repo.lease_holder(LEASE)
        if not (holder_is_dead(other) and repo.take_lease_from(LEASE, other, holder, LEASE_TTL)):
            log.info("outbox: another flush holds the lease; skipping")
            yield False
            return
        log.warning("outbox: the flush holding the lease (%s) died; taking over its deliveries", other)
    _held.holder = holder
    try:
        repo.release_stale_sending(older_than=timedelta(0))
        yield True
    finally:
        _held.holder = None
        repo.release_lease(LEASE, holder)


# ---- what a delivery says: an ordered list of parts, each with its own idempotency key ----------

ALERT, DIGEST, TEXT, RENDERED = "alert", "digest", "text", "rendered"


def part(key: str, kind: str, data: dict) -> dict:
    """One part of a delivery: what to say (``kind`` + ``data``), under a key no other part has."""
    return {"key": key, "kind": kind, "data": data}


def alert_payload(target: str, change_id: int) -> dict:
    return {"v": 2, "parts": [part(f"alert:{target}:{change_id}", ALERT, {"change_id": change_id})]}


def digest_payload(target: str, day: str, data: dict) -> dict:
    """A digest as data (``Digest.to_dict()``), rendered for its target when it is delivered."""
    return {"v": 2, "parts": [part(f"digest:{target}:{day}", DIGEST, data)]}


def text_payload(key: str, text: str) -> dict:
    return {"v": 2, "parts": [part(key, TEXT, {"text": text})]}


def parts_of(delivery: dict) -> list[dict]:
    """The parts of a delivery; rows written before parts existed (``{"change_id"}`` alerts,
    pre-rendered ``{"text", "blocks"}`` digests) read as one part (migration 0005 rewrites them)."""
    payload = delivery.get("payload") or {}
    if payload.get("v") == 2:
        return list(payload.get("parts") or [])
    return legacy_parts(delivery["target"], delivery["purpose"], delivery["ref"], payload)


def legacy_parts(target: str, purpose: str, ref: str, payload: dict) -> list[dict]:
    if "change_id" in payload and "blocks" not in payload:
        return [part(f"alert:{target}:{payload['change_id']}", ALERT, {"change_id": payload["change_id"]})]
    if payload.get("blocks"):
        return [part(f"{purpose}:{target}:{ref}", RENDERED, {"text": payload.get("text") or " ",
                                                             "blocks": payload["blocks"]})]
    return [part(f"{purpose}:{target}:{ref}", TEXT, {"text": payload.get("text") or ""})]


def posted_keys(delivery: dict) -> set[str]:
    """Keys of the messages of this delivery already posted (a crash between two never repeats one)."""
    return set((delivery.get("payload") or {}).get("posted") or [])
