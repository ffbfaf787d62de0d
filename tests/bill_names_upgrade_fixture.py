"""The database the bill-names upgrade test starts from: made by the code before ``bill_names``
(commit 107986b), with H.R. 2683 (119th, "Remote Access Security Act") and H.R. 4100 (119th,
"Chip Security Act") stored, so migration 0007 must fill the name index from existing bills.

    git archive 107986b bot scrapers storage prompts | tar -x -C /tmp/old-names
    cd /tmp/old-names && PYTHONPATH=/tmp/old-names:$REPO $REPO/.venv/bin/python -m tests.bill_names_upgrade_fixture \
        $REPO/tests/data/upgrade/pre_bill_names.sqlite
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.services.config import Settings
from bot.services.context import Context
from tests.slackkit import flagship_bill


def build(path: Path) -> None:
    path.unlink(missing_ok=True)
    ctx = Context(settings=Settings(db_url=f"sqlite:///{path}", watchlist="no-watchlist.toml"))
    ctx.repo.record([flagship_bill(), flagship_bill(bill_id="hr4100-119", number=4100, short_title="Chip Security Act",
                                                    title="To require location verification of chips.")],
                    ctx.analyzer)
    ctx.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
