"""eCFR versioner XML (``/api/versioner/v1/full/{date}/title-N.xml?part=P``) → units (pure).

The schema is eCFR's own (usgpo/bulk-data ``ECFR-XML-User-Guide.md``): a part is ``DIV5``
(``N`` = part number), subparts ``DIV6``, subject groups ``DIV7``, sections ``DIV8`` (``N`` =
``744.23``), appendices and supplements ``DIV9``. Inside them: ``HEAD``, ``P`` (paragraphs whose
text opens with their labels, ``(a)``, ``(a)(1)``, ``(i)``, ``(A)``, italic ``(1)``), ``FP``,
``EXTRACT``, ``NOTE``, ``AUTH``/``SOURCE`` (``HED`` + ``PSPACE``), ``CITA``, ``SECAUTH``,
``EDNOTE``, ``FTNT``, ``GPOTABLE`` and HTML ``TABLE`` rows.

Units are :class:`scrapers.records.Section` trees the section diff already aligns: one per section
(key ``744.23``) with its labelled paragraphs as children (``744.23/a``, ``744.23/a/2``); unlabelled
blocks (flush paragraphs, extracts, notes, tables) stay in the paragraph they follow; the source
note (``CITA``) is its own child (``744.23/cita``). The part's heading, authority and source note
are a unit keyed by the part; subpart headings are units too, so every word is kept.

Reading is a stream (``iterparse_xml``): each block is read when it ends and then dropped, so a
part as large as 774's Commerce Control List is read in bounded memory.
"""

from __future__ import annotations

import re
from datetime import date

from scrapers.errors import SourceChanged
from scrapers.records import BillText, Section
from scrapers.xmlsafe import iterparse_xml, parse_xml

__all__ = ["cfr_id", "parse_part", "part_key", "unit_label", "words_of_xml", "WORD_RE"]

SECTION_TAGS = ("DIV8", "DIV9")
CONTAINER_TAGS = ("DIV1", "DIV2", "DIV3", "DIV4", "DIV5", "DIV6", "DIV7")
BLOCK_BREAKS = ("P", "FP", "HED", "PSPACE", "TR", "ROW", "LI", "HD1", "HD2", "HD3", "NOTE", "EXTRACT")
WORD_RE = re.compile(r"\$?[0-9A-Za-z]+(?:[.,][0-9]+)*")
_LABELS = re.compile(r"^\s*((?:\((?:[0-9]{1,3}|[a-z]{1,5}|[A-Z]{1,3})\)\s?)+)")
_ONE = re.compile(r"\(([0-9A-Za-z]+)\)")
_INLINE = re.compile(r"^([A-Z][^()]{0,160}?[.:—])\s+(?=(?:\((?:[0-9]{1,3}|[a-z]{1,5}|[A-Z]{1,3})\))+\s)")
_ROMAN = re.compile(r"^(?=[ivxlc])c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_SECTION_HEAD = re.compile(r"^\s*§+\s*[0-9A-Za-z.\-–—]+\s*")


def cfr_id(title: int | str, part: str) -> str:
    """``15-cfr-744``: the stored id of a CFR part."""
    return f"{int(title)}-cfr-{part}"


def part_key(title: int | str, part: str, on: date | str) -> str:
    """``15-cfr-744@2026-01-15``: a part's text as of one day (each fetch of it is a version)."""
    return f"{cfr_id(title, part)}@{on}"


def unit_label(key: str) -> str:
    """``744.23/a/2`` → ``§ 744.23(a)(2)``; ``744/subpart-A`` → ``Part 744, Subpart A``."""
    head, *rest = key.split("/")
    if rest and rest[0].startswith("subpart-"):
        return f"Part {head}, Subpart {rest[0][8:]}"
    if rest == ["cita"]:
        return f"§ {head} (source note)"
    if "." not in head and not rest:
        return f"Part {head}"
    if not head[:1].isdigit():
        return head
    return f"§ {head}" + "".join(f"({p})" for p in rest)


def _text(el) -> str:
    """Readable text of a block: words joined by single spaces, table cells by `` | ``, rows
    and inner paragraphs on their own lines."""
    out: list[str] = []

    def walk(e) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag in ("TD", "TH", "ENT", "CHED") and out and not out[-1].endswith("\n"):
            out.append(" | ")
        if e.text:
            out.append(e.text)
        for c in e:
            walk(c)
            if c.tail:
                out.append(c.tail)
        if tag in BLOCK_BREAKS and e is not el:
            out.append("\n")

    walk(el)
    lines = (" ".join(line.split()).strip(" |") for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


def _is_roman(token: str) -> bool:
    return bool(_ROMAN.match(token))


def _roman_value(token: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for a, b in zip(token, token[1:] + " ", strict=False):
        v = values[a]
        total += -v if b != " " and values.get(b, 0) > v else v
    return total


def _to_roman(n: int) -> str:
    out = ""
    for v, s in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"),
                 (1, "i")):
        while n >= v:
            out, n = out + s, n - v
    return out


class _Section:
    """Builds one section's unit tree from its blocks, in order."""

    def __init__(self, number: str, kind: str) -> None:
        self.number = number
        self.kind = kind
        self.unit = Section(key=number, num=number, heading="", text="", level=kind)
        self.stack: list[tuple[int, str, Section]] = []     # (level, token, unit)

    # -- paragraph levels: (a) 1, (1) 2, (i) 3, (A) 4, italic (1) 5, italic (i) 6 --------------
    def _level(self, token: str) -> int:
        deepest = self.stack[-1][0] if self.stack else 0
        if token.isdigit():
            return 5 if deepest >= 4 else 2
        if token.isupper():
            return 4
        if _is_roman(token) and deepest >= 2:
            for roman_level in ((6, 3) if deepest >= 5 else (3,)):
                current = next((t for lv, t, _ in reversed(self.stack) if lv == roman_level), None)
                expected = _to_roman(_roman_value(current) + 1) if current and _is_roman(current) else "i"
                if token == expected and (current or roman_level == (6 if deepest >= 5 else 3)):
                    return roman_level
            roman_level = 6 if deepest >= 5 else 3
            letter = next((t for lv, t, _ in reversed(self.stack) if lv == 1), None)
            if letter and len(token) == 1 and ord(token) == ord(letter[-1]) + 1:
                return 1
            return roman_level
        return 1

    def _current(self) -> Section:
        return self.stack[-1][2] if self.stack else self.unit

    def _append(self, unit: Section, text: str) -> None:
        if text:
            unit.text = f"{unit.text}\n{text}" if unit.text else text

    def head(self, text: str) -> None:
        if not self.unit.heading:
            self.unit.heading = text
        else:
            self._append(self._current(), text)

    def paragraph(self, text: str) -> None:
        m = _LABELS.match(text)
        if not m:
            self._append(self._current(), text)
            return
        tokens = _ONE.findall(m.group(1))
        rest = text[m.end():].strip()
        heading = ""
        inner = _INLINE.match(rest)            # "(a) <I>Heading.</I> (1) text": (1) opens inside (a)
        if inner:
            heading, rest = inner.group(1), rest[inner.end(1):].strip()
        for i, token in enumerate(tokens):
            self._open(token, heading if i == len(tokens) - 1 else "", rest if i == len(tokens) - 1 else "")
        if inner:
            m2 = _LABELS.match(rest)
            self.stack[-1][2].text = ""
            more = _ONE.findall(m2.group(1))
            tail = rest[m2.end():].strip()
            for i, token in enumerate(more):
                self._open(token, "", tail if i == len(more) - 1 else "")

    def _open(self, token: str, heading: str, text: str) -> None:
        level = self._level(token)
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        parent = self._current()
        path = "/".join([self.number, *(t for _, t, _ in self.stack), token])
        unit = Section(key=path, num=token, heading=heading, text=text, level=f"paragraph-{level}")
        parent.children.append(unit)
        self.stack.append((level, token, unit))

    def block(self, text: str) -> None:
        self._append(self._current(), text)

    def cita(self, text: str) -> None:
        self.unit.children.append(Section(key=f"{self.number}/cita", num="", heading="Source note",
                                          text=text, level="note"))


def _section_number(el, kind: str) -> str:
    n = " ".join((el.get("N") or "").split())
    if kind == "section":
        n = n.lstrip("§ ").strip()
    return n.replace("–", "-").replace("—", "-")


def parse_part(data: bytes | str, *, title: int | str = 15, on: date | None = None,
               source: str = "ecfr") -> BillText:
    """The units of one part's XML. The result's ``bill_id`` is ``15-cfr-744`` and its
    ``version_code`` the date; an XML without a ``DIV5`` part is ``SourceChanged``."""
    part = ""
    part_unit: Section | None = None
    units: list[Section] = []
    current: _Section | None = None
    current_el = None
    container_heads: dict[int, Section] = {}
    seen: set[str] = set()
    for event, el in iterparse_xml(data, source=source, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "DIV5" and not part:
                part = (el.get("N") or "").strip()
                part_unit = Section(key=part, num=part, heading="", text="", level="part")
                units.append(part_unit)
            elif tag in SECTION_TAGS and current is None and part_unit is not None:
                kind = "section" if tag == "DIV8" else "appendix"
                number = _section_number(el, kind) or f"{part}-{len(units)}"
                while number in seen:
                    number += "'"
                seen.add(number)
                current, current_el = _Section(number, kind), el
            continue
        if current is not None and el is current_el:
            units.append(current.unit)
            current = current_el = None
            _drop(el)
            continue
        parent = el.getparent()
        ptag = parent.tag if parent is not None and isinstance(parent.tag, str) else ""
        if current is not None and parent is current_el:
            text = _text(el)
            if tag == "HEAD":
                current.head(_SECTION_HEAD.sub("", text) if current.kind == "section" else text)
            elif tag == "P":
                current.paragraph(text)
            elif tag == "CITA":
                current.cita(text)
            else:
                current.block(text)
            _drop(el)
            continue
        if current is None and ptag in CONTAINER_TAGS and tag not in CONTAINER_TAGS and part_unit is not None:
            text = _text(el)
            if ptag == "DIV5":
                if tag == "HEAD" and not part_unit.heading:
                    part_unit.heading = text
                elif text:
                    part_unit.text = f"{part_unit.text}\n{text}" if part_unit.text else text
            elif ptag in ("DIV6", "DIV7") and text:
                key = id(parent)
                if key not in container_heads:
                    n = (parent.get("N") or "").strip() or str(len(units))
                    unit = Section(key=f"{part}/subpart-{n}" if ptag == "DIV6" else f"{part}/group-{len(units)}",
                                   num=n, heading=text if tag == "HEAD" else "", text="" if tag == "HEAD" else text,
                                   level="subpart" if ptag == "DIV6" else "group")
                    container_heads[key] = unit
                    units.append(unit)
                else:
                    unit = container_heads[key]
                    unit.text = f"{unit.text}\n{text}" if unit.text else text
            _drop(el)
    if part_unit is None:
        raise SourceChanged(f"{source}: no DIV5 part in the eCFR XML", source=source)
    return BillText(bill_id=cfr_id(title, part), version_code=str(on or ""), stage="eCFR", date=on,
                    title=part_unit.heading, schema="ecfr", sections=units)


def _drop(el) -> None:
    """Free what has been read: the element's content and the siblings before it."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def words_of_xml(data: bytes | str) -> list[str]:
    """Every word inside the part (``DIV5``), case-folded: the coverage rule's reference count."""
    root = parse_xml(data, source="ecfr")
    part = root if root.tag == "DIV5" else next(root.iter("DIV5"), None)
    if part is None:
        return []
    return [w.casefold() for w in WORD_RE.findall(" ".join(part.itertext()))]
