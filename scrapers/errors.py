"""The legiswatch exception tree: part of the shared vocabulary every room may import.

Every error the project raises on purpose is one of these. The errors about sources, input and
storage live here, in the lowest room; the two that only one room raises live beside it, still
subclasses of this tree::

    LegiswatchError
    ├── BadInput                 user input that cannot be understood (exit 2)
    │   └── BadBillId            a bill id in none of the accepted forms
    ├── NotFound                 a well-formed id that no source knows (exit 1)
    ├── SourceError              a source could not be polled; carries ``source``
    │   ├── SourceUnavailable    connection refused/reset, timeout, 5xx after retries
    │   ├── SourceRateLimited    429 after retries (``retry_after`` seconds, if given)
    │   ├── SourceChanged        the response no longer has the expected shape
    │   └── HostileContent       XML with entities/DTD tricks, oversized or undecodable bodies
    ├── StorageError             the database refused (lock held, migration missing)
    │   └── SchedulerLocked      another scheduler already runs on this database (bot/runtime/scheduler.py)
    └── LLMError                 the LLM failed or returned an ungrounded reply (bot/analysis/llm.py)

Messages never contain secrets: URLs are masked before they are put in a message.
"""

from __future__ import annotations


class LegiswatchError(Exception):
    """Base of every error legiswatch raises on purpose."""


class BadInput(LegiswatchError):
    """User input that cannot be understood. The message says what is accepted."""


class BadBillId(BadInput):
    """A bill id in none of the accepted forms."""


class NotFound(LegiswatchError):
    """A well-formed id that no source knows."""


class SourceError(LegiswatchError):
    """A source could not be polled."""

    def __init__(self, message: str, *, source: str = "", url: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.url = url


class SourceUnavailable(SourceError):
    """Connection refused or reset, timeout, or a 5xx after retries."""


class SourceRateLimited(SourceError):
    """HTTP 429 after retries."""

    def __init__(self, message: str, *, source: str = "", url: str = "", retry_after: float | None = None):
        super().__init__(message, source=source, url=url)
        self.retry_after = retry_after


class SourceChanged(SourceError):
    """The response no longer has the shape the parser expects."""


class HostileContent(SourceError):
    """Entities, DTD tricks, oversized or undecodable bodies."""


class StorageError(LegiswatchError):
    """The database refused."""
