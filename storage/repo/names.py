"""Bills found by name through an index (``bill_names``) and by type and number: what a question
or a card needs, never a load of every bill. Reads go through :func:`storage.db.reader` (deferred on
SQLite: they never wait behind a poll's write)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from scrapers.ids import name_words, title_keys
from storage.db import reader
from storage.models import Bill, BillName

_CHUNK = 500
LONGEST_RUN = 64          # a question's runs of words looked up are at most this long (and the longest key)


def name_rows(bill_id: str, short_title: str) -> list[BillName]:
    """The ``bill_names`` rows of a bill: its whole normalized short title and its ``title_keys``."""
    words = name_words(short_title)
    if not words:
        return []
    rows = {" ".join(words)[:512]: BillName(key=" ".join(words)[:512], bill_id=bill_id, words=len(words), whole=True)}
    for key in title_keys(short_title):
        rows.setdefault(key[:512], BillName(key=key[:512], bill_id=bill_id, words=len(key.split()), whole=False))
    return list(rows.values())


class NamesMixin:
    def _record_names(self, s: Session, bill: Bill) -> None:
        """Rewrite the bill's name keys (inside the write that stores its short title)."""
        want = {r.key: r for r in name_rows(bill.id, bill.short_title or "")}
        have = {r.key: r for r in s.exec(select(BillName).where(BillName.bill_id == bill.id))}
        if set(want) == set(have) and all(have[k].whole == want[k].whole for k in want):
            return
        s.exec(delete(BillName).where(col(BillName.bill_id) == bill.id))
        s.add_all(want.values())
        s.flush()

    @contextmanager
    def _read(self):
        """A read-only session: the snapshot's when inside one, else a deferred one of its own."""
        joined = self._snapshot.get(None)
        if joined is not None:
            yield joined
            return
        with Session(reader(self.engine), expire_on_commit=False) as s, s.begin():
            yield s

    def bills_by_name(self, text: str) -> list[dict]:
        """Stored bills that ``text`` names by a key of ``title_keys`` (its short title, six characters
        or more, or the initials "RAS Act"/"RASA"): every run of the text's words looked up in the
        ``bill_names`` index. Plain data: id, congress, stage, short_title."""
        words = name_words(text)
        if not words:
            return []
        with self._read() as s:
            longest = s.exec(select(func.max(BillName.words))).one() or 0
            runs = _runs(words, min(longest, LONGEST_RUN))
            found: dict[str, dict] = {}
            for start in range(0, len(runs), _CHUNK):
                chunk = runs[start:start + _CHUNK]
                for bid, key, whole, congress, stage, short in s.exec(
                        select(BillName.bill_id, BillName.key, BillName.whole, Bill.congress, Bill.stage,
                               Bill.short_title)
                        .join(Bill, col(Bill.id) == BillName.bill_id).where(col(BillName.key).in_(chunk))):
                    if whole and len(key) < 6:
                        continue            # a title of under six characters is too short to name a bill
                    found[bid] = {"id": bid, "congress": congress, "stage": stage, "short_title": short}
        return list(found.values())

    def bill_congresses(self, numbers) -> dict[tuple[str, int], list[int]]:
        """For (type, number) pairs, the Congresses each is stored in (newest first): one query."""
        pairs = list(dict.fromkeys((t, int(n)) for t, n in numbers))
        out: dict[tuple[str, int], list[int]] = {}
        if not pairs:
            return out
        with self._read() as s:
            for start in range(0, len(pairs), _CHUNK):
                chunk = pairs[start:start + _CHUNK]
                cond = or_(*[(col(Bill.type) == t) & (col(Bill.number) == n) for t, n in chunk])
                for t, n, c in s.exec(select(Bill.type, Bill.number, Bill.congress).where(cond)):
                    out.setdefault((t, n), []).append(c)
        for v in out.values():
            v.sort(reverse=True)
        return out

    def bills_by_short_title(self, short_title: str) -> list[str]:
        """Stored bills whose short title is ``short_title`` (case-insensitive, trimmed): the
        ``bill_names`` index narrows, the exact comparison decides."""
        want = (short_title or "").strip().lower()
        words = name_words(short_title)
        if not want or not words:
            return []
        with self._read() as s:
            rows = s.exec(select(Bill.id, Bill.short_title).join(BillName, col(BillName.bill_id) == Bill.id)
                          .where(BillName.key == " ".join(words)[:512], col(BillName.whole).is_(True))
                          .order_by(Bill.id)).all()
        return [bid for bid, st in rows if st and st.strip().lower() == want]


def _runs(words: list[str], longest: int) -> list[str]:
    runs = {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + longest) + 1)}
    return sorted(runs)

