"""The hardened XML parser: real bill XML parses; entity tricks and malformed input are refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

from scrapers.errors import HostileContent, SourceChanged
from scrapers.xmlsafe import parse_xml, strip_ns, text_of

XML_DATA = Path(__file__).parent / "data" / "xml"
BILL_DTD_HEADER = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                   b'<?xml-stylesheet type="text/xsl" href="billres.xsl"?>\n'
                   b'<!DOCTYPE bill PUBLIC "-//US Congress//DTDs/bill.dtd//EN" "bill.dtd">\n')


def xxe(target: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE bill [<!ENTITY leak SYSTEM "{target}">]>\n'
            f"<bill><title>&leak;</title></bill>").encode()


def test_real_bill_dtd_file_parses():
    root = parse_xml((XML_DATA / "billdtd-112hr65-ih.xml").read_bytes(), source="govinfo")
    assert root.tag == "bill"
    assert root.getroottree().docinfo.public_id == "-//US Congress//DTDs/bill v2.8 20020720//EN"
    assert root.findtext(".//legis-num") == "H. R. 65"
    assert text_of(root.find(".//official-title")).startswith(
        "To amend the Internal Revenue Code of 1986 to provide for")
    sections = root.findall(".//legis-body/section")
    assert [s.findtext("enum") for s in sections][:2] == ["1.", "2."]
    assert not any(isinstance(node, etree._Comment) for node in root.iter())  # comments removed


def test_bill_dtd_header_with_numeric_entities_parses():
    data = BILL_DTD_HEADER + (b"<bill><legis-body><text>Act &#x2014; of 2025 &amp; more</text>"
                              b"</legis-body></bill>")
    root = parse_xml(data)
    assert root.findtext(".//text") == "Act \u2014 of 2025 & more"


def test_xxe_payload_is_a_real_threat_for_a_permissive_parser(tmp_path):
    """Guard: the payload used below does leak with entity resolution on, so refusing it means something."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    permissive = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True)
    assert etree.fromstring(xxe(secret.as_uri()), permissive).findtext("title") == "TOP-SECRET-MARKER"


def test_xxe_never_reads_local_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    with pytest.raises(HostileContent) as info:
        parse_xml(xxe(secret.as_uri()), source="govinfo")
    assert "TOP-SECRET-MARKER" not in str(info.value)
    assert info.value.source == "govinfo"


def test_xxe_etc_hostname_is_refused():
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\0"
    with pytest.raises(HostileContent) as info:
        parse_xml(xxe("file:///etc/hostname"))
    assert hostname not in str(info.value).replace("/etc/hostname", "")


def test_external_parameter_entity_is_refused(tmp_path):
    evil = tmp_path / "evil.dtd"
    evil.write_text('<!ENTITY injected "PWNED">')
    data = (f'<?xml version="1.0"?><!DOCTYPE bill [<!ENTITY % ext SYSTEM "{evil.as_uri()}"> %ext;]>'
            f"<bill>ok</bill>").encode()
    with pytest.raises(HostileContent):
        parse_xml(data)


@pytest.mark.parametrize("depth", [3, 9])
def test_billion_laughs_is_refused_quickly(depth):
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth + 1)]
    data = f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(lol)}]><lolz>&lol{depth};</lolz>'.encode()
    started = time.monotonic()
    with pytest.raises(HostileContent, match="entit"):
        parse_xml(data)
    assert time.monotonic() - started < 1.0


def test_unresolved_entity_references_are_refused():
    with pytest.raises(HostileContent):
        parse_xml(b"<bill>&nbsp;</bill>")  # no DTD at all
    with pytest.raises(HostileContent, match="unresolved"):
        parse_xml(BILL_DTD_HEADER + b"<bill><text>&mdash;</text></bill>")  # would need the external DTD


@pytest.mark.parametrize("data", [b"", b"   ", b"<bill><text>unclosed</bill>", b"AT&T <b>", b"{\"json\": 1}",
                                  b"<!DOCTYPE html><html><body><p>Service down<br></body></html>"])
def test_malformed_is_source_changed(data):
    with pytest.raises(SourceChanged) as info:
        parse_xml(data, source="bis")
    assert info.value.source == "bis"


def test_encoding_declaration_is_honoured():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><r>Caf\u00e9</r>'.encode("latin-1")
    assert parse_xml(data).text == "Caf\u00e9"


def test_strip_ns_and_text_of():
    root = parse_xml(b'<bill xmlns="http://schemas.gpo.gov/xml/uslm"><section><num>1.</num>'
                     b"<heading> Short\n   title </heading><content>This Act <term>may</term> be"
                     b"  cited.</content></section><!-- note --></bill>")
    section = root[0]
    assert strip_ns(section.tag) == "section"
    assert strip_ns("plain") == "plain"
    assert strip_ns(etree.Comment("x").tag) == ""
    assert text_of(section[1]) == "Short title"
    assert text_of(section[2]) == "This Act may be cited."
    assert text_of(None) == ""
