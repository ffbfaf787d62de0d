"""Fixtures of the reliability suite (helpers live in ``relkit.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.government import GovSandbox


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[GovSandbox]:
    """One government sandbox (bundled data) for a whole module; faults are cleared around each use."""
    with GovSandbox() as sandbox:
        yield sandbox
