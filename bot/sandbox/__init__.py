"""Real local servers for tests and the offline demo.

Each fake is a stdlib ``ThreadingHTTPServer`` bound to 127.0.0.1 on a free port (the base is
``bot.sandbox.server``), served from a daemon thread, usable as a context manager or with
``start()``/``stop()``:

* ``GovSandbox`` (``bot.sandbox.government``): recorded government responses plus scripted faults.
* ``SlackFake`` (``bot.sandbox.slack_fake``): a Slack Web API that records every call.
* ``OpenAIFake`` (``bot.sandbox.openai_fake``): an OpenAI-compatible chat completions server.

``python -m bot.sandbox`` serves the government sandbox and the Slack fake as a process. Only the
standard library is used.
"""

from bot.sandbox.government import GovSandbox
from bot.sandbox.openai_fake import OpenAIFake
from bot.sandbox.server import DATA_DIR, FakeHandler, LocalServer
from bot.sandbox.slack_fake import SlackFake

__all__ = ["DATA_DIR", "FakeHandler", "GovSandbox", "LocalServer", "OpenAIFake", "SlackFake"]
