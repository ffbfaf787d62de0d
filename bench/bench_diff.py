"""Diff: the structured section diff against ``difflib`` over whole texts, on its worst cases.

The bill is generated in bill-DTD form from real sections (the bundled flagship texts and the
bill fixtures in ``tests/data/billtext``): each generated section is a copy of a real section or
subsection with its own number and heading. Cases, each a pair of versions:

- ``amended``: a 1,000-section bill whose new version rewords some sections, changes a few
  headings, removes some, inserts others and renumbers everything after them;
- ``every unit reworded``: the same bill with a real amendment's edit in every section;
- ``substitute``: an amendment in the nature of a substitute — every section's text replaced by
  another real section's text (same numbers and headings);
- ``one 55,000+ character unit``: a bill with one appropriations-size paragraph (real text
  nodes joined into one ``<text>``) with word edits scattered through it.

Both versions are parsed once with ``scrapers.billtext.parse_bill_text`` (timed separately); then
``diff_bills`` and ``difflib.unified_diff`` over the two rendered whole texts are timed
interleaved (A B A B …), ``--rounds`` times each; the row shows the best of each side (medians in
the note), the first (cold) call of ``diff_bills`` included in its samples.

    python bench/bench_diff.py [--full] [--rounds N] [--json]      (--full: 2,000 sections)
"""

from __future__ import annotations

import copy
import difflib
import random
import time

from common import ROOT, Row, median, parse_args, quiet, result, run_script, timed, verdict
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


def substitute_versions(n: int, seed: int = 7) -> tuple[bytes, bytes, dict]:
    """Every section's text replaced by another real section's text (headings and numbers kept)."""
    rng = random.Random(seed)
    pool = section_pool()
    old_units = [make_unit(pool, i, rng) for i in range(n)]
    new_units = []
    for i, u in enumerate(old_units):
        repl = make_unit(pool, i + len(pool) // 2 + 1, rng)
        repl.find("header").text = u.find("header").text
        new_units.append(repl)
    return bill_xml(old_units, "ih"), bill_xml(new_units, "rh"), {"substituted": n}


def reworded_versions(n: int, seed: int = 9) -> tuple[bytes, bytes, dict]:
    """A real amendment's edit (one word changed, one clause inserted) in every section."""
    rng = random.Random(seed)
    pool = section_pool()
    old_units = [make_unit(pool, i, rng) for i in range(n)]
    new_units = [copy.deepcopy(u) for u in old_units]
    for u in new_units:
        _reword(u, rng)
    return bill_xml(old_units, "ih"), bill_xml(new_units, "rh"), {"reworded": n}


def long_unit_versions(chars: int = 56000, edits: int = 60, seed: int = 11) -> tuple[bytes, bytes, dict]:
    """Ten ordinary sections and one section whose single paragraph is ``chars`` characters of
    real bill text, with ``edits`` word edits scattered through it."""
    rng = random.Random(seed)
    pool = section_pool()
    sentences = [" ".join(t.text.split()) for sec in pool for t in _texts(sec)]
    body, k = [], 0
    size = 0
    while size < chars:              # each sentence once per fiscal year, so no two are identical
        body.append(f"For fiscal year {2001 + k // len(sentences)}, {sentences[k % len(sentences)]}")
        size += len(body[-1]) + 1
        k += 1
    words = " ".join(body).split()
    new_words = list(words)
    for i in sorted(rng.sample(range(len(words)), edits), reverse=True):
        if rng.random() < 0.5:
            new_words[i] = rng.choice(WORDS)
        else:
            new_words.insert(i, f"not later than {rng.randint(30, 365)} days after enactment,")
    units = [make_unit(pool, i, rng) for i in range(10)]

    def big(text: str):
        sec = etree.Element("section")
        etree.SubElement(sec, "enum")
        etree.SubElement(sec, "header").text = "Appropriations for operations and maintenance"
        etree.SubElement(sec, "text").text = text
        return sec
    old_units = [copy.deepcopy(u) for u in units[:5]] + [big(" ".join(words))] + [copy.deepcopy(u) for u in units[5:]]
    new_units = [copy.deepcopy(u) for u in units[:5]] + [big(" ".join(new_words))] + [copy.deepcopy(u) for u in units[5:]]
    return bill_xml(old_units, "ih"), bill_xml(new_units, "rh"), {"unit_chars": len(" ".join(words)), "edits": edits}


def compare(old_xml: bytes, new_xml: bytes, rounds: int, words: bool = False) -> dict:
    """Parse both versions, then time diff_bills and difflib interleaved (ABAB), ``rounds`` each."""
    with timed() as t_parse:
        old = parse_bill_text(old_xml, bill_id="hr9999-119", version_code="ih")
        new = parse_bill_text(new_xml, bill_id="hr9999-119", version_code="rh")
    a, b = render_text(old).splitlines(keepends=True), render_text(new).splitlines(keepends=True)
    ours: list[float] = []
    theirs: list[float] = []
    by_word: list[float] = []
    wa, wb = render_text(old).split(), render_text(new).split()
    diff = None
    for _ in range(rounds):
        start = time.perf_counter()
        diff = diff_bills(old, new)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        list(difflib.unified_diff(a, b, "old", "new"))
        theirs.append(time.perf_counter() - start)
        if words:
            start = time.perf_counter()
            list(difflib.unified_diff(wa, wb, "old", "new", lineterm=""))
            by_word.append(time.perf_counter() - start)
    assert diff is not None
    return {"ours": ours, "theirs": theirs, "by_word": by_word, "parse": t_parse[0], "lines": (len(a), len(b)),
            "changed": len(diff.changes), "stats": dict(diff.stats), "xml_mb": len(old_xml) / 1e6}


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__.splitlines()[0],
                      lambda p: p.add_argument("--rounds", type=int, default=7, help="timings per side per case"))
    quiet()

    n = 2000 if args.full else 1000
    cases = [("amended", f"{n} sections", make_versions(n)),
             ("every unit reworded", f"{n} sections", reworded_versions(n)),
             ("substitute (every unit rewritten)", f"{n} sections", substitute_versions(n)),
             ("one 55,000+ character unit", "11 sections", long_unit_versions())]
    rows = []
    info = {}
    parse_total = 0.0
    for name, size, (old_xml, new_xml, made) in cases:
        m = compare(old_xml, new_xml, args.rounds, words=name.startswith("one "))
        parse_total += m["parse"]
        best, best_base = min(m["ours"]), min(m["theirs"])
        med, med_base = median(m["ours"]), median(m["theirs"])
        ok = best <= best_base and med <= med_base
        rows.append(Row(f"diff_bills, {name}, {size} ({m['xml_mb']:.1f} MB XML)", best * 1000, "ms",
                        baseline=best_base * 1000, target="≤ difflib (best and median)", verdict=verdict(ok),
                        note=f"best of {args.rounds} interleaved with difflib; medians {med * 1000:.1f} ms vs "
                             f"{med_base * 1000:.1f} ms (ratio {med / med_base:.2f}); first call "
                             f"{m['ours'][0] * 1000:.1f} ms; baseline = difflib.unified_diff over the two rendered "
                             f"whole texts ({m['lines'][0]} vs {m['lines'][1]} lines); edits made: {made}; "
                             f"diff found {m['changed']} changed units, stats {m['stats']}"))
        if m["by_word"]:
            bw = min(m["by_word"])
            rows.append(Row(f"diff_bills, {name}, against difflib's word diff", best * 1000, "ms", baseline=bw * 1000,
                            target="≤ difflib on words (best and median)",
                            verdict=verdict(best <= bw and med <= median(m["by_word"])),
                            note=f"baseline = difflib.unified_diff over the whole texts one word per line "
                                 f"({len(m['by_word'])} runs in the same rounds), median "
                                 f"{median(m['by_word']) * 1000:.1f} ms; the line baseline above compares the "
                                 f"55,000-character paragraph as one line (equal or not), which no word diff can match"))
        info[name] = {"ours_ms": [round(x * 1000, 2) for x in m["ours"]],
                      "difflib_ms": [round(x * 1000, 2) for x in m["theirs"]], "made": made}
    rows.append(Row("parse all versions (parse_bill_text)", parse_total * 1000, "ms", verdict="info",
                    note="not part of the diff times; shown for scale"))
    return result("diff", rows, sections=n, rounds=args.rounds, cases=info)


if __name__ == "__main__":
    raise SystemExit(run_script(main))
