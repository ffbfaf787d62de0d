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
from scrapers.xmlsafe import parse_xml, strip_ns

log = logging.getLogger(__name__)

USLM_NS = "http://schemas.gpo.gov/xml/uslm"

# Structural levels, outermost first. Containers (title, part…) group sections but do not
# add to a section's key: section numbers are unique within a bill.
LEVELS = ("section", "subsection", "paragraph", "subparagraph", "clause", "subclause", "item",
          "subitem")
CONTAINERS = ("division", "subdivision", "title", "subtitle", "part", "subpart", "chapter",
              "subchapter")
_BODY_TAGS = ("legis-body", "resolution-body", "engrossed-amendment-body", "amendment-body")

# bill-DTD ``bill-stage`` / USLM ``docStage`` → version code: prefix + chamber letter ("rfs")
_STAGE_PREFIX = {"introduced in": "i", "reported in": "r", "engrossed in": "e", "referred in": "rf", "received in": "rd",
                 "placed on calendar": "pc", "engrossed amendment": "ea", "agreed to": "at",
                 "considered and passed": "cp", "reference change": "rc"}
STAGE_CODES = {f"{p} {ch}": code + ch[0] for p, code in _STAGE_PREFIX.items() for ch in ("house", "senate")}
STAGE_CODES.update({"enrolled bill": "enr", "enrolled": "enr", "public print": "pp"})

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


# ---- text helpers --------------------------------------------------------------------------

def clean(text: str) -> str:
    """Collapse whitespace and normalise quotes (``x'' and curly quotes → "x")."""
    text = text.replace("``", '"').replace("''", '"').translate(_QUOTES)
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
    return el.get("changed") == "deleted" or strip_ns(el.tag) in ("deleted-phrase", "deleted-block")


def _inline(el, *, skip=(), quoted=("quote",)) -> str:
    """Text of ``el`` and its inline descendants; ``quoted`` tags get double quotes (not when already
    inside a quote), page breaks vanish."""
    parts: list[str] = []

    def walk(node, top=False):
        tag = strip_ns(node.tag) if isinstance(node.tag, str) else ""
        if not isinstance(node.tag, str):          # comments, processing instructions
            if node.tail and not top:
                parts.append(node.tail)
            return
        if _is_deleted(node) or tag in ("pagebreak", "br", "footnote-ref") or tag in skip:
            if tag == "br":
                parts.append(" ")
        else:
            quote = tag in quoted and not (tag != "quote" and strip_ns(getattr(node.getparent(), "tag", "")) == "quote")
            if quote:
                parts.append('"')
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
            if quote:
                parts.append('"')
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
            if isinstance(child.tag, str) and strip_ns(child.tag) == self.num_tag:
                return normalize_enum(child.get("value") or self.inline(child))
        return ""

    def quoted(self, el) -> str:
        """A quoted block rendered as one string, enumerators included."""
        body = " ".join(p for p in (self._flat(c) for c in el if isinstance(c.tag, str)) if p)
        after = ""
        for child in el:
            if isinstance(child.tag, str) and strip_ns(child.tag) == "after-quoted-block":
                after = self.inline(child)
        return clean(f'"{body}"{after}')

    def _flat(self, el) -> str:
        """A unit inside a quote, as printed: ``(15) Remote access.— The term …``."""
        tag = strip_ns(el.tag)
        if _is_deleted(el) or tag in ("after-quoted-block", "toc", "pagebreak"):
            return ""
        if tag in self.quote_tags:
            return self.quoted(el)
        if tag in LEVELS or tag in CONTAINERS:
            parts = []
            for child in el:
                if not isinstance(child.tag, str):
                    continue
                ctag = strip_ns(child.tag)
                if ctag == self.num_tag:
                    parts.append(self.inline(child))
                elif ctag == self.heading_tag:
                    parts.append(_heading(self.inline(child)) + ".\u2014")
                else:
                    parts.append(self._flat(child))
            return " ".join(p for p in parts if p)
        if tag in self.text_tags:
            if any(isinstance(c.tag, str) and strip_ns(c.tag) in LEVELS for c in el):
                bits = [clean(el.text or "")] + [self._flat(c) for c in el if isinstance(c.tag, str)]
                return " ".join(b for b in bits if b)
            texts: list[str] = []
            self.text_part(el, "", texts, [])
            return " ".join(t for t in texts if t)
        return self.inline(el)

    def unit(self, el, parent_key: str, index: int, level: str) -> Section:
        num = self.enum_of(el)
        key_part = num or f"_{index}"
        key = f"{parent_key}/{key_part}" if parent_key else key_part
        heading, texts, children = "", [], []
        self.collect(el, key, texts, children)
        for child in el:
            if isinstance(child.tag, str) and strip_ns(child.tag) == self.heading_tag:
                heading = _heading(self.inline(child))
        return Section(key=key, num=num, heading=heading, text=clean(" ".join(t for t in texts if t)),
                       level=level, children=_dedupe(children))

    def collect(self, el, key: str, texts: list[str], children: list[Section]) -> None:
        for child in el:
            if not isinstance(child.tag, str) or _is_deleted(child):
                continue
            tag = strip_ns(child.tag)
            if tag in LEVELS:
                children.append(self.unit(child, key, len(children) + 1, tag))
            elif tag in self.quote_tags:
                texts.append(self.quoted(child))
            elif tag in self.text_tags:
                self.text_part(child, key, texts, children)

    def text_part(self, el, key, texts, children) -> None:
        """A text element in reading order: quoted blocks stay where they are written."""
        if not any(isinstance(c.tag, str) and strip_ns(c.tag) in self.quote_tags for c in el):
            texts.append(self.inline(el))
            return
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str) and not _is_deleted(child):
                if strip_ns(child.tag) in self.quote_tags:
                    parts.append(f" {self.quoted(child)} ")
                elif strip_ns(child.tag) not in ("pagebreak", "footnote-ref"):
                    parts.append(self.inline(child))
            parts.append(child.tail or "")
        texts.append(clean("".join(parts)))

    def sections(self, body) -> list[Section]:
        out: list[Section] = []

        def walk(node):
            for child in node:
                if not isinstance(child.tag, str) or _is_deleted(child):
                    continue
                tag = strip_ns(child.tag)
                if tag in LEVELS:
                    out.append(self.unit(child, "", len(out) + 1, tag))
                elif tag in CONTAINERS:
                    walk(child)
        walk(body)
        if not out:
            text = " ".join(p for p in (self.inline(c, skip=self.quote_tags) for c in body
                                        if isinstance(c.tag, str)) if p)
            if clean(text):
                out.append(Section(key="body", num="", heading="", text=clean(text), level="body"))
        return _dedupe(out)


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
        nested = [c for c in el if isinstance(c.tag, str) and strip_ns(c.tag) in LEVELS]
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
    for el in root.iter():
        if isinstance(el.tag, str) and strip_ns(el.tag) == name:
            return el
    return None


def _all(root, name: str):
    return [el for el in root.iter() if isinstance(el.tag, str) and strip_ns(el.tag) == name]


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


def _uslm_meta(root) -> dict:
    meta = _first(root, "meta")
    stage_el = _first(meta, "docStage") if meta is not None else None
    stage = _inline(stage_el) if stage_el is not None else ""
    code, bill_id = stage_code(stage), ""
    for cit in _all(meta, "citableAs") if meta is not None else []:
        m = re.fullmatch(r"(\d+)([a-z]+?)(\d+)([a-z]{2,4}\d?)", _inline(cit))
        if m:
            bill_id = _bill_id_from(f"{m.group(2)}{m.group(3)}", m.group(1))
            code = code or m.group(4)
    d = None
    preface = _first(root, "preface")
    places = [preface, _first(root, "attestation"), _first(root, "endorsement")]
    for place in places:
        if place is None or d:
            continue
        for el in _all(place, "date"):
            d = _parse_date(el.get("date")) or _parse_date(_inline(el)) or d
    official = _first(root, "officialTitle")
    short = _first(root, "shortTitle")
    return {"stage": stage, "code": code, "bill_id": bill_id, "date": d,
            "title": _inline(official) if official is not None else "",
            "short_title": _inline(short) if short is not None else ""}


# ---- entry points --------------------------------------------------------------------------

def parse_bill_text(data: bytes, *, bill_id: str | None = None, version_code: str | None = None,
                    source: str = "govinfo") -> BillText:
    """Parse bill-DTD or USLM XML bytes. Raises SourceChanged when there is no bill body."""
    root = parse_xml(data, source=source)
    ns = root.tag[1:].split("}")[0] if isinstance(root.tag, str) and root.tag.startswith("{") else ""
    if ns == USLM_NS:
        schema, builder, meta = "uslm", _UslmBuilder(), _uslm_meta(root)
        body = _first(root, "main")
    else:
        schema, builder, meta = "billdtd", _DtdBuilder(), _dtd_meta(root)
        body = next((el for el in root.iter() if isinstance(el.tag, str) and strip_ns(el.tag) in _BODY_TAGS),
                    None)
    if body is None:
        raise SourceChanged(f"bill text XML has no body (root <{strip_ns(root.tag)}>)", source=source)
    sections = builder.sections(body)
    if not sections:
        raise SourceChanged("bill text XML body has no sections or text", source=source)
    short = meta["short_title"]
    return BillText(bill_id=bill_id or meta["bill_id"], version_code=(version_code or meta["code"]).lower(),
                    stage=meta["stage"], date=meta["date"], title=meta["title"], short_title=short,
                    schema=schema, sections=sections)


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
