"""Parse bill text XML (legacy bill DTD or USLM) into a :class:`BillText` section tree.

Both schemas end up in the same shape so that versions can be diffed across them:

* each structural unit (section, subsection, paragraph, …) becomes a :class:`Section` whose
  ``key`` is the path of its enumerators — ``"2"``, ``"2/a"``, ``"2/a/1"`` — never an XML id;
* a unit's ``text`` is its own words (chapeau, content, continuation), whitespace collapsed,
  ``…'' and curly quotes turned into plain double quotes, page breaks dropped;
* quoted amendment text (``quoted-block`` / ``quotedContent``) stays inside the unit that
  quotes it, in double quotes: it is the wording being inserted, not part of the bill's outline;
* in reported versions, text marked ``changed="deleted"`` is dropped (the "as reported" text).

The schema is detected from the root element's namespace.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

from scrapers.errors import BadBillId, SourceChanged
from scrapers.ids import parse_bill_id
from scrapers.records import BillText, Passage, Section
from scrapers.xmlsafe import iterparse_xml, strip_ns

log = logging.getLogger(__name__)
_TAGS: dict = {}


def _local(tag) -> str:
    """``strip_ns``, remembered per tag (a version has a few dozen distinct tags, read 10⁵ times)."""
    try:
        return _TAGS[tag]
    except KeyError:
        name = _TAGS[tag] = strip_ns(tag)
        return name
    except TypeError:                        # unhashable: never a tag
        return ""

USLM_NS = "http://schemas.gpo.gov/xml/uslm"

# Structural levels, outermost first. Containers (title, part…) group sections but do not
# add to a section's key: section numbers are unique within a bill.
LEVELS = ("section", "subsection", "paragraph", "subparagraph", "clause", "subclause", "item",
          "subitem")
CONTAINERS = ("division", "subdivision", "title", "subtitle", "part", "subpart", "chapter",
              "subchapter")
_BODY_TAGS = ("legis-body", "resolution-body", "engrossed-amendment-body", "amendment-body")
# appropriations paragraphs: bill DTD ``appropriations-major/intermediate/small``, USLM
# ``<appropriations level="…">``; flat siblings whose headings nest by level
APPROPRIATIONS = {"appropriations-major": 0, "appropriations-intermediate": 1, "appropriations-small": 2}
_APPROP_LEVEL = {"major": 0, "intermediate": 1, "small": 2}
# never text: tables of contents, page breaks and statute page markers, side notes, footnotes
NOT_TEXT = ("toc", "pagebreak", "page", "sidenote", "footnote", "footnote-ref", "endMarker")
# USLM ``main`` parts that are not the body (the corpus README's coverage rule leaves them out)
_FRONT = ("longTitle", "enactingFormula", "resolvingClause")
# wrappers walked through for the units inside (reported bills nest the text in collection/component)
_TRANSPARENT = ("level", "collection", "component", "main", "amendMain")
_STRUCT_GLOBS = tuple("{*}" + t for t in (*LEVELS, *APPROPRIATIONS, "appropriations", "preamble", *CONTAINERS))

# bill-DTD ``bill-stage`` / USLM ``docStage`` → version code: prefix + chamber letter ("rfs")
_STAGE_PREFIX = {"introduced in": "i", "reported in": "r", "engrossed in": "e", "referred in": "rf", "received in": "rd",
                 "placed on calendar": "pc", "engrossed amendment": "ea", "agreed to": "at",
                 "considered and passed": "cp", "reference change": "rc"}
STAGE_CODES = {f"{p} {ch}": code + ch[0] for p, code in _STAGE_PREFIX.items() for ch in ("house", "senate")}
STAGE_CODES.update({"enrolled bill": "enr", "enrolled": "enr", "public print": "pp"})

# elements printed as separate blocks (table cells, rows, list items): words never run together across them
_BLOCKS = frozenset(("td", "th", "tr", "entry", "row", "caption", "p", "li", "listItem", "thead", "tbody"))
_CURLY = (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'"))


# ---- text helpers --------------------------------------------------------------------------

def clean(text: str) -> str:
    """Collapse whitespace and normalise quotes (``x'' and curly quotes → "x")."""
    text = text.replace("``", '"').replace("''", '"')
    if not text.isascii():                      # str.translate is slow; most text is plain ASCII
        for curly, plain in _CURLY:
            if curly in text:
                text = text.replace(curly, plain)
    return " ".join(text.split())


def normalize_enum(raw: str) -> str:
    """``SEC. 2.`` → ``2``; ``(a)`` → ``a``; ``SECTION 1.`` → ``1``; ``101.`` → ``101``."""
    s = clean(raw)
    s = re.sub(r"(?i)^(section|sec\.?|title|subtitle|division|part|chapter|subchapter)\s*", "", s)
    s = s.strip().strip("().—-– ").strip()
    s = s.rstrip(".").strip("() ")
    return s


def _heading(raw: str) -> str:
    return clean(raw).rstrip(" .—–-").strip()


def _is_deleted(el) -> bool:
    return el.get("changed") == "deleted" or _local(el.tag) in ("deleted-phrase", "deleted-block", "deletedText")


def _inline(el, *, skip=(), quoted=("quote",)) -> str:
    """Text of ``el`` and its inline descendants; ``quoted`` tags get double quotes (not when already
    inside a quote), page breaks vanish."""
    parts: list[str] = []

    def walk(node, top=False):
        tag = _local(node.tag) if isinstance(node.tag, str) else ""
        if not isinstance(node.tag, str):          # comments, processing instructions
            if node.tail and not top:
                parts.append(node.tail)
            return
        if _is_deleted(node) or tag == "br" or tag in NOT_TEXT or tag in skip:
            if tag == "br":
                parts.append(" ")
        else:
            quote = tag in quoted and not (tag != "quote" and _local(getattr(node.getparent(), "tag", "")) == "quote")
            if quote:
                parts.append('"')
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
            if quote:
                parts.append('"')
            if tag in _BLOCKS:
                parts.append(" ")
        if node.tail and not top:
            parts.append(node.tail)

    walk(el, top=True)
    return clean("".join(parts))


# ---- shared tree building ------------------------------------------------------------------

class _Builder:
    """Schema-specific hooks; the walk itself is shared."""

    num_tag = "enum"
    heading_tag = "header"
    text_tags: tuple[str, ...] = ()
    quote_tags: tuple[str, ...] = ()
    inline_quoted: tuple[str, ...] = ("quote",)

    def inline(self, el, *, skip=()) -> str:
        return _inline(el, skip=skip, quoted=self.inline_quoted)

    def enum_of(self, el) -> str:
        for child in el:
            if isinstance(child.tag, str) and _local(child.tag) == self.num_tag:
                return normalize_enum(child.get("value") or self.inline(child))
        return ""

    def quoted(self, el) -> str:
        """A quoted block rendered as one string, enumerators included."""
        body = " ".join(p for p in (self._flat(c) for c in el if isinstance(c.tag, str)) if p)
        after = ""
        for child in el:
            if isinstance(child.tag, str) and _local(child.tag) == "after-quoted-block":
                after = self.inline(child)
        return clean(f'"{body}"{after}')

    def _flat(self, el) -> str:
        """A unit inside a quote, as printed: ``(15) Remote access.— The term …``."""
        tag = _local(el.tag)
        if _is_deleted(el) or tag == "after-quoted-block" or tag in NOT_TEXT:
            return ""
        if tag in self.quote_tags:
            return self.quoted(el)
        if tag in LEVELS or tag in CONTAINERS or tag in _TRANSPARENT or approp_level(el) is not None:
            parts = []
            for child in el:
                if not isinstance(child.tag, str):
                    continue
                ctag = _local(child.tag)
                if ctag == self.num_tag:
                    parts.append(self.inline(child))
                elif ctag == self.heading_tag:
                    parts.append(_heading(self.inline(child)) + ".\u2014")
                else:
                    parts.append(self._flat(child))
            return " ".join(p for p in parts if p)
        if tag in self.text_tags:
            if any(isinstance(c.tag, str) and _local(c.tag) in LEVELS for c in el):
                bits = [clean(el.text or "")] + [self._flat(c) for c in el if isinstance(c.tag, str)]
                return " ".join(b for b in bits if b)
            texts: list[str] = []
            self.text_part(el, "", texts, [])
            return " ".join(t for t in texts if t)
        return self.inline(el)

    def heading_of(self, el) -> str:
        for child in el:
            if isinstance(child.tag, str) and _local(child.tag) == self.heading_tag:
                return _heading(self.inline(child))
        return ""

    def unit(self, el, parent_key: str, index: int, level: str, *, key: str | None = None) -> Section:
        num = self.enum_of(el)
        if key is None:
            key_part = num or f"_{index}"
            key = f"{parent_key}/{key_part}" if parent_key else key_part
        texts: list[str] = []
        children: list[Section] = []
        self.collect(el, key, texts, children)
        return Section(key=key, num=num, heading=self.heading_of(el), text=clean(" ".join(t for t in texts if t)),
                       level=level, children=_dedupe(children))

    def collect(self, el, key: str, texts: list[str], children: list[Section]) -> None:
        """A unit's own words in reading order (``texts``) and its sub-units (``children``): every
        element is one or the other, so no word of the unit is lost."""
        approp = _Approp()
        if el.text and el.text.strip():
            texts.append(clean(el.text))
        for child in el:
            if child.tail and child.tail.strip():
                texts_tail = clean(child.tail)
            else:
                texts_tail = ""
            if not isinstance(child.tag, str) or _is_deleted(child):
                if texts_tail:
                    texts.append(texts_tail)
                continue
            tag = _local(child.tag)
            if tag in NOT_TEXT or tag in (self.num_tag, self.heading_tag):
                if texts_tail:
                    texts.append(texts_tail)
                continue
            self._collect_one(child, tag, key, texts, children, approp)
            if texts_tail:
                texts.append(texts_tail)

    def _collect_one(self, child, tag: str, key: str, texts: list[str], children: list[Section],
                     approp: _Approp) -> None:
        level = approp_level(child)
        if tag in LEVELS:
            children.append(self.unit(child, key, len(children) + 1, tag))
        elif level is not None:
            part = approp.key(level, self.heading_of(child), [])
            children.append(self.unit(child, key, 0, "appropriations", key=f"{key}/{part}"))
            approp.seen(children[-1])
        elif tag in self.quote_tags:
            texts.append(self.quoted(child))
        elif tag in self.text_tags:
            self.text_part(child, key, texts, children)
        elif tag in CONTAINERS or tag in _TRANSPARENT or self.has_structure(child):
            texts.extend(p for p in (self.inline(c) for c in child if isinstance(c.tag, str)
                                     and _local(c.tag) in (self.num_tag, self.heading_tag)) if p)
            self.collect(child, key, texts, children)
        else:
            texts.append(self._flat(child))

    def has_structure(self, el) -> bool:
        """Does ``el`` hold units of the bill's own outline (not inside a quoted block)?"""
        for d in el.iter(*_STRUCT_GLOBS):
            node, quoted = d.getparent(), False
            while node is not None and node is not el:
                if _local(node.tag) in self.quote_tags:
                    quoted = True
                    break
                node = node.getparent()
            if not quoted:
                return True
        return False

    def text_part(self, el, key, texts, children) -> None:
        """A text element in reading order: quoted blocks stay where they are written."""
        if not any(isinstance(c.tag, str) and _local(c.tag) in self.quote_tags for c in el):
            texts.append(self.inline(el))
            return
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str) and not _is_deleted(child):
                if _local(child.tag) in self.quote_tags:
                    parts.append(f" {self.quoted(child)} ")
                elif _local(child.tag) not in ("pagebreak", "footnote-ref"):
                    parts.append(self.inline(child))
            parts.append(child.tail or "")
        texts.append(clean("".join(parts)))

    def sections(self, body, preamble=None) -> list[Section]:
        """The body's units, flat at the top: containers (division, title, …) are units of their own
        (number, heading, any words of theirs) followed by their sections, whose keys stay the
        section numbers; appropriations paragraphs are units keyed by their heading path."""
        out: list[Section] = []
        self._sections_seen = 0
        walk = _Walk(self, body, [], out, container=False)
        for child in body:
            walk.feed(child)
        walk.finish()
        return self.finish_sections(out, preamble)

    def finish_sections(self, out: list[Section], preamble=None) -> list[Section]:
        if preamble is not None:
            out.insert(0, self.preamble(preamble))
        if len(out) == 1 and out[0].key == "text-1":
            out[0].key, out[0].level = "body", "body"
        return _dedupe(out)

    def container_unit(self, el, path: list[str], index: int) -> tuple[Section | None, list[str]]:
        tag = _local(el.tag)
        num, heading = self.enum_of(el), self.heading_of(el)
        if tag in CONTAINERS:
            label = f"{tag.capitalize()} {num or heading or index}"
        elif num or heading:
            label = heading or num
        else:
            return None, path          # a wrapper (collection, component, a nested main): transparent
        inner = [*path, label.replace("/", "-")]
        return Section(key=", ".join(inner), num=num, heading=heading, text="", level=tag), inner

    def preamble(self, el) -> Section:
        """``Whereas …`` recitals: one child unit each."""
        kids: list[Section] = []
        for child in el:
            if not isinstance(child.tag, str) or _is_deleted(child) or _local(child.tag) in NOT_TEXT + _FRONT:
                continue
            text = self._flat(child)
            if text:
                kids.append(Section(key=f"preamble/{len(kids) + 1}", num="", heading="", text=text, level="recital"))
        return Section(key="preamble", num="", heading="", text=clean(el.text or ""), level="preamble", children=kids)


class _Walk:
    """One container being read (the body, a title, a division, a wrapper), a child at a time, so the
    same walk serves a parsed tree and a stream (``iterparse``: a child is fed once it is complete,
    then dropped). Its units go to ``out``, flat; its own number and heading make its unit, made
    when its first other child arrives (they come first)."""

    def __init__(self, builder: _Builder, node, path: list[str], out: list[Section], *, container: bool = True):
        self.b, self.node, self.out = builder, node, out
        self.path, self.container = path, container
        self.own: Section | None = None
        self.opened = not container
        self.text_read = False
        self.approp = _Approp()
        self.loose: list[str] = []
        self.started = False
        self.n = 0

    def open(self) -> None:
        """Make the container's unit (once): its number and heading are known by now."""
        if not self.text_read:
            self.text_read = True
            if self.node.text and self.node.text.strip():
                self.loose.append(self.node.text)
        if self.opened:
            return
        self.opened = True
        self.own, self.path = self.b.container_unit(self.node, self.path, len(self.out))
        if self.own is not None:
            self.out.append(self.own)

    def flush(self) -> None:
        text = clean(" ".join(t for t in self.loose if t))
        self.loose.clear()
        if not text:
            return
        if self.own is not None and not self.started:
            self.own.text = clean(f"{self.own.text} {text}")
            return
        self.n += 1
        key = ", ".join([*self.path, f"text {self.n}"]) if self.path else f"text-{self.n}"
        self.out.append(Section(key=key, num="", heading="", text=text, level="text"))

    def structural(self) -> None:
        self.flush()
        self.started = True

    def skipped(self, child) -> bool:
        if not isinstance(child.tag, str) or _is_deleted(child):
            return True
        tag = _local(child.tag)
        return tag in NOT_TEXT or tag in _FRONT or (self.container and tag in (self.b.num_tag, self.b.heading_tag))

    def feed(self, child) -> None:
        """A complete child (with its tail)."""
        if not (isinstance(child.tag, str) and self.container
                and _local(child.tag) in (self.b.num_tag, self.b.heading_tag)):
            self.open()
        if not self.skipped(child):
            self.one(child, _local(child.tag))
        self.tail(child)

    def tail(self, child) -> None:
        if child.tail and child.tail.strip():
            self.loose.append(child.tail)

    def nested(self, child) -> _Walk:
        """A container inside this one, read child by child (a stream)."""
        self.open()
        self.structural()
        return _Walk(self.b, child, self.path, self.out)

    def one(self, child, tag: str) -> None:
        b, out = self.b, self.out
        level = approp_level(child)
        if tag in LEVELS:
            self.structural()
            b._sections_seen += 1
            out.append(b.unit(child, "", b._sections_seen, tag))
        elif level is not None:
            self.structural()
            key = self.approp.key(level, b.heading_of(child), self.path)
            out.append(b.unit(child, "", 0, "appropriations", key=key))
            self.approp.seen(out[-1])
        elif tag == "preamble":
            self.structural()
            out.append(b.preamble(child))
        elif tag in CONTAINERS or tag in _TRANSPARENT or b.has_structure(child):
            inner = self.nested(child)
            for grandchild in child:
                inner.feed(grandchild)
            inner.finish()
        else:
            self.loose.append(b._flat(child))

    def finish(self) -> None:
        self.open()
        self.flush()
        if self.own is not None and not (self.own.num or self.own.heading or self.own.text):
            for i in range(len(self.out) - 1, -1, -1):          # by identity: an equal unit may exist
                if self.out[i] is self.own:
                    del self.out[i]
                    break


class _Approp:
    """Keys for appropriations paragraphs, which are flat siblings whose headings nest by level
    (major: a department, intermediate: an agency, small: an account): the key is the heading path,
    so it survives renumbering and reordering between versions."""

    def __init__(self):
        self.heads = ["", "", ""]
        self.last: Section | None = None
        self.last_key = ""
        self.headed, self.more = "", 1

    def key(self, level: int, heading: str, path: list[str]) -> str:
        heading = heading.replace("/", "-")
        last = self.last
        if not heading and self.headed:
            self.more += 1                           # the text under the heading just before: "X (2)"
            return f"{self.headed} ({self.more})"
        if (level == 2 and heading.startswith("(") and last is not None and self.last_key
                and not last.text and not last.children):
            return f"{self.last_key} {heading}"      # "(INCLUDING TRANSFER OF FUNDS)" under the account
        if heading:
            self.heads[level] = heading
            for deeper in range(level + 1, 3):
                self.heads[deeper] = ""
        parts = [*path, *(h for h in self.heads[:level + 1] if h)]
        return ", ".join(parts) or "Appropriations"

    def seen(self, unit: Section) -> None:
        self.last, self.last_key = unit, unit.key
        if unit.heading:
            self.headed, self.more = unit.key, 1


def approp_level(el) -> int | None:
    """0, 1, 2 for an appropriations paragraph (major, intermediate, small), else None."""
    tag = _local(el.tag)
    if tag in APPROPRIATIONS:
        return APPROPRIATIONS[tag]
    if tag == "appropriations":
        return _APPROP_LEVEL.get(el.get("level", ""), 2)
    return None


class _DtdBuilder(_Builder):
    num_tag = "enum"
    heading_tag = "header"
    text_tags = ("text", "continuation-text", "quoted-block-continuation-text")
    quote_tags = ("quoted-block",)
    inline_quoted = ("quote", "term")      # GPO prints <term> in quotes; USLM has the quotes in the text


class _UslmBuilder(_Builder):
    num_tag = "num"
    heading_tag = "heading"
    text_tags = ("chapeau", "content", "continuation", "proviso", "p")
    quote_tags = ("quotedContent",)
    inline_quoted = ()      # USLM prints the quotation marks in the text around quotedText/quotedContent

    def quoted(self, el) -> str:
        body = " ".join(p for p in (self._flat(c) for c in el if isinstance(c.tag, str)) if p)
        if not body and el.text:
            body = clean(el.text)
        body = clean(body)
        # GPO's USLM usually prints the quotation marks in the text; add them when it does not.
        return body if not body or body[0] in "\"“‘'`" else f'"{body}"'

    def text_part(self, el, key, texts, children) -> None:
        # Real quirk: USLM conversions sometimes nest paragraphs inside <content>.
        nested = [c for c in el if isinstance(c.tag, str) and _local(c.tag) in LEVELS]
        if not nested:
            super().text_part(el, key, texts, children)
            return
        if el.text and el.text.strip():
            texts.append(clean(el.text))
        self.collect(el, key, texts, children)


def _dedupe(sections: list[Section]) -> list[Section]:
    seen: dict[str, int] = {}
    for s in sections:
        if s.key in seen:
            seen[s.key] += 1
            _rekey(s, f"{s.key}~{seen[s.key]}")
        else:
            seen[s.key] = 1
    return sections


def _rekey(section: Section, new_key: str) -> None:
    old = section.key
    for s in section.walk():
        s.key = new_key + s.key[len(old):]


# ---- metadata ------------------------------------------------------------------------------

def _first(root, name: str):
    return next(root.iter("{*}" + name), None)       # any namespace or none, filtered in C


def _all(root, name: str):
    return list(root.iter("{*}" + name))


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    value = clean(value)
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%B %d, %Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    m = re.match(r"(\d{4}-\d{2}-\d{2})", value)
    return date.fromisoformat(m.group(1)) if m else None


def stage_code(stage: str) -> str:
    """``Introduced-in-House`` / ``Engrossed in House`` → ``ih`` / ``eh`` ("" if unknown)."""
    return STAGE_CODES.get(stage.replace("-", " ").lower().strip(), "")


def _bill_id_from(text: str, congress: str | None) -> str:
    try:
        return str(parse_bill_id(f"{text} {congress}" if congress else text))
    except BadBillId:
        return ""


def _dtd_meta(root) -> dict:
    stage = (root.get("bill-stage") or root.get("resolution-stage") or "").replace("-", " ")
    dublin = _first(root, "dublinCore")
    dc_title = _first(dublin, "title") if dublin is not None else None
    dc_date = _first(dublin, "date") if dublin is not None else None
    title_text = _inline(dc_title) if dc_title is not None else ""
    code = stage_code(stage)
    m = re.match(r"^\d+\s+\S+\s+\d+\s+([A-Z]{2,4}\d?)\s*:", title_text)
    if not code and m:
        code = m.group(1).lower()
    congress_el = _first(root, "congress")
    congress = re.match(r"\d+", _inline(congress_el)) if congress_el is not None else None
    num_el = _first(root, "legis-num")
    bill_id = _bill_id_from(_inline(num_el), congress.group(0) if congress else None) if num_el is not None else ""
    d = _parse_date(_inline(dc_date)) if dc_date is not None else None
    if d is None:
        dates = [_parse_date(e.get("date")) for e in _all(root, "action-date")]
        dates = [x for x in dates if x]
        d = dates[-1] if dates else None
    official = _first(root, "official-title")
    short = _first(root, "short-title")
    return {"stage": stage, "code": code, "bill_id": bill_id, "date": d,
            "title": _inline(official) if official is not None else "",
            "short_title": _inline(short) if short is not None else ""}


_CITATION = re.compile(r"(\d+)\s*([a-z]+?)\s*(\d+)\s*([a-z]{2,4}\d?)?", re.I)
_TYPE_WORDS = {"house bill": "hr", "senate bill": "s", "house joint resolution": "hjres",
               "senate joint resolution": "sjres", "house concurrent resolution": "hconres",
               "senate concurrent resolution": "sconres", "house resolution": "hres", "senate resolution": "sres",
               "house simple resolution": "hres", "senate simple resolution": "sres"}


def _text(el) -> str:
    return _inline(el) if el is not None else ""


def _uslm_meta(root, approved: date | None = None) -> dict:
    meta = _first(root, "meta")
    meta = meta if meta is not None else _first(root, "amendMeta")
    preface = _first(root, "preface")
    preface = preface if preface is not None else _first(root, "amendPreface")
    stage = _text(_first(meta, "docStage")) if meta is not None else ""
    chamber = _text(_first(meta, "currentChamber")) if meta is not None else ""
    code, bill_id = stage_code(stage), ""
    if not code and stage.lower().replace("-", " ") in ("pre introduced", "introduced") and chamber:
        code = "i" + chamber.strip().lower()[0]          # "Pre-Introduced" in the SENATE: is
    cites = [_text(c) for c in _all(meta, "citableAs")] if meta is not None else []
    dc_title = _text(_first(meta, "title")) if meta is not None else ""
    for cite in [*cites, dc_title.split(":")[0]]:
        m = _CITATION.fullmatch(cite.replace(".", "").strip())
        if m and not bill_id:
            bill_id = _bill_id_from(f"{m.group(2)}{m.group(3)}", m.group(1))
            if bill_id and m.group(4):
                code = code or stage_code(m.group(4)) or m.group(4).lower()
    if _local(root.tag) == "pLaw":
        # a law as printed in the Statutes: the bill it was is a <ref href="/us/bill/112/s/285">
        for ref in _all(root, "ref"):
            m = re.fullmatch(r"/us/bill/(\d+)/([a-z]+)/(\d+)", ref.get("href") or "")
            if m and not bill_id:
                bill_id = _bill_id_from(f"{m.group(2)}{m.group(3)}", m.group(1))
        public = _text(_first(meta, "publicPrivate")) if meta is not None else ""
        code = code or ("pvtl" if public.strip() == "private" else "pl")
    if not bill_id and meta is not None:
        # older USLM: <dc:type>House Bill</dc:type>, <docNumber>, <congress>
        kind = _TYPE_WORDS.get(_text(_first(meta, "type")).lower(), "")
        number, congress = _text(_first(meta, "docNumber")), _text(_first(meta, "congress"))
        if kind and number.isdigit() and congress.isdigit():
            bill_id = _bill_id_from(f"{kind}{number}", congress)
    official = _first(root, "officialTitle")
    short = _first(root, "shortTitle")
    return {"stage": stage, "code": code, "bill_id": bill_id, "date": _uslm_date(root, preface, approved),
            "title": _text(official), "short_title": _text(short)}


def _uslm_date(root, preface, approved: date | None = None) -> date | None:
    """The version's own date: the action in the preface (introduced, reported, engrossed…), else the
    attestation or endorsement, else a public law's approval, else for an enrolled bill the date its
    session began (``Begun and held … the third day of January, two thousand and nineteen``: the only
    date an enrolled bill prints)."""
    for place in (preface, _first(root, "attestation"), _first(root, "endorsement")):
        if place is None:
            continue
        dates = [_parse_date(el.get("date")) or _parse_date(_inline(el).rstrip(". ")) for el in _all(place, "date")]
        dates = [d for d in dates if d]
        if dates:
            return dates[-1]                 # the latest action: the one that made this version
    for el in _all(root, "actionDescription"):
        m = re.search(r"Approved\s+([A-Z][a-z]+ \d{1,2}, \d{4})", _inline(el))
        if m:
            return _parse_date(m.group(1))
    if approved:
        return approved                  # read from the stream (the body part is dropped by now)
    dateline = _first(root, "enrolledDateline")
    return _spelled_date(_inline(dateline)) if dateline is not None else None


_ORDINALS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())}
_ORDINALS.update({"twenty-" + w: 20 + n for w, n in list(_ORDINALS.items()) if n < 10})
_ORDINALS.update({"thirtieth": 30, "thirty-first": 31, "twenty-first": 21})
_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                       "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}


def _spelled_date(text: str) -> date | None:
    """``… the third day of January, two thousand and nineteen`` → 2019-01-03."""
    m = re.search(r"the ([a-z-]+) day of ([A-Z][a-z]+),? ((?:[a-z-]+[ ,]*)+)", text)
    if not m or m.group(1) not in _ORDINALS:
        return None
    year, tail = 0, m.group(3).replace("-", " ").replace(",", " ").split()
    for word in tail:
        if word == "thousand":
            year *= 1000
        elif word in _UNITS:
            year += _UNITS[word]
        elif word in _TENS:
            year += _TENS[word]
        elif word != "and":
            break
    try:
        return datetime.strptime(f"{m.group(2)} {_ORDINALS[m.group(1)]} {year}", "%B %d %Y").date()
    except ValueError:
        return None


_FILE_NAME = re.compile(r"(?:BILLS-)?(\d{2,3})([a-z]+?)(\d+)([a-z]{2,4}\d?)\b", re.I)
_SAMPLE_NAME = re.compile(r"(?<![a-z])([A-Z]{1,2}[A-Z]?)(\d+)_([A-Z]{2,4})\b", re.I)
_SHORT_TYPES = {"h": "hr", "s": "s", "hj": "hjres", "sj": "sjres", "hc": "hconres", "sc": "sconres", "hr": "hres",
                "sr": "sres"}


def ids_from_file_name(name: str, congress: str | None = None) -> tuple[str, str]:
    """``BILLS-116hr1865eah.xml`` → (``hr1865-116``, ``eah``); ``…_SJ36_enr.XML`` with a congress →
    (``sjres36-<congress>``, ``enr``); ("", "") when the name says neither."""
    stem = name.rsplit("/", 1)[-1]
    m = _FILE_NAME.search(stem)
    if m:
        bill_id = _bill_id_from(f"{m.group(2)}{m.group(3)}", m.group(1))
        if bill_id:
            return bill_id, m.group(4).lower()
    m = _SAMPLE_NAME.search(stem)
    if m and congress and m.group(1).lower() in _SHORT_TYPES:
        return _bill_id_from(f"{_SHORT_TYPES[m.group(1).lower()]}{m.group(2)}", congress), m.group(3).lower()
    return "", ""


def _congress_of(root) -> str | None:
    for el in _all(root, "congress"):
        m = re.match(r"\d+", el.get("value") or _inline(el))
        if m:
            return m.group(0)
    return None


def _namespace(el) -> str:
    return el.tag[1:].split("}")[0] if isinstance(el.tag, str) and el.tag.startswith("{") else ""


def _stream(data: bytes, source: str):
    """Read the document as a stream: → (root, body or None, the body's units, first short title)."""
    builder: _Builder | None = None
    root = body = None
    out: list[Section] = []
    walks: dict = {}            # element → its _Walk (containers read child by child)
    pending: dict = {}          # container element → (child, already fed) awaiting its tail
    short, approved = "", None
    for event, el in iterparse_xml(data, source=source):
        tag = _local(el.tag)
        if event == "start":
            if root is None:
                root = el
                builder = _UslmBuilder() if _namespace(el) == USLM_NS else _DtdBuilder()
                builder._sections_seen = 0
                continue
            if body is None:
                if tag in (("main", "amendMain") if isinstance(builder, _UslmBuilder) else _BODY_TAGS):
                    body = el
                    walks[el] = _Walk(builder, el, [], out, container=False)
                continue
            parent = el.getparent()
            if parent in walks and (tag in CONTAINERS or tag in _TRANSPARENT) and not _is_deleted(el):
                _settle(walks[parent], parent, pending)
                walks[el] = walks[parent].nested(el)
            continue
        if not short and tag in ("shortTitle", "short-title"):
            short = _inline(el)
        elif approved is None and tag == "actionDescription":
            m = re.search(r"Approved\s+([A-Z][a-z]+ \d{1,2}, \d{4})", _inline(el))
            approved = _parse_date(m.group(1)) if m else None
        parent = el.getparent()
        if el in walks:
            _settle(walks[el], el, pending)
            walks.pop(el).finish()
            if parent in walks:
                pending[parent] = (el, True)          # its tail is still to come
        elif parent in walks:
            _settle(walks[parent], parent, pending)
            pending[parent] = (el, False)
    if root is None:
        raise SourceChanged("XML document has no root element", source=source)
    preamble = None
    if body is not None and isinstance(builder, _DtdBuilder):
        preamble = _first(root, "preamble")
    sections = builder.finish_sections(out, preamble) if body is not None else []
    return root, body, sections, {"short_title": short, "approved": approved}


def _settle(walk: _Walk, parent, pending: dict) -> None:
    """Feed the container's previous child (its tail is complete now) and drop it."""
    item = pending.pop(parent, None)
    if item is None:
        return
    child, fed = item
    if fed:
        walk.tail(child)
    else:
        walk.feed(child)
    # titles and formulas stay for the metadata, numbers and headings for their container's unit
    if _local(child.tag) not in _FRONT and _local(child.tag) not in (walk.b.num_tag, walk.b.heading_tag):
        parent.remove(child)


# ---- entry points --------------------------------------------------------------------------

def parse_bill_text(data: bytes, *, bill_id: str | None = None, version_code: str | None = None,
                    source: str = "govinfo", name: str = "") -> BillText:
    """Parse bill-DTD or USLM XML bytes. Raises SourceChanged when there is no bill body.

    The body is read as a stream (``iterparse``): each unit is built once its element is complete,
    then the element is dropped, so memory stays bounded on huge versions (the rest of the
    document — metadata, titles, preamble — is small and kept for the metadata).
    ``name`` (a file name) is the fallback for a bill id or version code the XML does not state;
    using it is logged."""
    root, body, sections, seen = _stream(data, source)
    if body is None:
        raise SourceChanged(f"bill text XML has no body (root <{_local(root.tag)}>)", source=source)
    schema = "uslm" if _namespace(root) == USLM_NS else "billdtd"
    meta = _uslm_meta(root, seen["approved"]) if schema == "uslm" else _dtd_meta(root)
    meta["short_title"] = meta["short_title"] or seen["short_title"]
    if not sections:
        raise SourceChanged("bill text XML body has no sections or text", source=source)
    short = meta["short_title"]
    bill_id, version_code = bill_id or meta["bill_id"], version_code or meta["code"]
    if name and not (bill_id and version_code):
        congress = _congress_of(root)
        from_name = ids_from_file_name(name, congress)
        if from_name[0] or from_name[1]:
            log.info("bill text %s: %s taken from the file name (%s)", name,
                     " and ".join(w for w, missing in (("bill id", not bill_id), ("version code", not version_code))
                                  if missing), "-".join(p for p in from_name if p))
        bill_id, version_code = bill_id or from_name[0], version_code or from_name[1]
    return BillText(bill_id=bill_id, version_code=version_code.lower(),
                    stage=meta["stage"], date=meta["date"], title=meta["title"], short_title=short,
                    schema=schema, sections=sections)


def unit_label(s: Section) -> str:
    """How a unit's number is printed: ``Sec. 2``, ``(a)``, ``Title I``; "" for unnumbered units."""
    if s.level == "preamble":
        return "Preamble"
    if not s.num:
        return ""
    if s.level == "section":
        return f"Sec. {s.num}"
    if s.level in CONTAINERS:
        return f"{s.level.capitalize()} {s.num}"
    return f"({s.num})"


def anchor(key: str) -> str:
    """``2/a/1`` → ``sec. 2(a)(1)``; ``body`` → ``text``."""
    if key == "body":
        return "text"
    head, *rest = key.split("/")
    return "sec. " + head + "".join(f"({p})" for p in rest)


def render_text(bt: BillText) -> str:
    """Plain text of the whole version, one line per unit."""
    lines = []
    for top in bt.sections:
        for s in top.walk():
            label = (f"SEC. {s.num}." if s.level == "section" else f"({s.num})") if s.num else ""
            head = " ".join(p for p in (label, s.heading + "." if s.heading else "", s.text) if p)
            if head:
                lines.append(head)
    return "\n".join(lines)


def passages(bt: BillText, max_chars: int = 1500) -> list[Passage]:
    """One passage per section; a long section is split into its subsections (recursively)."""
    out: list[Passage] = []

    def add(s: Section):
        full = s.full_text()
        if len(full) > max_chars and s.children:
            if s.text:
                out.append(Passage(anchor=anchor(s.key), heading=s.heading, text=s.text))
            for c in s.children:
                add(c)
        else:
            out.append(Passage(anchor=anchor(s.key), heading=s.heading, text=full))

    for s in bt.sections:
        add(s)
    return out
