"""mrkdwn escaping and safe links (pure).

Slack reads ``&``, ``<`` and ``>`` as control characters: ``<!channel>``, ``<@U123>`` and
``<http://evil|official text>`` only work with a literal ``<``. Every piece of untrusted text
(titles, news, abstracts, LLM output, user text echoed back) goes through :func:`escape_mrkdwn`,
so it arrives as text. Links are built here and only from http(s) URLs.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_OPEN_LINK = re.compile(r"<[^>]*$")
ELLIPSIS = "…"


def escape_mrkdwn(text: object) -> str:
    """``&`` → ``&amp;``, ``<`` → ``&lt;``, ``>`` → ``&gt;`` (``&`` first); None → ``""``."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_http_url(url: object) -> bool:
    """True for an absolute http(s) URL with a host and no spaces or control characters."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        return False
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def safe_url(url: str) -> str:
    """The URL made safe inside ``<…|…>``: ``|``, ``<``, ``>`` and quotes percent-encoded, ``&`` escaped."""
    encoded = quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")
    return encoded.replace("&", "&amp;")


def link(url: object, label: object = None) -> str:
    """``<url|label>`` when ``url`` is http(s); otherwise the escaped label (or URL) as plain text."""
    text = escape_mrkdwn(label if label not in (None, "") else url)
    if not is_http_url(url):
        return text
    # a "|" in the label is harmless (Slack splits on the first one) but keep labels tidy
    return f"<{safe_url(str(url))}|{text.replace('|', '¦')}>"


def clip(text: object, limit: int) -> str:
    """Plain text cut to ``limit`` characters with an ellipsis (apply before escaping)."""
    s = "" if text is None else str(text)
    if len(s) <= limit:
        return s
    return s[: max(0, limit - 1)].rstrip() + ELLIPSIS


def cut_mrkdwn(text: str, limit: int) -> str:
    """Cut already-escaped mrkdwn to ``limit`` characters without splitting an entity or a link."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    cut = _PARTIAL_ENTITY.sub("", cut)
    cut = _OPEN_LINK.sub("", cut)
    return cut.rstrip() + ELLIPSIS


def plain(text: object) -> str:
    """Untrusted text for a ``plain_text`` object: escaped the same way (no raw ``<`` anywhere)."""
    return escape_mrkdwn(text)
