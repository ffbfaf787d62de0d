"""Render a digest's Block Kit as an HTML page that approximates Slack, and screenshot it.

A developer tool (no test depends on it), to look at what the digest channel would show:

    cd "$(mktemp -d)" && /work/main/.venv/bin/legiswatch demo > /dev/null     # leaves legiswatch-demo.db
    /work/main/.venv/bin/python /work/main/docs/render_digest.py legiswatch-demo.db \\
        --png /work/main/docs/digest-demo.png

The digest is built as the scheduler would (``build_digest`` → ``bot/slack/blocks.digest_messages``),
on the demo's clock unless ``--now`` says otherwise. The page (``--html``) draws headers, sections
(with fields and button accessories), context lines, dividers and action buttons; mrkdwn bold,
italic, strike, code, code blocks, quotes, ``<url|label>`` links and the few emoji the blocks use.
The screenshot needs Debian's ``chromium`` (``apt-get install chromium``); without it only the HTML
is written. Only local files are opened (no network).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.frontends.demo import DEMO_NOW  # noqa: E402
from bot.services.config import Settings  # noqa: E402
from bot.services.context import Context  # noqa: E402
from bot.services.digest import build_digest  # noqa: E402
from bot.slack.blocks import digest_messages  # noqa: E402

EMOJI = {"rotating_light": "🚨", "small_blue_diamond": "🔹", "white_small_square": "▫️", "warning": "⚠️",
         "white_check_mark": "✅", "calendar": "📅", "page_facing_up": "📄", "bell": "🔔", "newspaper": "📰",
         "scroll": "📜", "link": "🔗", "mag": "🔍", "hourglass": "⏳", "memo": "📝"}
_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<([#@!][^|>]*)(?:\|([^>]*))?>")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")

CSS = """
body { margin: 0; background: #fff; font: 15px/1.46668 Lato, "Helvetica Neue", Helvetica, Arial, sans-serif;
       color: #1d1c1d; }
.channel { border-bottom: 1px solid #e8e8e8; padding: 10px 20px; font-weight: 900; font-size: 18px; }
.msg { display: flex; padding: 8px 20px; }
.msg + .msg { border-top: 1px solid #f4f4f4; }
.avatar { flex: 0 0 36px; height: 36px; border-radius: 4px; background: #2d5a8c; color: #fff; font-weight: 900;
          text-align: center; line-height: 36px; margin-right: 8px; }
.body { flex: 1; min-width: 0; }
.who { font-weight: 900; } .app { background: #e8e8e8; color: #616061; font-size: 10px; font-weight: 700;
       padding: 1px 3px; border-radius: 2px; margin: 0 4px; } .when { color: #616061; font-size: 12px; }
.header { font-size: 18px; font-weight: 900; margin: 6px 0 4px; }
.section { margin: 4px 0; white-space: normal; overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin: 4px 0; }
.context { color: #616061; font-size: 12px; margin: 4px 0; }
.context span + span { margin-left: 8px; }
hr { border: 0; border-top: 1px solid #dddddd; margin: 10px 0; }
a { color: #1264a3; text-decoration: none; }
code { color: #e01e5a; background: #f6f6f6; border: 1px solid #e2e2e2; border-radius: 3px; padding: 0 3px;
       font: 12px Monaco, Menlo, Consolas, "Courier New", monospace; }
pre { background: #f8f8f8; border: 1px solid #e2e2e2; border-radius: 4px; padding: 8px; white-space: pre-wrap;
      font: 12px Monaco, Menlo, Consolas, monospace; margin: 4px 0; }
blockquote { margin: 2px 0; padding-left: 10px; border-left: 4px solid #dddddd; }
.button { display: inline-block; border: 1px solid #bbbbbb; border-radius: 4px; padding: 2px 10px; margin: 4px 6px 0 0;
          font-weight: 700; font-size: 13px; color: #1d1c1d; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.withacc { display: flex; gap: 12px; } .withacc > div:first-child { flex: 1; }
.unknown { color: #a00; font-size: 12px; }
"""


def _inline(text: str) -> str:
    """One run of mrkdwn without links or code: the entities Slack needs stay, markup becomes HTML."""
    text = html.escape(html.unescape(text), quote=False)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    text = _STRIKE.sub(r"<s>\1</s>", text)
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def mrkdwn(text: str) -> str:
    """Slack mrkdwn → HTML (an approximation of Slack's renderer)."""
    held: list[str] = []

    def hold(fragment: str) -> str:
        held.append(fragment)
        return f"\x00{len(held) - 1}\x00"

    text = _CODE_BLOCK.sub(lambda m: hold(f"<pre>{html.escape(html.unescape(m.group(1).strip(chr(10))))}</pre>"),
                           text)
    text = _CODE.sub(lambda m: hold(f"<code>{html.escape(html.unescape(m.group(1)))}</code>"), text)
    text = _LINK.sub(lambda m: hold(f'<a href="{html.escape(m.group(1))}">'
                                    f"{_inline(m.group(2) or m.group(1))}</a>"), text)
    text = _SPECIAL.sub(lambda m: hold(f"<a>{_inline(m.group(2) or m.group(1))}</a>"), text)
    lines = []
    for line in text.split("\n"):
        if line.startswith(">"):                     # a quote (escape_mrkdwn neutralizes a quoted '>')
            lines.append(f"<blockquote>{_inline(line[1:].lstrip())}</blockquote>")
        else:
            lines.append(_inline(line) + "<br>")
    out = "".join(lines).removesuffix("<br>").replace("</blockquote><br>", "</blockquote>")
    return re.sub("\x00(\\d+)\x00", lambda m: held[int(m.group(1))], out)


def _text(obj: dict | None) -> str:
    if not obj:
        return ""
    if obj.get("type") == "plain_text":
        return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), html.escape(obj.get("text", ""), quote=False))
    return mrkdwn(obj.get("text", ""))


def _button(el: dict) -> str:
    cls = "button primary" if el.get("style") == "primary" else "button"
    href = f' href="{html.escape(el["url"])}"' if el.get("url") else ""
    return f'<a class="{cls}"{href}>{_text(el.get("text"))}</a>'


def block_html(block: dict) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="header">{_text(block.get("text"))}</div>'
    if kind == "divider":
        return "<hr>"
    if kind == "context":
        parts = [f"<span>{_text(e)}</span>" for e in block.get("elements", []) if e.get("type") != "image"]
        return f'<div class="context">{"".join(parts)}</div>'
    if kind == "section":
        inner = f'<div class="section">{_text(block.get("text"))}</div>' if block.get("text") else ""
        if block.get("fields"):
            inner += '<div class="fields">' + "".join(f"<div>{_text(f)}</div>" for f in block["fields"]) + "</div>"
        acc = block.get("accessory")
        if acc and acc.get("type") == "button":
            return f'<div class="withacc"><div>{inner}</div><div>{_button(acc)}</div></div>'
        return inner
    if kind == "actions":
        return "<div>" + "".join(_button(e) for e in block.get("elements", []) if e.get("type") == "button") + "</div>"
    return f'<div class="unknown">[{html.escape(str(kind))} block]</div>'


def page(messages: list[dict], *, channel: str = "digest", when: str = "") -> str:
    rows = []
    for m in messages:
        blocks = "".join(block_html(b) for b in m.get("blocks") or []) or f'<div class="section">{mrkdwn(m["text"])}</div>'
        rows.append(f'<div class="msg"><div class="avatar">lw</div><div class="body"><div><span class="who">legiswatch'
                    f'</span><span class="app">APP</span><span class="when">{html.escape(when)}</span></div>'
                    f"{blocks}</div></div>")
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>legiswatch digest</title><style>{CSS}</style>'
            f'</head><body><div class="channel"># {html.escape(channel)}</div>{"".join(rows)}'
            '<script>document.body.setAttribute("data-height", document.documentElement.scrollHeight)</script>'
            "</body></html>")


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)


def _run_chromium(binary: str, *args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                               "--no-first-run", "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def screenshot(html_path: Path, png: Path, width: int) -> bool:
    """Two passes: the laid-out height from the DOM, then a screenshot of exactly that size."""
    binary = _chromium()
    if binary is None:
        print("chromium not found (apt-get install chromium): only the HTML was written", file=sys.stderr)
        return False
    url = html_path.resolve().as_uri()
    dom = _run_chromium(binary, f"--window-size={width},800", "--dump-dom", url)
    m = re.search(r'data-height="(\d+)"', dom)
    height = min(int(m.group(1)) + 8, 16000) if m else 3000
    _run_chromium(binary, f"--screenshot={png.resolve()}", f"--window-size={width},{height}", url)
    return png.exists()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("db", nargs="?", default="legiswatch-demo.db", help="SQLite database (default: the demo's)")
    ap.add_argument("--now", help=f"the digest's clock, ISO (default: the demo's, {DEMO_NOW.isoformat()})")
    ap.add_argument("--html", type=Path, help="where to write the page (default: next to the PNG)")
    ap.add_argument("--png", type=Path, default=ROOT / "docs" / "digest-demo.png")
    ap.add_argument("--width", type=int, default=820)
    args = ap.parse_args(argv)
    if not Path(args.db).exists():
        ap.error(f"{args.db} not found: run `legiswatch demo` first")
    now = datetime.fromisoformat(args.now).replace(tzinfo=UTC) if args.now else DEMO_NOW
    ctx = Context(settings=Settings(db_url=f"sqlite:///{Path(args.db).resolve()}", watchlist="none.toml",
                                    slack_bot_token="", openai_api_key=""), now_override=now)
    try:
        messages = digest_messages(build_digest(ctx))
    finally:
        ctx.close()
    html_path = args.html or args.png.with_suffix(".html")
    html_path.write_text(page(messages, when=f"{now:%H:%M}"), encoding="utf-8")
    print(f"{len(messages)} message(s), {sum(len(m['blocks']) for m in messages)} blocks → {html_path}")
    if screenshot(html_path, args.png, args.width):
        print(f"screenshot → {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
