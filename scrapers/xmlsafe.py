"""The hardened XML parser every scraper uses, and two small helpers.

``parse_xml`` never resolves entities, never loads a DTD and never touches the network. A document
that declares entities in its internal DTD subset (billion laughs, XXE, parameter entities) or
still contains entity references after parsing is refused with ``HostileContent``; a plain
``<!DOCTYPE bill PUBLIC … "bill.dtd">`` line, as real bill XML carries, is fine. Malformed XML
raises ``SourceChanged``.
"""

from __future__ import annotations

import io

from lxml import etree

from scrapers.errors import HostileContent, SourceChanged

# libxml2 errors that mean "entity tricks or a resource bomb", not "malformed markup"
_ENTITY_ERRORS = frozenset(
    code for code in (
        getattr(etree.ErrorTypes, name, None)
        for name in ("ERR_UNDECLARED_ENTITY", "WAR_UNDECLARED_ENTITY", "ERR_ENTITY_LOOP",
                     "ERR_ENTITY_AMPLIFICATION", "ERR_ENTITY_IS_EXTERNAL", "ERR_ENTITY_IS_PARAMETER",
                     "ERR_EXT_ENTITY_STANDALONE", "ERR_UNPARSED_ENTITY", "ERR_ENTITY_BOUNDARY",
                     "ERR_ENTITY_PROCESSING", "ERR_ENTITY_PE_INTERNAL", "ERR_REDECL_PREDEF_ENTITY",
                     "ERR_RESOURCE_LIMIT")
    ) if code is not None
)


def _parser() -> etree.XMLParser:
    # a fresh parser per call: lxml parsers are not safe to share between threads
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True)


def parse_xml(data: bytes, *, source: str = "") -> etree._Element:
    """Parse ``data`` (bytes, so the encoding declaration is honoured) and return the root element.

    Raises ``HostileContent`` for entity declarations or references, ``SourceChanged`` when the
    bytes are not well-formed XML.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    label = f"{source}: " if source else ""
    if not data or not data.strip():
        raise SourceChanged(f"{label}empty XML document", source=source)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if exc.code in _ENTITY_ERRORS:
            raise HostileContent(f"{label}XML refused (entities or resource limits): {exc}",
                                 source=source) from None
        raise SourceChanged(f"{label}malformed XML: {exc}", source=source) from None
    if root is None:
        raise SourceChanged(f"{label}XML document has no root element", source=source)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None:
        names = [entity.name for entity in dtd.iterentities()]
        if names:
            raise HostileContent(f"{label}XML declares entities ({', '.join(names[:5])}); refused",
                                 source=source)
    for entity in root.iter(etree.Entity):
        raise HostileContent(f"{label}XML contains an unresolved entity reference {entity.text}; refused",
                             source=source)
    return root


def strip_ns(tag: object) -> str:
    """``"{http://schemas.gpo.gov/xml/uslm}section"`` → ``"section"``; comments/PIs → ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def text_of(el: etree._Element | None) -> str:
    """All the text inside ``el`` (descendants included, its own tail excluded), whitespace collapsed."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext(with_tail=True)).split())


def iterparse_xml(data: bytes, *, source: str = "", events=("start", "end")):
    """``parse_xml`` as a stream: yields lxml ``iterparse`` events (elements only), with the same
    refusals (entity declarations, entity references, resource bombs → ``HostileContent``;
    malformed or empty XML → ``SourceChanged``). The caller may drop elements it has read, so a
    huge document is read in bounded memory."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    label = f"{source}: " if source else ""
    if not data or not data.strip():
        raise SourceChanged(f"{label}empty XML document", source=source)
    context = etree.iterparse(io.BytesIO(data), events=events, resolve_entities=False, no_network=True,
                              load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)
    first = True
    try:
        for event, el in context:
            if first:
                first = False
                dtd = el.getroottree().docinfo.internalDTD
                names = [entity.name for entity in dtd.iterentities()] if dtd is not None else []
                if names:
                    raise HostileContent(f"{label}XML declares entities ({', '.join(names[:5])}); refused",
                                         source=source)
            if event == "end" and len(el) and any(c.tag is etree.Entity for c in el):
                raise HostileContent(f"{label}XML contains an unresolved entity reference; refused", source=source)
            yield event, el
    except etree.XMLSyntaxError as exc:
        if exc.code in _ENTITY_ERRORS:
            raise HostileContent(f"{label}XML refused (entities or resource limits): {exc}", source=source) from None
        raise SourceChanged(f"{label}malformed XML: {exc}", source=source) from None
