"""One bill text version, from a local XML file (as downloaded from govinfo) or from the store:
``legiswatch text`` shows it unit by unit, ``compare`` diffs two of them."""

from __future__ import annotations

from pathlib import Path

from scrapers.billtext import parse_bill_text, unit_label
from scrapers.errors import BadInput, SourceError
from scrapers.records import BillText, billtext_to_dict


def is_local(ref: str) -> bool:
    """A path rather than an id: an existing file, or anything written like a file name."""
    ref = ref.strip()
    return Path(ref).is_file() or ref.lower().endswith(".xml") or "/" in ref or "\\" in ref


def local_version(ref: str) -> dict:
    """A local bill text XML file as a stored-version dict (``external_id``, ``content``, ``path``).
    Raises ``BadInput`` (exit 2) when the file is missing, unreadable or not bill text XML."""
    path = Path(ref.strip()).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        bt = parse_bill_text(data, source=path.name, name=path.name)
    except SourceError as exc:
        raise BadInput(f"{path.name} is not bill text XML that legiswatch can read (bill DTD or USLM): {exc}") from None
    version = bt.version_id if bt.bill_id and bt.version_code else path.name
    return {"external_id": version, "content": billtext_to_dict(bt), "path": str(path), "date": bt.date}


def units(bt: BillText) -> list[dict]:
    """Every unit in reading order: ``key``, ``label`` (as printed: ``Sec. 2``, ``(a)``), ``heading``, ``text``."""
    return [{"key": u.key, "label": unit_label(u), "heading": u.heading, "text": u.text}
            for top in bt.sections for u in top.walk()]
