"""The outbox's one rule for every way out (Slack, the console): one flush at a time.

A flush holds the ``outbox`` lease; holding it, no other flush is running, so every claim made
before now is a crashed run's and is released before anything is delivered. Each delivery is
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
LEASE_TTL = timedelta(minutes=5)


@contextmanager
def outbox_lease(ctx: Context) -> Iterator[bool]:
    """Hold the outbox lease for one flush; yields False (and holds nothing) when another flush
    runs. Stale claims are released once the lease is held."""
    repo = ctx.repo
    holder = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    if not repo.take_lease(LEASE, holder, LEASE_TTL):
        log.info("outbox: another flush holds the lease; skipping")
        yield False
        return
    try:
        repo.release_stale_sending(older_than=timedelta(0))
        yield True
    finally:
        repo.release_lease(LEASE, holder)
