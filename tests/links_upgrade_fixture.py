"""The database the links upgrade test starts from: a whole ``legiswatch demo`` run by the code
before stored links were public, so its ``bill_text`` and ``congressional_record`` documents, their
changes and the text versions name ``http://127.0.0.1:PORT/govinfo/…`` (the sandbox of that run).

``tests/data/upgrade/pre_public_links.sqlite`` was made with

    git archive HEAD | tar -x -C /tmp/old-links     # HEAD = 2e4de92, before the public links
    cd /tmp/old-links && PYTHONPATH=/tmp/old-links:$REPO $REPO/.venv/bin/python -m tests.links_upgrade_fixture \
        $REPO/tests/data/upgrade/pre_public_links.sqlite

(run from /tmp/old-links, so the old ``bot`` is imported, not the checkout's).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from bot.frontends.demo import run_demo
from bot.services.config import Settings
from bot.services.context import Context


def build(path: Path) -> None:
    path.unlink(missing_ok=True)
    ctx = Context(settings=Settings(db_url=f"sqlite:///{path}", watchlist="none.toml", slack_bot_token="",
                                    slack_app_token="", openai_api_key="", openai_base_url=""))
    try:
        assert run_demo(ctx, io.StringIO()) == 0
    finally:
        ctx.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
