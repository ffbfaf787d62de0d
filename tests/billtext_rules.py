"""The corpus README's faithfulness rules for bill text, as code (shared by tests/corpus and the
unmarked tests on the committed subset).

``body_words(data)`` counts the words of a version's body straight from the XML, independently of
the parser: USLM ``main``/``amendMain`` (with its ``preamble``, without ``longTitle``,
``enactingFormula``, ``resolvingClause``), bill DTD ``legis-body``/``resolution-body``/
``engrossed-amendment-body``/``amendment-body`` and ``preamble``; leaving out the table of
contents, deleted text, page breaks and markers, side notes and footnotes. ``unit_words(bt)``
counts the words of the parsed units (label, heading, text). ``coverage`` is the multiset share.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from lxml import etree

from scrapers.billtext import unit_label
from scrapers.records import BillText

WORD = re.compile(r"(?:[^\W_]|\$)+(?:[.,](?<=\d[.,])(?=\d)(?:[^\W_]|\$)+)*")
AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?")
IGNORED = {"sec", "section"}

USLM_BODIES = {"main", "amendMain"}
DTD_BODIES = {"legis-body", "resolution-body", "engrossed-amendment-body", "amendment-body", "preamble"}
SKIP_ALWAYS = {"toc", "pagebreak", "page", "sidenote", "footnote", "deleted-phrase", "deleted-block",
               "deletedText"}
SKIP_USLM = {"longTitle", "enactingFormula", "resolvingClause"}


def words(text: str) -> Counter:
    return Counter(w for w in (m.group(0).casefold() for m in WORD.finditer(text)) if w not in IGNORED)


def amounts(text: str) -> set[str]:
    return {re.sub(r"\s", "", a).rstrip(".,") for a in AMOUNT.findall(text)}


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def body_text(data: bytes) -> str:
    """The body's words as one string, by the README's rule (not by the parser)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                                                  remove_comments=True))
    uslm = root.tag.startswith("{http://schemas.gpo.gov/xml/uslm}")
    bodies = USLM_BODIES if uslm else DTD_BODIES
    skip = SKIP_ALWAYS | (SKIP_USLM if uslm else set())
    parts: list[str] = []

    def walk(el, inside: bool) -> None:
        if not isinstance(el.tag, str):          # processing instructions (<?GPOvSpace 03?>): no text
            if inside and el.tail:
                parts.append(el.tail)
            return
        tag = _local(el.tag)
        dropped = tag in skip or el.get("changed") == "deleted"
        here = inside or tag in bodies
        if not dropped:
            if here and el.text:
                parts.append(el.text)
            for child in el:
                walk(child, here)
        if inside and el.tail:       # the tail belongs to the parent's text
            parts.append(el.tail)
        parts.append(" ")

    walk(root, False)
    return "".join(parts)


def unit_text(bt: BillText) -> str:
    out = []
    for top in bt.sections:
        for s in top.walk():
            out += [unit_label(s), s.heading, s.text]
    return " ".join(out)


@dataclass
class Coverage:
    body: int
    kept: int
    missing: Counter
    amounts: int
    amounts_missing: set[str]

    @property
    def share(self) -> float:
        return self.kept / self.body if self.body else 1.0


def coverage(data: bytes, bt: BillText) -> Coverage:
    body = body_text(data)
    want, have = words(body), words(unit_text(bt))
    kept = sum(min(n, have[w]) for w, n in want.items())
    missing = Counter({w: n - have[w] for w, n in want.items() if n > have[w]})
    want_amounts = amounts(body)
    have_amounts = amounts(unit_text(bt))
    return Coverage(body=sum(want.values()), kept=kept, missing=missing, amounts=len(want_amounts),
                    amounts_missing=want_amounts - have_amounts)
