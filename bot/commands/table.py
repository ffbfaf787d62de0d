"""The commands every front end offers, each defined once. The CLI adds the commands that only make
sense in a terminal (``bot/frontends/cli.py``); ``all_commands`` there is the whole table."""

from __future__ import annotations

from bot.commands.spec import CHAT, CLI, SLACK, Arg, Command

JSON = Arg("json", "print JSON for scripts (the contract's keys)", ("--json",), {"action": "store_true"},
           fronts=frozenset({CLI}))
SINCE = Arg("since", "start from DATE (YYYY-MM-DD) instead of the last digest", ("--since",),
            {"metavar": "DATE", "type": "date"})
WATCH_TARGET = (
    Arg("bill", "a bill: H.R. 2683, hr2683-119, S. 3519 118th …", options={"nargs": "*", "metavar": "BILL"}),
    Arg("term", "a phrase matched in titles and texts, e.g. \"remote access\"", ("--term",),
        {"metavar": "TEXT", "nargs": "+"}),
    Arg("agency", "a Federal Register agency slug, e.g. industry-and-security-bureau", ("--agency",),
        {"metavar": "SLUG"}),
    Arg("feed", "an RSS or Atom feed URL (http or https)", ("--feed",), {"metavar": "URL"}),
    Arg("cfr", "a CFR part or section read from eCFR, e.g. \"15 CFR 744\" or \"15 CFR 744.23\"", ("--cfr",),
        {"metavar": "REF", "nargs": "+"}),
)

BILL = Command(
    "bill", "the status card of one or more bills, or stored bills found by title words",
    (Arg("ids", "bill ids in any accepted form: H.R. 2683, hr2683-119, S. 3519 118th (several allowed), "
             "or two or more title words: \"Remote Access Security Act\"",
         options={"nargs": "+", "metavar": "ID"}), JSON),
    run="bot.commands.bill:bill", check="bot.commands.bill:check_bill", public=True,
    examples=("bill hr2683-119", "bill H.R. 2683 S. 3519", 'bill "Remote Access Security Act"', "bill hr2683-119 --json"))

DOC = Command(
    "doc", "the card of a Federal Register document: citation, RIN, docket, CFR parts, dates, versions",
    (Arg("number", "the document number, e.g. 2026-00789", options={"metavar": "NUMBER"}), JSON),
    run="bot.commands.doc:doc", check="bot.commands.doc:check_doc", public=True,
    examples=("doc 2026-00789", "doc 2026-01234 --json"),
    exit_codes="0 done; 1 not stored; 2 not a document number")

WATCH = Command(
    "watch", "the watchlist: what legiswatch follows", default="list",
    aliases={"ls": "list", "rm": "remove"},
    subcommands=(
        Command("list", "every watched bill, term, agency and feed", run="bot.commands.watch:watch_list"),
        Command("add", "watch a bill (checked on Congress.gov, its title shown), a term (any case), an agency "
                       "(checked against the Federal Register's list) or a feed (Slack: admins)", WATCH_TARGET,
                run="bot.commands.watch:watch_add",
                examples=("watch add H.R. 2683", 'watch add --term "export controls"',
                          "watch add --agency industry-and-security-bureau")),
        Command("remove", "stop watching an item (Slack: admins)", WATCH_TARGET,
                run="bot.commands.watch:watch_remove"),
        Command("import", "add every item of a TOML watchlist file", (Arg("file", "the TOML file", options={"metavar": "FILE"}),),
                run="bot.commands.watch:watch_import", fronts=frozenset({CLI})),
        Command("export", "print the watchlist as TOML", run="bot.commands.watch:watch_export",
                fronts=frozenset({CLI})),
    ))

COMPARE = Command(
    "compare", "what changed between two text versions or two bills: a cited summary, then the redline",
    (Arg("a", "the earlier version or bill: hr2683-119-ih, hr8152-118, or a bill text XML file",
         options={"metavar": "A"}),
     Arg("b", "the later version or bill: hr2683-119-eh, hr2683-119, or a bill text XML file",
         options={"metavar": "B"}),
     Arg("dates", "with a CFR part or section as A (\"15 CFR 742\"): the two dates, YYYY-MM-DD",
         options={"nargs": "*", "metavar": "DATE"}),
     JSON,
     Arg("html", "also write the full redline as HTML to FILE", ("--html",), {"metavar": "FILE"},
         fronts=frozenset({CLI}))),
    run="bot.commands.compare:compare", public=True, filler=frozenset({"vs", "vs.", "versus", "to", "and"}),
    examples=("compare hr2683-119-ih hr2683-119-eh", "compare hr8152-118 hr2683-119",
              "compare BILLS-118s4802rs.xml BILLS-118s4802es.xml",
              'compare "15 CFR 742" 2026-01-14 2026-01-15'))

DIGEST = Command(
    "digest", "the digest of what changed: most important first, deadlines, new matching bills",
    (SINCE,
     Arg("post", "queue it for the digest channel and deliver it now (Slack: admins)", ("--post",),
         {"action": "store_true"}, fronts=frozenset({CLI, SLACK})),
     JSON),
    run="bot.commands.digest:digest", aliases={"post": "--post"},
    examples=("digest", "digest --since 2026-01-01", "digest --post"))

ASK = Command(
    "ask", "answer a question from the stored record, with numbered citations",
    (Arg("question", "the question, in plain words", options={"nargs": "+", "metavar": "QUESTION"}), JSON),
    run="bot.commands.ask:ask", check="bot.commands.ask:check_ask", raw=True,
    examples=('ask "What is the status of H.R. 2683?"', 'ask "When do comments close on 2026-01234?"'))

STATUS = Command(
    "status", "health of sources and jobs: last success, failures, next runs",
    (JSON,), run="bot.commands.status:status", fronts=frozenset({CLI, CHAT}),
    exit_codes="0 healthy; 1 a source has failed for longer than LEGISWATCH_SOURCE_ALERT_AFTER_MIN")

TEXT = Command(
    "text", "one bill text version, unit by unit: a local XML file (bill DTD or USLM, any version) or a stored version",
    (Arg("ref", "a bill text XML file (as downloaded from govinfo) or a version id: hr2683-119-eh",
         options={"metavar": "PATH_OR_VERSION_ID"}), JSON),
    run="bot.commands.text:text", fronts=frozenset({CLI}),
    examples=("text BILLS-118s4802rs.xml", "text hr2683-119-eh --json"),
    exit_codes="0 done; 1 version not found; 2 bad input (unreadable file, not bill text XML, bad id)")

COMMANDS: tuple[Command, ...] = (BILL, DOC, WATCH, COMPARE, DIGEST, ASK, STATUS, TEXT)


def offered(front: str, commands: tuple[Command, ...] = COMMANDS) -> list[Command]:
    return [c for c in commands if c.offered(front)]


def lookup(name: str, commands: tuple[Command, ...] = COMMANDS) -> Command | None:
    name = name.lower().lstrip("/")
    return next((c for c in commands if c.name == name), None)
