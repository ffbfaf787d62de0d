"""Diff: the structured section diff of a 1,000-section bill against ``difflib`` over whole texts.

The bill is generated in bill-DTD form from real sections (the bundled flagship texts and the
bill fixtures in ``tests/data/billtext``): each generated section is a copy of a real section or
subsection with its own number and heading. The new version rewords some sections, changes a
few headings, removes some, inserts others and renumbers everything after them. Both versions
are parsed once with ``scrapers.billtext.parse_bill_text`` (timed separately); then
``diff_bills`` is timed against ``difflib.unified_diff`` over the two rendered whole texts.

    python bench/bench_diff.py [--full] [--json]      (--full: 2,000 sections)
"""

from __future__ import annotations

import copy
import difflib
import random

from common import ROOT, Row, best_of, parse_args, quiet, result, run_script, timed, verdict
from lxml import etree

from bot.analysis.billdiff import diff_bills
from scrapers.billtext import parse_bill_text, render_text

POOL_FILES = [ROOT / "tests" / "data" / "billtext" / "billdtd-113hr3825-ih.xml",
              ROOT / "tests" / "data" / "billtext" / "billdtd-112hr65-ih.xml",
              *sorted((ROOT / "bot" / "sandbox" / "data" / "govinfo" / "content" / "pkg").glob("BILLS-*/xml/*.xml"))]
MAX_UNIT = 10000         # bytes: larger sections contribute their subsections instead
WORDS = ["covered", "qualified", "foreign", "remote", "annual", "additional", "appropriate", "specified",
         "eligible", "designated", "relevant", "technical", "strategic", "federal", "regional"]


def _parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def section_pool() -> list:
    """Real units (sections, or the subsections of very long sections) as lxml elements."""
    pool = []
    for f in POOL_FILES:
        if not f.is_file():
            continue
        root = etree.fromstring(f.read_bytes(), _parser())
        for sec in root.iter("section"):
            if sec.getparent() is None or sec.getparent().tag != "legis-body":
                continue
            if len(etree.tostring(sec)) <= MAX_UNIT:
                pool.append(sec)
                continue
            for sub in sec.iterchildren("subsection"):
                if len(etree.tostring(sub)) <= MAX_UNIT:
                    unit = copy.deepcopy(sub)
                    unit.tag = "section"
                    pool.append(unit)
    if not pool:
        raise SystemExit("no bill XML found to build sections from")
    return pool


def _texts(el) -> list:
    return [t for t in el.iter("text") if t.text and len(t.text.split()) > 4]


def _reword(el, rng: random.Random) -> None:
    """Change a few words of one text node (a real amendment's size)."""
    nodes = _texts(el)
    if not nodes:
        return
    node = rng.choice(nodes)
    words = node.text.split()
    i = rng.randrange(len(words))
    words[i] = rng.choice(WORDS)
    words.insert(rng.randrange(len(words)), f"not later than {rng.randint(30, 365)} days after enactment,")
    node.text = " ".join(words)


def make_unit(pool: list, i: int, rng: random.Random):
    sec = copy.deepcopy(pool[i % len(pool)])
    for attr in list(sec.attrib):
        del sec.attrib[attr]
    sec.set("id", f"G{i:06d}")
    enum = sec.find("enum")
    if enum is None:
        enum = etree.SubElement(sec, "enum")
        sec.insert(0, enum)
    header = sec.find("header")
    if header is None:
        header = etree.Element("header")
        enum.addnext(header)
    header.text = f"{(header.text or 'Provision').strip()} ({WORDS[i % len(WORDS)]} program {i})"
    for t in _texts(sec)[:1]:
        t.text = f"{t.text} This section applies to program {i}."
    if rng.random() < 0.3:
        _reword(sec, rng)
    return sec


def bill_xml(units: list, version: str) -> bytes:
    root = etree.Element("bill", {"bill-stage": "Introduced-in-House" if version == "ih" else "Reported-in-House"})
    form = etree.SubElement(root, "form")
    etree.SubElement(form, "congress").text = "119th CONGRESS"
    etree.SubElement(form, "legis-num").text = "H. R. 9999"
    etree.SubElement(form, "official-title").text = "To provide for a generated program of many sections."
    body = etree.SubElement(root, "legis-body")
    for n, unit in enumerate(units, 1):
        unit.find("enum").text = f"{n}."
        body.append(unit)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def make_versions(n: int, seed: int = 5) -> tuple[bytes, bytes, dict]:
    """(old XML, new XML, what was changed)."""
    rng = random.Random(seed)
    pool = section_pool()
    old_units = [make_unit(pool, i, rng) for i in range(n)]
    new_units = [copy.deepcopy(u) for u in old_units]
    reworded = rng.sample(range(n), n // 20)
    for i in reworded:
        _reword(new_units[i], rng)
    for i in rng.sample(range(n), max(1, n // 200)):
        h = new_units[i].find("header")
        h.text = "Revised " + h.text
    removed = sorted(rng.sample(range(n), max(1, n // 200)), reverse=True)
    for i in removed:
        del new_units[i]
    inserted = 0
    for _ in range(max(1, n // 200)):
        new_units.insert(rng.randrange(len(new_units)), make_unit(pool, n + inserted, rng))
        inserted += 1
    old, new = bill_xml(old_units, "ih"), bill_xml(new_units, "rh")
    return old, new, {"reworded": len(reworded), "removed": len(removed), "inserted": inserted}


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__.splitlines()[0])
    quiet()

    n = 2000 if args.full else 1000
    old_xml, new_xml, made = make_versions(n)
    with timed() as t_parse:
        old = parse_bill_text(old_xml, bill_id="hr9999-119", version_code="ih")
        new = parse_bill_text(new_xml, bill_id="hr9999-119", version_code="rh")
    old_text, new_text = render_text(old), render_text(new)
    a, b = old_text.splitlines(keepends=True), new_text.splitlines(keepends=True)
    with timed() as t_cold:                  # the first call: nothing cached anywhere
        diff = diff_bills(old, new)
    t_struct = max(t_cold[0], best_of(lambda: diff_bills(old, new)))
    t_difflib = best_of(lambda: list(difflib.unified_diff(a, b, "old", "new")))
    size_mb = len(old_xml) / 1e6
    rows = [
        Row(f"diff_bills, {n} sections ({size_mb:.1f} MB XML)", t_struct * 1000, "ms", baseline=t_difflib * 1000,
            target="≤ difflib and < 1000 ms", verdict=verdict(t_struct <= t_difflib and t_struct < 1.0),
            note=f"value = the slower of the first call and the best of 3 later calls; "
                 f"baseline = difflib.unified_diff over the two rendered whole texts ({len(a)} vs {len(b)} lines); "
                 f"edits made: {made}; diff found {len(diff.changes)} changed units, stats {dict(diff.stats)}"),
        Row("parse both versions (parse_bill_text)", t_parse[0] * 1000, "ms", verdict="info",
            note="not part of the diff time; shown for scale"),
    ]
    return result("diff", rows, sections=n, xml_bytes=len(old_xml), made=made, stats=dict(diff.stats))


if __name__ == "__main__":
    raise SystemExit(run_script(main))
