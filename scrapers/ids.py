"""Canonical ids: bills ``hr2683-119``, text versions ``hr2683-119-eh``.

The parser is table-driven: each bill type lists the spellings people use for it
("H.R.", "HR", "H. R.", "House Bill"…). Anything else is a :class:`BadBillId` whose
message shows the accepted forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from scrapers.errors import BadBillId

# canonical type -> spellings (compared after removing dots and spaces, lower case)
BILL_TYPES: dict[str, tuple[str, ...]] = {
    "hr": ("hr", "housebill", "hb"),
    "s": ("s", "senatebill", "sb", "sen"),
    "hjres": ("hjres", "hj", "hjr", "housejointresolution"),
    "sjres": ("sjres", "sj", "sjr", "senatejointresolution"),
    "hconres": ("hconres", "hcres", "hcr", "houseconcurrentresolution"),
    "sconres": ("sconres", "scres", "scr", "senateconcurrentresolution"),
    "hres": ("hres", "houseresolution"),
    "sres": ("sres", "senateresolution"),
}
_SPELLING = {sp: canon for canon, sps in BILL_TYPES.items() for sp in sps}

# How the types are written for people.
DISPLAY_TYPES = {
    "hr": "H.R.", "s": "S.", "hjres": "H.J.Res.", "sjres": "S.J.Res.",
    "hconres": "H.Con.Res.", "sconres": "S.Con.Res.", "hres": "H.Res.", "sres": "S.Res.",
}
# Congress.gov's path segment is the canonical type; its JSON uses upper case.
SIMPLE_OR_CONCURRENT = {"hres", "sres", "hconres", "sconres"}

ACCEPTED_FORMS = (
    "accepted forms: H.R. 2683, HR2683, hr 2683 119, H.R.2683 (119th), hr2683-119, S. 3519, "
    "H.J.Res. 37 116th (types: hr, s, hjres, sjres, hconres, sconres, hres, sres; "
    "no congress means the current one)"
)

_BILL_RE = re.compile(
    r"""(?xi)
    ^\s*
    (?P<type>[a-z][a-z.\s]*?)          # type letters, dots and spaces allowed: "H. J. Res."
    \s*(?P<number>\d{1,5})             # bill number
    (?:                                # optional congress
        \s*(?:-|\s|\(|,)\s*
        (?P<congress>\d{1,3})
        \s*(?:st|nd|rd|th)?
        (?:\s*congress)?
        \s*\)?
    )?
    (?:-(?P<version>[a-z]{2,4}\d?))?   # optional text version code: hr2683-119-eh
    \s*$
    """
)

_VERSION_CODES = {
    "ih", "is", "rh", "rs", "rfs", "rfh", "rds", "rcs", "rch", "pcs", "pch", "cps", "cph",
    "eh", "es", "eah", "eas", "eas2", "enr", "ats", "ath", "cds", "cdh", "ips", "lth", "ris",
    "pp", "pap", "rth", "rts", "sc", "fph", "fps", "hds", "iph", "lts", "oph", "ops", "pav",
    "pwah", "res", "renr", "rah", "ras", "reah", "re", "ash", "as", "eph", "ah", "hdh", "mah",
}


@dataclass(frozen=True, order=True)
class BillId:
    """A bill: ``BillId("hr", 2683, 119)``; ``str()`` is the canonical id."""

    type: str
    number: int
    congress: int

    def __str__(self) -> str:
        return f"{self.type}{self.number}-{self.congress}"

    @property
    def display(self) -> str:
        """``H.R. 2683 (119th)``."""
        return f"{DISPLAY_TYPES[self.type]} {self.number} ({ordinal(self.congress)})"

    @property
    def short(self) -> str:
        """``H.R. 2683``."""
        return f"{DISPLAY_TYPES[self.type]} {self.number}"

    @property
    def chamber(self) -> str:
        return "Senate" if self.type.startswith("s") else "House"

    @property
    def is_resolution(self) -> bool:
        return self.type in SIMPLE_OR_CONCURRENT

    def version(self, code: str) -> str:
        """The text version id: ``hr2683-119-eh``."""
        return f"{self}-{code.lower()}"

    def congress_gov_url(self) -> str:
        kind = {
            "hr": "house-bill", "s": "senate-bill", "hjres": "house-joint-resolution",
            "sjres": "senate-joint-resolution", "hconres": "house-concurrent-resolution",
            "sconres": "senate-concurrent-resolution", "hres": "house-resolution",
            "sres": "senate-resolution",
        }[self.type]
        return f"https://www.congress.gov/bill/{ordinal(self.congress)}-congress/{kind}/{self.number}"


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def current_congress(today: date | None = None) -> int:
    """The Congress sitting on ``today``: the 119th runs from 2025-01-03 to 2027-01-03."""
    today = today or date.today()
    year = today.year
    if year % 2 == 1 and (today.month, today.day) < (1, 3):
        year -= 1
    return (year - 1789) // 2 + 1


def parse_bill_id(text: str, *, congress: int | None = None, today: date | None = None) -> BillId:
    """Parse any accepted spelling into a :class:`BillId`.

    ``congress`` is used when the text names none; otherwise the current Congress on ``today``.
    Raises :class:`BadBillId` with the accepted forms.
    """
    bill, version = _parse(text, congress=congress, today=today)
    if version:
        raise BadBillId(f"{text!r} names a text version; give a bill ({ACCEPTED_FORMS})")
    return bill


def parse_version_id(text: str) -> tuple[BillId, str | None]:
    """Parse ``hr2683-119-eh`` (or a bill id) into ``(BillId, "eh")`` (version may be None)."""
    return _parse(text, congress=None, today=None, need_congress=True)


def _parse(text, *, congress, today, need_congress=False):
    if not isinstance(text, str) or not text.strip() or len(text) > 80:
        raise BadBillId(f"not a bill id: {str(text)[:80]!r} ({ACCEPTED_FORMS})")
    m = _BILL_RE.match(text.strip())
    if not m:
        raise BadBillId(f"not a bill id: {text.strip()!r} ({ACCEPTED_FORMS})")
    spelled = re.sub(r"[.\s]", "", m.group("type")).lower()
    btype = _SPELLING.get(spelled)
    if btype is None:
        raise BadBillId(f"unknown bill type {m.group('type').strip()!r} in {text.strip()!r} ({ACCEPTED_FORMS})")
    number = int(m.group("number"))
    if number <= 0:
        raise BadBillId(f"bill numbers start at 1: {text.strip()!r} ({ACCEPTED_FORMS})")
    if m.group("congress"):
        cong = int(m.group("congress"))
        if not 1 <= cong <= 200:
            raise BadBillId(f"no such Congress {cong} in {text.strip()!r} ({ACCEPTED_FORMS})")
    elif need_congress:
        raise BadBillId(f"{text.strip()!r} needs a congress, e.g. hr2683-119-eh")
    else:
        cong = congress or current_congress(today)
    version = m.group("version")
    if version:
        version = version.lower()
        if version not in _VERSION_CODES:
            raise BadBillId(f"unknown text version code {version!r} in {text.strip()!r}")
    return BillId(btype, number, cong), version


def find_bill_ids(text: str, *, congress: int | None = None, today: date | None = None) -> list[BillId]:
    """Every bill id mentioned in free text ("what changed in H.R. 2683 and S. 3519?")."""
    found: list[BillId] = []
    pattern = re.compile(
        r"""(?xi)
        (?<![a-z])
        (h\.?\s?r|s|h\.?\s?j\.?\s?res|s\.?\s?j\.?\s?res|h\.?\s?con\.?\s?res|s\.?\s?con\.?\s?res|h\.?\s?res|s\.?\s?res)
        \.?\s?(\d{1,5})
        (?:\s*(?:-|\()\s*(\d{2,3})(?:st|nd|rd|th)?\)?)?
        (?![\w])
        """
    )
    for m in pattern.finditer(text):
        raw_type = m.group(1)
        # A lone "s" must be written "S." or "S " with capital letter to count.
        if raw_type.lower() == "s" and not (raw_type == "S"):
            continue
        try:
            bid = parse_bill_id(f"{m.group(1)} {m.group(2)} {m.group(3) or ''}".strip(),
                                congress=congress, today=today)
        except BadBillId:
            continue
        if bid not in found:
            found.append(bid)
    return found


_NAME_SKIP = ("of", "the", "and", "for", "to", "on", "in")


def name_words(text: str) -> list[str]:
    """The lower-case words of ``text`` (letters and digits; everything else separates words)."""
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split()


def title_keys(short_title: str) -> list[str]:
    """Normalized keys a question may use for a short title: the title itself (six characters or
    more) and, for a title of three or more words ending in "Act", its initials ("ras act", "rasa").
    Stored per bill (``bill_names``) so a question finds bills by name through an index."""
    words = name_words(short_title)
    keys = [" ".join(words)] if len(" ".join(words)) >= 6 else []
    if len(words) >= 3 and words[-1] == "act":
        initials = "".join(w[0] for w in words[:-1] if w not in _NAME_SKIP)
        if len(initials) >= 2:
            keys += [f"{initials} act", f"{initials}a"]
    return keys

