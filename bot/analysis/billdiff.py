"""Section-level diff of two bill text versions (pure).

Units (sections, subsections, paragraphs…) are aligned by structure: sibling lists are matched
first by identical content, then by structural key, then by heading/text similarity, so a
section renumbered 5→6 comes out as ``renumbered`` rather than removed + added. XML ids are
never used. Inside each aligned unit the words are compared with ``SequenceMatcher`` over
word tokens (autojunk off). Quote styles, dashes, whitespace and line/page breaks are
normalised away first, so they are never reported as changes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from scrapers.records import BillText, Section

ADDED, REMOVED, RENUMBERED, REWORDED, UNCHANGED = "added", "removed", "renumbered", "reworded", "unchanged"
KINDS = (ADDED, REMOVED, RENUMBERED, REWORDED, UNCHANGED)

_CHAR_MAP = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u2013": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2015": "\u2014",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\f": " ", "\v": " ",
    "\u00ad": None, "\u200b": None, "\ufeff": None,
})
_TOKEN = re.compile(r"\w+(?:[-'.]\w+)*|[^\w\s]")
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Collapse formatting-only differences: quote styles (``…'' “…” "…"), dashes, spaces."""
    if not text:
        return ""
    t = text.replace("``", '"').replace("''", '"').translate(_CHAR_MAP).replace("--", "\u2014")
    return _WS.sub(" ", t).strip()


def normalize_heading(heading: str) -> str:
    """Headings differ in case and trailing period between schemas (``FINDINGS.`` vs ``Findings``)."""
    return normalize_text(heading).rstrip(" .:").casefold()


def _sig(norm: str) -> str:
    return norm.replace(" ", "")


def label_for(key: str) -> str:
    """A people label for a structural key: ``2/a/1`` → ``Sec. 2(a)(1)``."""
    if not key:
        return ""
    if key == "title":
        return "Official title"
    parts = key.split("/")
    head = parts[0]
    if re.fullmatch(r"\d+[A-Za-z]*(?:-\d+)?", head):
        return f"Sec. {head}" + "".join(f"({p})" for p in parts[1:])
    return head + "".join(f"({p})" for p in parts[1:])


_DEFINITION = re.compile(r"\b[Tt]erms?\s+[\"']([^\"']{1,80})[\"']\s+(?:means|has the meaning|includes)")


def readable_heading(heading: str, text: str = "") -> str:
    """``REPORT ON SAUDI ARABIA.`` → ``Report on Saudi Arabia``: an all-caps heading is put in
    sentence case, keeping capitals on words the unit's text capitalises; others keep their case."""
    h = normalize_text(heading).rstrip(" .:")
    if not h.isupper():
        return h
    proper = {w.casefold(): w for w in re.findall(r"(?<=[\w,;:)] )[A-Z][\w'-]*", text)}
    words = [proper.get(w.casefold(), w.lower()) for w in h.split(" ")]
    out = " ".join(words)
    return out[:1].upper() + out[1:]


@dataclass
class SectionChange:
    """One aligned unit that differs between the versions."""

    kind: str
    key: str                       # new key (old key for removed units)
    old_key: str | None
    new_key: str | None
    heading: str
    label: str                     # "Sec. 2(1)"
    inserted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    old_text: str = ""
    new_text: str = ""
    ops: list[tuple[str, str, str]] = field(default_factory=list)   # (equal|insert|delete|replace, old, new)
    old_heading: str = ""
    new_heading: str = ""
    level: str = "section"

    @property
    def old_label(self) -> str:
        return label_for(self.old_key or "")

    @property
    def topic(self) -> str:
        """What the unit is about: ``definition of "remote access"``, else its heading."""
        m = _DEFINITION.search((self.new_text or self.old_text)[:400])
        if m:
            return f'definition of "{m.group(1)}"'
        return readable_heading(self.new_heading or self.old_heading, self.new_text or self.old_text)

    @property
    def reworded(self) -> bool:
        return bool(self.inserted or self.deleted or self.heading_changed)

    @property
    def heading_changed(self) -> bool:
        return (self.kind in (REWORDED, RENUMBERED)
                and normalize_heading(self.old_heading) != normalize_heading(self.new_heading))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "old_key": self.old_key, "new_key": self.new_key,
                "label": self.label, "old_label": self.old_label, "heading": self.heading,
                "old_heading": self.old_heading, "new_heading": self.new_heading, "level": self.level,
                "inserted": list(self.inserted), "deleted": list(self.deleted),
                "old_text": self.old_text, "new_text": self.new_text, "ops": [list(o) for o in self.ops]}


@dataclass
class BillDiff:
    old_id: str
    new_id: str
    changes: list[SectionChange]
    stats: dict
    unchanged: list[SectionChange] = field(default_factory=list)   # filled with include_unchanged=True

    @property
    def substantive(self) -> bool:
        """False when the versions differ only in formatting (nothing aligned differs)."""
        return bool(self.changes)

    def labels(self) -> set[str]:
        """Every section label the diff mentions (new and old numbering)."""
        out = set()
        for c in self.changes:
            out.add(c.label)
            if c.old_key:
                out.add(c.old_label)
        return out

    def sources(self) -> dict[str, str]:
        """The text of each version that the diff covers (for the grounding check)."""
        old = [p for c in self.changes for p in (c.old_heading, c.old_text) if p]
        new = [p for c in self.changes for p in (c.new_heading, c.new_text) if p]
        return {self.old_id: "\n".join(old), self.new_id: "\n".join(new)}

    def to_dict(self) -> dict:
        return {"old_id": self.old_id, "new_id": self.new_id, "substantive": self.substantive,
                "stats": dict(self.stats), "changes": [c.to_dict() for c in self.changes]}


# ---- internal tree ------------------------------------------------------------------------

class _Node:
    __slots__ = ("key", "num", "shown_num", "heading", "hnorm", "norm", "tsig", "sig", "children", "level", "_bag")

    def __init__(self, s: Section):
        self.key = s.key
        self.shown_num = (s.num or s.key.rsplit("/", 1)[-1]).strip("() .")
        self.num = self.shown_num.casefold()
        self.heading = normalize_text(s.heading)
        self.hnorm = normalize_heading(s.heading)
        self.norm = normalize_text(s.text)
        self.tsig = _sig(self.norm)
        self.level = s.level
        self.children = [_Node(c) for c in s.children]
        self.sig = hash((self.hnorm, self.tsig, tuple((c.num, c.sig) for c in self.children)))
        self._bag: Counter | None = None

    def full(self) -> str:
        """Own text followed by the children, each with its enumerator, as printed."""
        parts = [self.norm] if self.norm else []
        for c in self.children:
            head = f"{c.heading}. " if c.heading else ""
            parts.append(f"({c.shown_num}) {head}{c.full()}".strip())
        return " ".join(parts)

    def bag(self) -> Counter:
        if self._bag is None:
            self._bag = Counter(_TOKEN.findall(self.hnorm + " " + self.full().casefold()))
        return self._bag


def _similarity(a: _Node, b: _Node) -> float:
    ba, bb = a.bag(), b.bag()
    total = sum(ba.values()) + sum(bb.values())
    if not total:
        return 1.0
    inter = sum((ba & bb).values())
    score = 2.0 * inter / total
    if a.hnorm and a.hnorm == b.hnorm:
        score = max(score, 0.5 + score / 2)
    return score


_FUZZY_PAIR_LIMIT = 20_000   # all pairs below this; beyond it, only nearby positions
_FUZZY_WINDOW = 25


def _align(old: list[_Node], new: list[_Node]) -> list[tuple[_Node | None, _Node | None]]:
    """Match two sibling lists; returns pairs in document order (None on the missing side)."""
    match_new: dict[int, int] = {}          # new index -> old index
    used_old: set[int] = set()

    def pair(i: int, j: int) -> None:
        match_new[j] = i
        used_old.add(i)

    old_by_num = {}
    for i, o in enumerate(old):
        old_by_num.setdefault(o.num, i)
    # 1. same number, identical content
    for j, n in enumerate(new):
        i = old_by_num.get(n.num)
        if i is not None and i not in used_old and old[i].sig == n.sig:
            pair(i, j)
    # 2. identical content elsewhere (renumbered)
    by_sig: dict[int, list[int]] = {}
    for i, o in enumerate(old):
        if i not in used_old:
            by_sig.setdefault(o.sig, []).append(i)
    for j, n in enumerate(new):
        if j not in match_new and by_sig.get(n.sig):
            pair(by_sig[n.sig].pop(0), j)
    # 3. same number, similar content
    for j, n in enumerate(new):
        i = old_by_num.get(n.num)
        if j not in match_new and i is not None and i not in used_old and _similarity(old[i], n) >= 0.5:
            pair(i, j)
    # 4. best similar pairs among the rest (renumbered and perhaps reworded)
    rest_old = [i for i in range(len(old)) if i not in used_old]
    rest_new = [j for j in range(len(new)) if j not in match_new]
    if rest_old and rest_new:
        window = len(rest_old) if len(rest_old) * len(rest_new) <= _FUZZY_PAIR_LIMIT else _FUZZY_WINDOW
        scored = []
        for p, j in enumerate(rest_new):
            for i in rest_old[max(0, p - window):p + window + 1]:
                s = _similarity(old[i], new[j])
                if s >= 0.5:
                    scored.append((-s, abs(i - j), i, j))
        for _s, _d, i, j in sorted(scored):
            if i not in used_old and j not in match_new:
                pair(i, j)
    # 5. same number left on both sides, loosely similar: a rewrite in place
    for j, n in enumerate(new):
        i = old_by_num.get(n.num)
        if j not in match_new and i is not None and i not in used_old and _similarity(old[i], n) >= 0.25:
            pair(i, j)

    out: list[tuple[_Node | None, _Node | None]] = []
    next_old = 0
    for j, n in enumerate(new):
        i = match_new.get(j)
        if i is not None:
            for k in range(next_old, i):
                if k not in used_old:
                    out.append((old[k], None))
            next_old = max(next_old, i + 1)
        out.append((old[i] if i is not None else None, n))
    for k in range(next_old, len(old)):
        if k not in used_old:
            out.append((old[k], None))
    return out


# ---- word diff ----------------------------------------------------------------------------

def _tokens(norm: str) -> tuple[list[str], list[tuple[int, int]]]:
    toks, spans = [], []
    for m in _TOKEN.finditer(norm):
        toks.append(m.group())
        spans.append(m.span())
    return toks, spans


def _frag(norm: str, spans: list[tuple[int, int]], a: int, b: int) -> str:
    return norm[spans[a][0]:spans[b - 1][1]] if b > a else ""


def word_ops(old: str, new: str) -> list[tuple[str, str, str]]:
    """Word-level opcodes between two normalised texts: (tag, old fragment, new fragment)."""
    ot, osp = _tokens(old)
    nt, nsp = _tokens(new)
    raw = SequenceMatcher(None, ot, nt, autojunk=False).get_opcodes()
    # absorb tiny equal runs (1–2 tokens) between two edits into one replacement
    merged: list[list] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(raw):
        tiny = tag == "equal" and i2 - i1 <= 2 and 0 < k < len(raw) - 1
        if merged and merged[-1][0] != "equal" and (tag != "equal" or tiny):
            merged[-1][2], merged[-1][4] = i2, j2
            merged[-1][0] = "replace"
        else:
            merged.append([tag, i1, i2, j1, j2])
    ops = []
    for tag, i1, i2, j1, j2 in merged:
        if tag == "replace" and i1 == i2:
            tag = "insert"
        elif tag == "replace" and j1 == j2:
            tag = "delete"
        ops.append((tag, _frag(old, osp, i1, i2), _frag(new, nsp, j1, j2)))
    return ops


def _word_count(text: str) -> int:
    return sum(1 for t in _TOKEN.findall(text) if t[0].isalnum() or t[0] == "_")


# ---- the diff -----------------------------------------------------------------------------

def _change(kind: str, o: _Node | None, n: _Node | None) -> SectionChange:
    ref = n or o
    assert ref is not None
    c = SectionChange(kind=kind, key=ref.key, old_key=o.key if o else None, new_key=n.key if n else None,
                      heading=ref.heading, label=label_for(ref.key), level=ref.level,
                      old_heading=o.heading if o else "", new_heading=n.heading if n else "")
    if kind == ADDED:
        c.new_text = n.full()
        c.inserted = [c.new_text] if c.new_text else []
        c.ops = [("insert", "", c.new_text)]
    elif kind == REMOVED:
        c.old_text = o.full()
        c.deleted = [c.old_text] if c.old_text else []
        c.ops = [("delete", c.old_text, "")]
    else:
        c.old_text, c.new_text = o.norm, n.norm
        if o.tsig == n.tsig:
            c.ops = [("equal", o.norm, n.norm)] if n.norm else []
        else:
            c.ops = word_ops(o.norm, n.norm)
        c.inserted = [b for t, _a, b in c.ops if t in ("insert", "replace") and b]
        c.deleted = [a for t, a, _b in c.ops if t in ("delete", "replace") and a]
    return c


def _walk(pairs, out: list[SectionChange], keep: list[SectionChange] | None, stats: Counter) -> None:
    for o, n in pairs:
        if o is None:
            out.append(_change(ADDED, None, n))
            stats[ADDED] += 1
            continue
        if n is None:
            out.append(_change(REMOVED, o, None))
            stats[REMOVED] += 1
            continue
        renumbered = o.num != n.num
        if o.sig == n.sig:
            if renumbered:
                out.append(_change(RENUMBERED, o, n))
                stats[RENUMBERED] += 1
            else:
                stats[UNCHANGED] += 1
                if keep is not None:
                    keep.append(_change(UNCHANGED, o, n))
            continue   # identical subtree
        c = _change(RENUMBERED if renumbered else REWORDED, o, n)
        if renumbered or c.reworded:
            out.append(c)
            stats[c.kind] += 1
        else:
            stats[UNCHANGED] += 1
            if keep is not None:
                keep.append(c)
        _walk(_align(o.children, n.children), out, keep, stats)


def _title_change(old: BillText, new: BillText) -> SectionChange | None:
    a, b = normalize_text(old.title), normalize_text(new.title)
    if not a or not b or _sig(a) == _sig(b):
        return None
    ops = word_ops(a, b)
    return SectionChange(kind=REWORDED, key="title", old_key="title", new_key="title", heading="Official title",
                         label="Official title", old_text=a, new_text=b, ops=ops, level="title",
                         inserted=[y for t, _x, y in ops if t in ("insert", "replace") and y],
                         deleted=[x for t, x, _y in ops if t in ("delete", "replace") and x])


def diff_bills(old: BillText, new: BillText, *, include_unchanged: bool = False) -> BillDiff:
    """Align ``old`` and ``new`` by structure and report what changed, unit by unit."""
    stats: Counter = Counter()
    changes: list[SectionChange] = []
    keep: list[SectionChange] | None = [] if include_unchanged else None
    title = _title_change(old, new)
    if title:
        changes.append(title)
        stats[REWORDED] += 1
    old_nodes = [_Node(s) for s in old.sections]
    new_nodes = [_Node(s) for s in new.sections]
    _walk(_align(old_nodes, new_nodes), changes, keep, stats)
    full = {k: stats.get(k, 0) for k in KINDS}
    full["units_old"] = sum(1 for s in old.sections for _ in s.walk())
    full["units_new"] = sum(1 for s in new.sections for _ in s.walk())
    full["words_inserted"] = sum(_word_count(x) for c in changes for x in c.inserted)
    full["words_deleted"] = sum(_word_count(x) for c in changes for x in c.deleted)
    return BillDiff(old_id=old.version_id, new_id=new.version_id, changes=changes, stats=full,
                    unchanged=keep or [])
