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

from bot.analysis.worddiff import equality_key, normalize_heading, normalize_text, word_count, word_ops
from scrapers.records import BillText, Section

__all__ = ["ADDED", "REMOVED", "RENUMBERED", "REWORDED", "UNCHANGED", "BillDiff", "SectionChange", "diff_bills",
           "label_for", "normalize_heading", "normalize_text", "readable_heading", "word_ops"]

ADDED, REMOVED, RENUMBERED, REWORDED, UNCHANGED = "added", "removed", "renumbered", "reworded", "unchanged"
KINDS = (ADDED, REMOVED, RENUMBERED, REWORDED, UNCHANGED)

_SECTION_NUM = re.compile(r"\d+[A-Za-z]*(?:-\d+)?")


def label_for(key: str) -> str:
    """A people label for a structural key: ``2/a/1`` → ``Sec. 2(a)(1)``."""
    if not key:
        return ""
    if key == "title":
        return "Official title"
    parts = key.split("/")
    head = parts[0]
    if _SECTION_NUM.fullmatch(head):
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

def _raw(s: Section, memo: dict[int, int]) -> int:
    """Hash of a unit's subtree exactly as given (no normalisation); memoised by object id."""
    kids = s.children
    if kids:
        h = hash((s.heading, s.text, tuple([(c.num, _raw(c, memo)) for c in kids])))
    else:
        h = hash((s.heading, s.text))
    memo[id(s)] = h
    return h


def _count(s: Section) -> int:
    return 1 + sum(_count(c) for c in s.children)


class _Node:
    """A unit for alignment. ``raw`` hashes the text as given (cheap, catches identical units);
    the normalised fields are computed only for units that need them."""

    __slots__ = ("key", "num", "shown_num", "level", "raw", "_s", "_memo", "_kids", "_norm", "_head",
                 "_hnorm", "_sig", "_bag")

    def __init__(self, s: Section, memo: dict[int, int]):
        self._s = s
        self._memo = memo
        self.key = s.key
        self.shown_num = (s.num or s.key.rsplit("/", 1)[-1]).strip("() .")
        self.num = self.shown_num.casefold()
        self.level = s.level
        self.raw = memo.get(id(s)) or _raw(s, memo)
        self._kids: list[_Node] | None = None
        self._norm = self._head = self._hnorm = None
        self._sig: int | None = None
        self._bag: frozenset | None = None

    @property
    def children(self) -> list[_Node]:
        if self._kids is None:
            self._kids = [_Node(c, self._memo) for c in self._s.children]
        return self._kids

    @property
    def norm(self) -> str:
        if self._norm is None:
            self._norm = normalize_text(self._s.text)
        return self._norm

    @property
    def heading(self) -> str:
        if self._head is None:
            self._head = normalize_text(self._s.heading)
        return self._head

    @property
    def hnorm(self) -> str:
        if self._hnorm is None:
            self._hnorm = normalize_heading(self._s.heading)
        return self._hnorm

    @property
    def tsig(self) -> str:
        return equality_key(self.norm)

    @property
    def sig(self) -> int:
        """Equal for units that differ only in formatting (whole subtree)."""
        if self._sig is None:
            self._sig = hash((self.hnorm, self.tsig, tuple((c.num, c.sig) for c in self.children)))
        return self._sig

    def same(self, other: _Node) -> bool:
        return self.raw == other.raw or self.sig == other.sig

    def full(self) -> str:
        """Own text followed by the children, each with its enumerator, as printed."""
        parts = [self.norm] if self.norm else []
        for c in self.children:
            head = f"{c.heading}. " if c.heading else ""
            parts.append(f"({c.shown_num}) {head}{c.full()}".strip())
        return " ".join(parts)

    @property
    def defines(self) -> str:
        """The term this unit defines, lower case ("" if none)."""
        m = _DEFINITION.search(self.full()[:400])
        return m.group(1).casefold() if m else ""

    def bag(self) -> frozenset:
        if self._bag is None:
            self._bag = frozenset((self.hnorm + " " + self.full().casefold()).split())
        return self._bag


def _similarity(a: _Node, b: _Node) -> float:
    """Dice coefficient of the word sets, lifted when the headings agree."""
    ba, bb = a.bag(), b.bag()
    if not ba and not bb:
        return 1.0
    score = 2.0 * len(ba & bb) / (len(ba) + len(bb))
    if a.hnorm and a.hnorm == b.hnorm:
        score = max(score, 0.5 + score / 2)
    return score


_FUZZY_PAIR_LIMIT = 2_000    # leftovers compared all against all only below this many pairs


def _gaps(match_new: dict[int, int], n_old: int, n_new: int):
    """For each unmatched new index, the old index range between its matched neighbours."""
    prev_old = -1
    nexts: list[int] = [n_old] * (n_new + 1)
    nxt = n_old
    for j in range(n_new - 1, -1, -1):
        nexts[j] = nxt
        if j in match_new:
            nxt = match_new[j]
    for j in range(n_new):
        if j in match_new:
            prev_old = match_new[j]
        else:
            lo, hi = min(prev_old, nexts[j]), max(prev_old, nexts[j])
            yield j, lo + 1, hi


def _align(old: list[_Node], new: list[_Node]) -> list[tuple[_Node | None, _Node | None]]:
    """Match two sibling lists; returns pairs in document order (None on the missing side)."""
    match_new: dict[int, int] = {}          # new index -> old index
    used_old: set[int] = set()

    def pair(i: int, j: int) -> None:
        match_new[j] = i
        used_old.add(i)

    old_by_num: dict[str, int] = {}
    for i, o in enumerate(old):
        old_by_num.setdefault(o.num, i)

    def same_num(j: int) -> int | None:
        i = old_by_num.get(new[j].num)
        return None if i is None or i in used_old or j in match_new else i

    # 1–2. identical content under the same number, then under another number (renumbered);
    # first as given (cheap), then after normalising formatting
    for attr in ("raw", "sig"):
        for j, n in enumerate(new):
            i = same_num(j)
            if i is not None and getattr(old[i], attr) == getattr(n, attr):
                pair(i, j)
        by: dict[int, list[int]] = {}
        for i, o in enumerate(old):
            if i not in used_old:
                by.setdefault(getattr(o, attr), []).append(i)
        for j, n in enumerate(new):
            if j not in match_new:
                cands = [i for i in by.get(getattr(n, attr), ()) if i not in used_old]
                if cands:
                    pair(cands[0], j)
    # 3. same number, similar content
    for j, n in enumerate(new):
        i = same_num(j)
        if i is not None and _similarity(old[i], n) >= 0.5:
            pair(i, j)
    # 4. similar content between the same matched neighbours, then anywhere (if few are left)
    scored = []
    for j, lo, hi in list(_gaps(match_new, len(old), len(new))):
        for i in range(lo, hi):
            if i not in used_old:
                s = _similarity(old[i], new[j])
                if s >= 0.5:
                    scored.append((-s, abs(i - j), i, j))
    for _s, _d, i, j in sorted(scored):
        if i not in used_old and j not in match_new:
            pair(i, j)
    rest_old = [i for i in range(len(old)) if i not in used_old]
    rest_new = [j for j in range(len(new)) if j not in match_new]
    if rest_old and rest_new and len(rest_old) * len(rest_new) <= _FUZZY_PAIR_LIMIT:
        scored = []
        for j in rest_new:
            for i in rest_old:
                s = _similarity(old[i], new[j])
                if s >= 0.5:
                    scored.append((-s, abs(i - j), i, j))
        for _s, _d, i, j in sorted(scored):
            if i not in used_old and j not in match_new:
                pair(i, j)
    # 5. the same defined term ("The term "remote access" means…") left on both sides: the definition
    # was rewritten, perhaps under another number (a Senate companion, a reintroduction)
    rest_old = [i for i in range(len(old)) if i not in used_old]
    terms = {old[i].defines: i for i in rest_old if old[i].defines}
    for j, n in enumerate(new):
        i = terms.get(n.defines) if j not in match_new and n.defines else None
        if i is not None and i not in used_old and _similarity(old[i], n) >= 0.15:
            pair(i, j)
    # 6. same number left on both sides, loosely similar: a rewrite in place
    for j, n in enumerate(new):
        i = same_num(j)
        if i is not None and _similarity(old[i], n) >= 0.25:
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
    elif o.raw == n.raw:
        c.old_text = c.new_text = n.norm
        c.ops = [("equal", n.norm, n.norm)] if n.norm else []
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
            stats["_added_units"] += _count(n._s)
            continue
        if n is None:
            out.append(_change(REMOVED, o, None))
            stats[REMOVED] += 1
            continue
        renumbered = o.num != n.num
        if o.same(n):
            if renumbered:
                out.append(_change(RENUMBERED, o, n))
                stats[RENUMBERED] += 1
            elif keep is not None:
                keep.append(_change(UNCHANGED, o, n))
            continue   # identical subtree
        c = _change(RENUMBERED if renumbered else REWORDED, o, n)
        if renumbered or c.reworded:
            out.append(c)
            stats[c.kind] += 1
        elif keep is not None:
            c.kind = UNCHANGED
            keep.append(c)
        _walk(_align(o.children, n.children), out, keep, stats)


def _title_change(old: BillText, new: BillText) -> SectionChange | None:
    a, b = normalize_text(old.title), normalize_text(new.title)
    if not a or not b or equality_key(a) == equality_key(b):
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
    old_memo: dict[int, int] = {}
    new_memo: dict[int, int] = {}
    old_nodes = [_Node(s, old_memo) for s in old.sections]
    new_nodes = [_Node(s, new_memo) for s in new.sections]
    _walk(_align(old_nodes, new_nodes), changes, keep, stats)
    full = {k: stats.get(k, 0) for k in KINDS}
    full["units_old"] = len(old_memo)         # one memo entry per unit
    full["units_new"] = len(new_memo)
    # every new unit is inside an added unit, renumbered, reworded, or else unchanged
    full[UNCHANGED] = (full["units_new"] - stats["_added_units"] - full[RENUMBERED] - full[REWORDED]
                       + (1 if title else 0))
    full["words_inserted"] = sum(word_count(x) for c in changes for x in c.inserted)
    full["words_deleted"] = sum(word_count(x) for c in changes for x in c.deleted)
    return BillDiff(old_id=old.version_id, new_id=new.version_id, changes=changes, stats=full,
                    unchanged=keep or [])
