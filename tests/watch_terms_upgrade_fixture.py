"""The database the watch-terms upgrade test starts from: made by the code before terms were
case-insensitive (commit 92241e5), which stored "export controls", "Export Controls" and
"EXPORT  controls" as three items, and "Remote Access" beside a bill and an agency.

    git archive 92241e5 bot scrapers storage prompts | tar -x -C /tmp/old
    cd /tmp/old && PYTHONPATH=/tmp/old:$REPO $REPO/.venv/bin/python -m tests.watch_terms_upgrade_fixture \
        $REPO/tests/data/upgrade/pre_folded_terms.sqlite
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.services import watchlist
from storage.repo import open_repo


def build(path: Path) -> None:
    path.unlink(missing_ok=True)
    repo = open_repo(f"sqlite:///{path}")
    for kind, raw in (("term", "export controls"), ("term", "Export Controls"), ("term", "EXPORT  controls"),
                      ("term", "Remote Access"), ("bill", "hr2683-119"), ("agency", "industry-and-security-bureau")):
        spec = watchlist.normalise(kind, raw)
        repo.add_watch(spec.kind, spec.value, label=spec.label, actor="fixture", channel="CPOLICY")
    repo.dispose()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
