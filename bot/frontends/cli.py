"""The ``legiswatch`` command. Bad input: one clear line on stderr, exit 2; never a traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date

from bot import __version__
from bot.frontends import commands
from bot.frontends.output import EXIT_BAD, EXIT_FAIL, EXIT_OK
from scrapers.errors import BadInput, LegiswatchError, NotFound

log = logging.getLogger("legiswatch")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + exits 2; keep it to one clear line
        raise BadInput(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="legiswatch", description="Legislative and regulatory monitoring with Slack alerts.")
    p.add_argument("--version", action="version", version=f"legiswatch {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    sub.add_parser("config", help="effective settings, secrets masked")
    db = sub.add_parser("db", help="database")
    db.add_argument("action", choices=["upgrade"], help="apply migrations")

    w = sub.add_parser("watch", help="the watchlist: list, add, remove, import, export")
    w.add_argument("action", choices=["list", "add", "remove", "import", "export"])
    w.add_argument("args", nargs=argparse.REMAINDER, help='BILL | --term "TEXT" | --agency SLUG | --feed URL | FILE')

    po = sub.add_parser("poll", help="poll all sources once, or the named ones")
    po.add_argument("--source", action="append", dest="sources", metavar="NAME",
                    help="congress, federal_register, public_inspection, bis, news (repeatable)")
    po.add_argument("--since", type=_date, help="backfill from DATE (YYYY-MM-DD)")

    b = sub.add_parser("bill", help="the status card of a bill")
    b.add_argument("id", nargs="+", help="H.R. 2683, hr2683-119, S. 3519 …")
    b.add_argument("--json", action="store_true")

    c = sub.add_parser("compare", help="what changed between two versions or bills")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--json", action="store_true")
    c.add_argument("--html", metavar="FILE", help="also write the full redline as HTML")

    d = sub.add_parser("digest", help="print (or post) the digest")
    d.add_argument("--since", type=_date)
    d.add_argument("--post", action="store_true")
    d.add_argument("--json", action="store_true")

    a = sub.add_parser("ask", help="answer a question from the stored record, with citations")
    a.add_argument("question", nargs="+")
    a.add_argument("--json", action="store_true")

    sub.add_parser("chat", help="terminal conversation (questions and /bill, /watch, /compare, /digest)")

    r = sub.add_parser("run", help="scheduler + Slack (or console delivery)")
    r.add_argument("--http", type=int, metavar="PORT", help="serve Slack over HTTP on PORT")
    r.add_argument("--host", default="127.0.0.1")

    st = sub.add_parser("status", help="health of sources and jobs")
    st.add_argument("--json", action="store_true")

    sub.add_parser("demo", help="the flagship story offline, end to end")
    return p


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.command:
        build_parser().print_help()
        return EXIT_OK
    handler = getattr(commands, f"cmd_{args.command}")
    ctx = None
    try:
        ctx = commands.make_context()
        return handler(ctx, args)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD
    except NotFound as exc:
        print(f"not found: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except LegiswatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 — never a traceback for users; details in the log
        log.debug("unexpected error", exc_info=True)
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "(run with -v for details)", file=sys.stderr)
        return EXIT_FAIL
    finally:
        if ctx is not None:
            ctx.close()


if __name__ == "__main__":
    sys.exit(main())
