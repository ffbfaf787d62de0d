"""mrkdwn escaping and safe links (pure).

Slack reads ``&``, ``<`` and ``>`` as control characters: ``<!channel>``, ``<@U123>`` and
``<http://evil|official text>`` only work with a literal ``<``. Every piece of untrusted text
(titles, news, abstracts, LLM output, user text echoed back) goes through :func:`escape_mrkdwn`,
so it arrives as text. Links are built here and only from http(s) URLs.

:func:`sanitize` is the one display sanitizer, for Slack and the terminal alike: control
characters (BEL, ESC, …), bidi overrides and isolates (U+202E, …) and zero-width characters
(U+200B–U+200D, U+2060, U+FEFF, …: every Unicode format character) are removed, and with
``oneline`` (titles, headlines, link labels) every run of whitespace that holds a line break
becomes one space, so a title cannot start a line of its own. :func:`escape_mrkdwn` sanitizes
first and then neutralizes Slack's formatting characters, which Slack offers no escape for:
``*`` ``_`` ``~`` and the backtick become look-alikes (``∗ ˍ ∼ ˋ``) and a ``>`` that starts a
line (a quote) becomes ``›``.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_OPEN_LINK = re.compile(r"<[^>]*$")
ELLIPSIS = "…"
_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\v\f]")
_BROKEN_RUN = re.compile(r"[ \t]*\n\s*")
_LINE_QUOTE = re.compile(r"^([ \t]*)>", re.MULTILINE)
_FORMATTING = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})


def _hidden(ch: str) -> bool:
    """A character that should never reach a screen: controls (but newline) and format characters."""
    if ch == "\n":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def sanitize(text: object, *, oneline: bool = False) -> str:
    """Untrusted text made safe to display: controls, bidi and zero-width characters removed (a
    tab becomes a space), line breaks normalized to ``\\n``; with ``oneline`` each whitespace run
    holding a line break collapsed to one space. None → ``""``."""
    if text is None:
        return ""
    s = _BREAKS.sub("\n", str(text)).replace("\t", " ")
    if not s.isascii() or any(ord(ch) < 32 and ch != "\n" or ord(ch) == 127 for ch in s):
        s = "".join(ch for ch in s if not _hidden(ch))
    if oneline and "\n" in s:
        s = _BROKEN_RUN.sub(" ", s).strip()
    return s


def escape_mrkdwn(text: object, *, oneline: bool = False) -> str:
    """Untrusted text as inert mrkdwn: :func:`sanitize` first, formatting characters neutralized, then
    ``&`` → ``&amp;``, ``<`` → ``&lt;``, ``>`` → ``&gt;`` (``&`` first); None → ``""``."""
    s = sanitize(text, oneline=oneline).translate(_FORMATTING)
    s = _LINE_QUOTE.sub(lambda m: m.group(1) + "\u203a", s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: object) -> str:
    """Untrusted text for inside a backtick code span or fence, where Slack formats nothing: sanitized
    (one line), ``&<>`` escaped, and only the backtick (which would end the span) replaced."""
    s = sanitize(text, oneline=True).replace("`", "\u02cb")
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_block(text: object) -> str:
    """Untrusted multi-line text for inside a ```` ``` ```` fence: as :func:`code`, lines kept."""
    s = sanitize(text).replace("`", "\u02cb")
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_http_url(url: object) -> bool:
    """True for an absolute http(s) URL with a host and no spaces or control characters."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        return False
    if any(ch.isspace() or ord(ch) < 32 or _hidden(ch) for ch in url):
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
    text = escape_mrkdwn(label if label not in (None, "") else url, oneline=True)
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
    """Untrusted text for a ``plain_text`` object (one line; Slack formats nothing there):
    sanitized and ``&<>`` escaped (no raw ``<`` anywhere)."""
    return sanitize(text, oneline=True).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
