"""Requests and bytes of a backfill of the demo's bills: govinfo bulk data vs Congress.gov.

Run: ``.venv/bin/python bench/bench_bulk.py`` (against the bundled sandbox, a temporary database)."""

from __future__ import annotations

import tempfile
from datetime import date

from bot.sandbox.government import GovSandbox
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.pipeline import poll_source

BILLS = ("hr8152-118", "hr2683-119", "s3519-119")


def run(label: str, key: str, sandbox: GovSandbox, folder: str) -> None:
    ctx = Context(settings=Settings(db_url=f"sqlite:///{folder}/{label}.db", watchlist="none.toml",
                                    congress_api_key=key, **sandbox.base_urls()))
    for bill in BILLS:
        ctx.repo.add_watch("bill", bill, actor="bench")
    for step in ("backfill", "next poll"):
        sandbox.reset_log()
        report = poll_source(ctx, "congress", since=date(2026, 1, 1) if step == "backfill" else None)
        print(f"{label:<28} {step:<10} served by {report.served_by or '-':<11} requests {sandbox.count():>3} "
              f"(Congress.gov {sandbox.count('/congress/'):>3}, govinfo {sandbox.count('/govinfo/'):>3}, "
              f"govinfo API {sandbox.count('/govinfo-api/'):>3})  changes {len(report.changes)}")
    ctx.close()


def main() -> None:
    with GovSandbox() as sandbox, tempfile.TemporaryDirectory() as folder:
        run("DEMO_KEY (bulk data)", "DEMO_KEY", sandbox, folder)
        run("own key (Congress.gov)", "bench-key-0123456789", sandbox, folder)


if __name__ == "__main__":
    main()
