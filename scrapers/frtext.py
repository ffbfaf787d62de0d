"""Federal Register XML (GPO FR schema) → plain text and passages.

The XML served at a document's ``full_text_xml_url`` (and each document element of a daily FR
issue) looks like::

    <RULE|PRORULE|NOTICE|PRESDOCU>
      <PREAMB> AGENCY SUBAGY CFR DEPDOC RIN SUBJECT  AGY ACT SUM DATES|EFFDATE ADD FURINF </PREAMB>
      <SUPLINF> HD P FP ... REGTEXT/SECTION ... AUTH SIG </SUPLINF>
      <FRDOC>[FR Doc. 2024-02795 Filed 2-9-24; 8:45 am]</FRDOC> <BILCOD>…</BILCOD>
    </RULE>

Passages are what search and citations point at: one per preamble block (``SUMMARY``, ``DATES``,
``ADDRESSES``…), one per heading of the supplementary information, one per regulatory section
(``§ 742.6``) and one for the signature. ``PRTPAGE`` markers are page breaks, not text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from scrapers.errors import SourceChanged
from scrapers.records import Passage
from scrapers.xmlsafe import parse_xml, strip_ns

DOC_TAGS = ("RULE", "PRORULE", "NOTICE", "PRESDOCU")
# preamble block tag -> passage anchor
PREAMBLE_BLOCKS = {
    "AGY": "AGENCY", "ACT": "ACTION", "SUM": "SUMMARY", "DATES": "DATES", "EFFDATE": "DATES",
    "ADD": "ADDRESSES", "FURINF": "FOR FURTHER INFORMATION CONTACT",
}
# elements whose text is a paragraph of running text
TEXT_BLOCKS = {"P", "FP", "AMDPAR", "NOTE", "EXTRACT", "FTNT", "PSPACE", "STARS", "DATED", "NAME", "TITLE",
               "CONTENTS", "APPENDIX", "SECAUTH", "RESERVED", "LI"}
_FRDOC_RE = re.compile(r"FR\s+Doc\.?\s*(?:No\.?\s*)?:?\s*([0-9]{2,4}\s*[-–]\s*[0-9]+)", re.I)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([).,;:])")
_SPACE_AFTER_OPEN = re.compile(r"\(\s+")


@dataclass
class FrText:
    """One Federal Register document's text, parsed from GPO FR XML."""

    doc_type: str                       # RULE, PRORULE, NOTICE, PRESDOCU
    subject: str = ""
    agency: str = ""
    subagency: str = ""
    cfr: str = ""
    depdoc: str = ""
    rin: str = ""
    action: str = ""
    summary: str = ""
    dates: str = ""
    addresses: str = ""
    contact: str = ""
    frdoc: str = ""                     # "[FR Doc. 2024-02795 Filed 2-9-24; 8:45 am]"
    document_number: str = ""           # "2024-02795" (from FRDOC)
    billing_code: str = ""
    pages: list[int] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The whole document as plain text: the subject, then each passage under its heading."""
        parts = [self.subject] if self.subject else []
        for p in self.passages:
            parts.append(f"{p.heading}\n{p.text}" if p.heading else p.text)
        return "\n\n".join(parts)


def clean(text: str) -> str:
    """Collapse whitespace and undo pretty-printing artefacts ("( see" → "(see", "x )." → "x).")."""
    text = " ".join(text.split())
    text = _SPACE_AFTER_OPEN.sub("(", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def inline_text(el: etree._Element) -> str:
    """Running text of an element: inline markup (E, SU, FTREF…) kept, page markers dropped."""
    return clean("".join(t for t in el.itertext() if isinstance(t, str)))


def _heading(text: str) -> str:
    return clean(text).rstrip(":").strip()


def find_document(root: etree._Element, document_number: str | None = None) -> etree._Element:
    """The document element: the root itself when it is one, else the one inside a larger file
    (an FR issue) whose FRDOC names ``document_number`` (the first one when no number is given)."""
    if strip_ns(root.tag) in DOC_TAGS:
        return root
    candidates = [el for el in root.iter() if isinstance(el.tag, str) and strip_ns(el.tag) in DOC_TAGS]
    for el in candidates:
        if not document_number:
            return el
        frdoc = next((f for f in el.iter() if isinstance(f.tag, str) and strip_ns(f.tag) == "FRDOC"), None)
        if frdoc is not None and document_number in inline_text(frdoc).replace("–", "-"):
            return el
    raise SourceChanged(f"no {'/'.join(DOC_TAGS)} element"
                        + (f" for FR Doc. {document_number}" if document_number else "") + " in the FR XML",
                        source="federal_register")


class _Builder:
    """Collects passages while walking the document in order."""

    def __init__(self) -> None:
        self.passages: list[Passage] = []
        self._anchor = ""
        self._heading = ""
        self._lines: list[str] = []

    def start(self, anchor: str, heading: str) -> None:
        self.flush()
        self._anchor, self._heading = anchor, heading

    def add(self, line: str) -> None:
        if line:
            self._lines.append(line)

    def flush(self) -> None:
        if self._lines:
            self.passages.append(Passage(anchor=self._anchor, heading=self._heading, text="\n".join(self._lines)))
        self._lines = []


def _table_rows(table: etree._Element) -> list[str]:
    rows = []
    for row in table.iter():
        if isinstance(row.tag, str) and strip_ns(row.tag) in ("BOXHD", "ROW"):
            cells = [inline_text(c) for c in row if isinstance(c.tag, str)]
            cells = [c for c in cells if c]
            if cells:
                rows.append(" | ".join(cells))
    return rows


def _walk_body(el: etree._Element, out: _Builder) -> None:
    """Walk SUPLINF (or REGTEXT, or a presidential document body) block by block."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        tag = strip_ns(child.tag)
        if tag == "HD":
            heading = _heading(inline_text(child))
            out.start(heading, heading.capitalize() if heading.isupper() else heading)
        elif tag == "SECTION":
            num = next((inline_text(c) for c in child if strip_ns(str(c.tag)) == "SECTNO"), "")
            subject = next((inline_text(c) for c in child if strip_ns(str(c.tag)) == "SUBJECT"), "")
            out.start(clean(num), subject)
            _walk_body(child, out)
        elif tag == "REGTEXT" and child.get("PART"):
            cfr = f"{child.get('TITLE', '')} CFR {child.get('PART')}".strip()
            out.start(cfr, f"Amendments to {cfr.replace('CFR', 'CFR part')}")
            _walk_body(child, out)
        elif tag in ("SECTNO", "SUBJECT", "PRTPAGE"):
            continue
        elif tag == "SIG":
            out.start("Signature", "Signature")
            for part in child:
                if isinstance(part.tag, str) and strip_ns(part.tag) != "PRTPAGE":
                    out.add(inline_text(part))
        elif tag == "GPOTABLE":
            title = next((inline_text(c) for c in child if strip_ns(str(c.tag)) == "TTITLE"), "")
            out.add(title)
            for row in _table_rows(child):
                out.add(row)
        elif tag in TEXT_BLOCKS or len(child) == 0:
            out.add(inline_text(child))
        else:  # containers: REGTEXT, AUTH, LSTSUB, PART, SUBPART, EXTRACT with HDs…
            _walk_body(child, out)


def parse_fr_document(el: etree._Element) -> FrText:
    """Parse one document element (RULE/PRORULE/NOTICE/PRESDOCU) into :class:`FrText`."""
    doc = FrText(doc_type=strip_ns(el.tag))
    out = _Builder()
    meta_fields = {"AGENCY": "agency", "SUBAGY": "subagency", "CFR": "cfr", "DEPDOC": "depdoc", "RIN": "rin",
                   "SUBJECT": "subject"}
    block_fields = {"ACTION": "action", "SUMMARY": "summary", "DATES": "dates", "ADDRESSES": "addresses",
                    "FOR FURTHER INFORMATION CONTACT": "contact"}
    doc.pages = [int(p.get("P")) for p in el.iter() if isinstance(p.tag, str) and strip_ns(p.tag) == "PRTPAGE"
                 and (p.get("P") or "").isdigit()]
    for child in el:
        if not isinstance(child.tag, str):
            continue
        tag = strip_ns(child.tag)
        if tag == "PREAMB":
            for block in child:
                if not isinstance(block.tag, str):
                    continue
                btag = strip_ns(block.tag)
                if btag in meta_fields:
                    value = inline_text(block)
                    current = getattr(doc, meta_fields[btag])
                    setattr(doc, meta_fields[btag], f"{current}; {value}" if current else value)
                elif btag in PREAMBLE_BLOCKS:
                    anchor = PREAMBLE_BLOCKS[btag]
                    paras = [inline_text(p) for p in block if isinstance(p.tag, str)
                             and strip_ns(p.tag) not in ("HD", "PRTPAGE")]
                    body = "\n".join(p for p in paras if p)
                    out.start(anchor, anchor.capitalize())
                    out.add(body)
                    if anchor in block_fields:
                        attr = block_fields[anchor]
                        current = getattr(doc, attr)
                        setattr(doc, attr, f"{current}\n{body}" if current else body)
                elif btag != "PRTPAGE":
                    out.start(btag, btag)
                    out.add(inline_text(block))
        elif tag == "FRDOC":
            doc.frdoc = inline_text(child)
            m = _FRDOC_RE.search(doc.frdoc)
            if m:
                doc.document_number = re.sub(r"\s*[-–]\s*", "-", m.group(1))
        elif tag == "BILCOD":
            doc.billing_code = inline_text(child)
        elif tag == "PRTPAGE":
            continue
        else:  # SUPLINF, REGTEXT, presidential document bodies
            out.start(tag, "")
            _walk_body(child, out)
    out.flush()
    doc.passages = out.passages
    if not (doc.subject or doc.passages):
        raise SourceChanged(f"FR XML {doc.doc_type} element has no SUBJECT and no text", source="federal_register")
    return doc


def parse_fr_xml(data: bytes, document_number: str | None = None) -> FrText:
    """Bytes of FR XML → :class:`FrText` (hardened parse; a file without a document raises SourceChanged)."""
    root = parse_xml(data, source="federal_register")
    return parse_fr_document(find_document(root, document_number))


def plain_text_passages(text: str, *, max_chars: int = 4000) -> list[Passage]:
    """Fallback passages from plain text (``raw_text_url``): blank-line separated blocks, merged up
    to ``max_chars``; a block in capitals ending with a colon ("SUMMARY:") becomes the anchor."""
    passages: list[Passage] = []
    anchor, buf = "", []
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block:
            continue
        m = re.match(r"^([A-Z][A-Z .]{2,40}):\s*", block)
        if m or sum(len(b) for b in buf) + len(block) > max_chars:
            if buf:
                passages.append(Passage(anchor=anchor, heading=anchor.title(), text="\n".join(buf)))
            buf = []
            if m:
                anchor = m.group(1).strip()
        buf.append(" ".join(block.split()))
    if buf:
        passages.append(Passage(anchor=anchor, heading=anchor.title(), text="\n".join(buf)))
    return passages
