"""``python -m bot.sandbox``: serve the recorded government responses and a Slack Web API fake on
127.0.0.1 until SIGTERM/SIGINT, for running the real program (``legiswatch run``, ``poll``) with
no network.

It prints one ``NAME=value`` line per setting that points the program at the sandbox (every
source, and Slack's Web API), then ``ready``; a shell can read the lines into its environment:

    python3 -m bot.sandbox > sandbox.env &
    until grep -q '^ready' sandbox.env; do sleep 0.2; done
    set -a; . <(grep = sandbox.env); set +a

Only the standard library is used, so it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from bot.sandbox.government import GovSandbox
from bot.sandbox.slack_fake import SlackFake

# settings field → environment variable (``bot.services.config``; a test keeps the two in step)
ENV_NAMES = {"congress_api_url": "LEGISWATCH_CONGRESS_API_URL", "govinfo_url": "LEGISWATCH_GOVINFO_URL",
             "govinfo_api_url": "LEGISWATCH_GOVINFO_API_URL",
             "federal_register_url": "LEGISWATCH_FEDERAL_REGISTER_URL", "bis_url": "LEGISWATCH_BIS_URL",
             "ecfr_url": "LEGISWATCH_ECFR_URL",
             "news_search_url": "LEGISWATCH_NEWS_SEARCH_URL", "slack_api_url": "LEGISWATCH_SLACK_API_URL"}


def sandbox_env(gov: GovSandbox, slack: SlackFake) -> dict[str, str]:
    """Environment variable → URL inside the running sandbox."""
    urls = {**gov.base_urls(), "slack_api_url": slack.url}
    return {ENV_NAMES[field]: url for field, url in urls.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with GovSandbox() as gov, SlackFake() as slack:
        for name, url in sandbox_env(gov, slack).items():
            print(f"{name}={url}")
        print("ready", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
