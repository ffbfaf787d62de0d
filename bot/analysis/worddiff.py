"""Word-level comparison of bill text (pure): normalisation of formatting-only differences
(quote styles, dashes, whitespace, page breaks) and word opcodes inside one aligned unit.

``SequenceMatcher`` runs on word tokens with autojunk off, and only on the part of the two
texts that differs: the common head and tail are found on characters first. A long differing
part (a 55,000-character appropriations paragraph with scattered edits, a rewritten section) is
matched sentence by sentence first, words only inside the changed sentences.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# characters that print differently but mean the same (whitespace is handled by str.split)
_CHAR_MAP = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u2013": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2015": "\u2014",
    "\u00ad": "", "\u200b": "", "\ufeff": "",
}
# a number is one token with its dollar sign and inner commas/points ("$1,864,550,000", "7.1"), so a
# changed amount is replaced whole, never as "864,550" inside it
_TOKEN = re.compile(r"\$?\d+(?:[.,]\d+)*\w*(?:[-'.]\w+)*|\w+(?:[-'.]\w+)*|[^\w\s]")


def normalize_text(text: str) -> str:
    """Collapse formatting-only differences: quote styles (``…'' “…” "…"), dashes, spaces, page
    breaks. Fast path for plain ASCII text (most of a bill)."""
    if not text:
        return ""
    t = text
    if "`" in t or "''" in t:
        t = t.replace("``", '"').replace("''", '"')
    if not t.isascii() or "`" in t:
        for k, v in _CHAR_MAP.items():
            if k in t:
                t = t.replace(k, v)
    if "--" in t:
        t = t.replace("--", "\u2014")
    return " ".join(t.split())


def normalize_heading(heading: str) -> str:
    """Headings differ in case and trailing period between schemas (``FINDINGS.`` vs ``Findings``)."""
    return normalize_text(heading).rstrip(" .:").casefold()


def equality_key(norm: str) -> str:
    """Equality key: no spaces, and single quote marks equal to double ones (nested quotes are
    printed 'x' inside a quoted block in one schema and "x" in the other)."""
    return norm.replace(" ", "").replace("'", '"')


def _tokens(norm: str) -> tuple[list[str], list[tuple[int, int]]]:
    toks, spans = [], []
    for m in _TOKEN.finditer(norm):
        toks.append(m.group())
        spans.append(m.span())
    return toks, spans


def _frag(norm: str, spans: list[tuple[int, int]], a: int, b: int) -> str:
    return norm[spans[a][0]:spans[b - 1][1]] if b > a else ""


# SequenceMatcher on words is quadratic in the words that differ (every "the" is a candidate
# match): beyond _DIRECT token pairs the texts are first matched sentence by sentence (a
# sentence ends at . ; or :), and words are matched only inside the sentences that changed;
# a changed run still beyond _DIRECT pairs is matched with autojunk (very common words such as
# "the" and "of" do not anchor matches there).
_DIRECT = 1_000_000
_ENDS = frozenset((".", ";", ":"))


def _matched(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    junk = len(a) * len(b) > _DIRECT
    return SequenceMatcher(None, a, b, autojunk=junk).get_opcodes()


def _sentences(toks: list[str]) -> list[int]:
    """Start index of each sentence, plus len(toks) at the end."""
    starts = [0]
    for i, t in enumerate(toks):
        if t in _ENDS and i + 1 < len(toks):
            starts.append(i + 1)
    starts.append(len(toks))
    return starts


def _by_sentence(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    sa, sb = _sentences(a), _sentences(b)
    ka = [tuple(a[sa[k]:sa[k + 1]]) for k in range(len(sa) - 1)]
    kb = [tuple(b[sb[k]:sb[k + 1]]) for k in range(len(sb) - 1)]
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        x1, x2, y1, y2 = sa[i1], sa[i2], sb[j1], sb[j2]
        if tag == "equal":
            out.append(("equal", x1, x2, y1, y2))
        elif x1 == x2 or y1 == y2:
            out.append((tag, x1, x2, y1, y2))
        else:
            out.extend((t, i + x1, k + x1, j + y1, m + y1) for t, i, k, j, m in _matched(a[x1:x2], b[y1:y2]))
    return out


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher opcodes, with the common head and tail taken off first (edits are local)."""
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    q = 0
    while q < n - p and a[len(a) - 1 - q] == b[len(b) - 1 - q]:
        q += 1
    am, bm = a[p:len(a) - q], b[p:len(b) - q]
    mid = _matched(am, bm) if len(am) * len(bm) <= _DIRECT else _by_sentence(am, bm)
    ops = [("equal", 0, p, 0, p)] + [(t, i1 + p, i2 + p, j1 + p, j2 + p) for t, i1, i2, j1, j2 in mid]
    ops.append(("equal", len(a) - q, len(a), len(b) - q, len(b)))
    out: list[tuple[str, int, int, int, int]] = []
    for op in ops:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if out and op[0] == "equal" == out[-1][0]:
            out[-1] = ("equal", out[-1][1], op[2], out[-1][3], op[4])
        else:
            out.append(op)
    return out


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def word_ops(old: str, new: str) -> list[tuple[str, str, str]]:
    """Word-level opcodes between two normalised texts: (tag, old fragment, new fragment).

    The common head and tail are found on characters first (cut at spaces), so only the part
    that differs is tokenised and matched."""
    p = _common_prefix(old, new)
    if p < min(len(old), len(new)) or (p < max(len(old), len(new)) and (old + " ")[p] != " "):
        p = old.rfind(" ", 0, p) + 1          # back to the start of the word that differs
    q = _common_prefix(old[p:][::-1], new[p:][::-1])
    if q and q < min(len(old), len(new)) - p:
        q = max(0, q - ((old[len(old) - q:] + " ").find(" ") + 1))   # forward to a word start
        q = q if q == 0 or old[len(old) - q - 1] == " " else 0
    head, tail = old[:p].strip(), old[len(old) - q:].strip() if q else ""
    mid = _word_ops_core(old[p:len(old) - q], new[p:len(new) - q])
    ops: list[tuple[str, str, str]] = []
    for op in ([("equal", head, head)] if head else []) + mid + ([("equal", tail, tail)] if tail else []):
        if ops and op[0] == "equal" == ops[-1][0]:
            ops[-1] = ("equal", ops[-1][1] + " " + op[1], ops[-1][2] + " " + op[2])
        else:
            ops.append(op)
    return ops


def _word_ops_core(old: str, new: str) -> list[tuple[str, str, str]]:
    ot, osp = _tokens(old)
    nt, nsp = _tokens(new)
    # a standalone ' token is a quote mark (apostrophes stay inside word tokens): compare as "
    oc = ['"' if t == "'" else t for t in ot]
    nc = ['"' if t == "'" else t for t in nt]
    raw = _opcodes(oc, nc)
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


def word_count(text: str) -> int:
    return sum(1 for t in _TOKEN.findall(text) if t[0].isalnum() or t[0] in "_$")
