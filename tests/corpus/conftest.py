"""The corpus suite must really run: under ``-m corpus`` (``.ci/corpus``), a skipped test (the
shared corpus absent, a file left out) or an empty selection fails the run."""

from __future__ import annotations

import pytest


def _corpus_run(config: pytest.Config) -> bool:
    return "corpus" in (config.option.markexpr or "") and "not corpus" not in (config.option.markexpr or "")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _corpus_run(session.config):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter is not None else {}
    skipped = len(stats.get("skipped", []))
    ran = len(stats.get("passed", [])) + len(stats.get("failed", []))
    if skipped or not ran:
        if reporter is not None:
            reporter.write_line(f"corpus suite: {ran} ran, {skipped} skipped — it must run every test, skip none",
                                red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
