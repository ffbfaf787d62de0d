"""``watch add`` checks what it is given: a bill must exist (fetched on demand, so its title can be
shown) and belong to a Congress that has begun; an agency slug must be on the Federal Register's
agency list (cached for a day). When a source cannot be reached the item is added anyway, with a
warning that it could not be checked."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.card import fetch_bill
from bot.services.context import Context
from bot.services.pipeline import make_session
from bot.services.watchlist import WatchSpec
from scrapers.ecfr import EcfrClient
from scrapers.errors import BadInput, NotFound, SourceError
from scrapers.ids import current_congress, parse_bill_id

log = logging.getLogger(__name__)
AGENCIES_KEY = "fr_agencies"              # kv: {"at": ISO time, "agencies": {slug: name}}
AGENCIES_TTL = timedelta(days=1)


@dataclass
class Checked:
    spec: WatchSpec
    title: str = ""                # the bill's title or the agency's name, when known
    warning: str = ""              # set when the source could not be reached


def check(ctx: Context, spec: WatchSpec) -> Checked:
    if spec.kind == "bill":
        return _check_bill(ctx, spec)
    if spec.kind == "agency":
        return _check_agency(ctx, spec)
    if spec.kind == "cfr":
        return _check_cfr(ctx, spec)
    return Checked(spec)


def _check_bill(ctx: Context, spec: WatchSpec) -> Checked:
    bill = parse_bill_id(spec.value, today=ctx.today())
    now = current_congress(ctx.today())
    if bill.congress > now:
        raise BadInput(f"the {_ord(bill.congress)} Congress has not begun (the current one is the {_ord(now)}): "
                       f"{bill.display} cannot be watched yet")
    stored = ctx.repo.bill(str(bill))
    if stored is None:
        try:
            fetch_bill(ctx, bill)
        except NotFound:
            raise BadInput(f"{bill.display} does not exist on Congress.gov — check the number and the Congress "
                           f"(e.g. hr 2683 119)") from None
        except SourceError as exc:
            log.warning("watch add %s: Congress.gov unreachable: %s", bill, exc)
            return Checked(spec, warning=f"Congress.gov could not be reached, so {bill.display} was not checked")
        stored = ctx.repo.bill(str(bill)) or {}
    return Checked(spec, title=stored.get("short_title") or stored.get("title") or "")


def _ord(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def agencies(ctx: Context) -> dict[str, str]:
    """The Federal Register's agencies, ``{slug: name}``: from the cache when fresh, else fetched
    from ``/agencies`` (raises ``SourceError`` when unreachable and nothing is cached)."""
    cached = _cached(ctx)
    if cached is not None and ctx.now() - cached[0] < AGENCIES_TTL:
        return cached[1]
    session = make_session(ctx, "federal_register")
    try:
        url = ctx.settings.federal_register_url.rstrip("/") + "/agencies"
        body = json.loads(session.get(url).content)
    except (SourceError, NotFound, ValueError) as exc:
        if cached is not None:
            return cached[1]                    # stale is better than unchecked
        raise SourceError(f"Federal Register agency list: {exc}") from exc
    finally:
        session.close()
    if not isinstance(body, list):
        if cached is not None:
            return cached[1]
        raise SourceError("Federal Register agency list is not a list")
    found = {a["slug"]: a.get("name") or a["slug"] for a in body if isinstance(a, dict) and a.get("slug")}
    ctx.repo.kv_set(AGENCIES_KEY, json.dumps({"at": ctx.now().isoformat(), "agencies": found}))
    return found


def _cached(ctx: Context) -> tuple[datetime, dict[str, str]] | None:
    raw = ctx.repo.kv_get(AGENCIES_KEY)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return datetime.fromisoformat(data["at"]), dict(data["agencies"])
    except (ValueError, KeyError, TypeError):
        return None


def _check_agency(ctx: Context, spec: WatchSpec) -> Checked:
    try:
        known = agencies(ctx)
    except SourceError as exc:
        log.warning("watch add agency %s: %s", spec.value, exc)
        return Checked(spec, warning=f"the Federal Register could not be reached, so {spec.value!r} was not checked")
    if spec.value not in known:
        near = [s for s in known if spec.value in s or any(p == spec.value for p in s.split("-"))][:3]
        hint = f" — did you mean {', '.join(near)}?" if near else " (e.g. industry-and-security-bureau)"
        raise BadInput(f"{spec.value!r} is not a Federal Register agency slug{hint}")
    return Checked(spec, title=known[spec.value])


def _check_cfr(ctx: Context, spec: WatchSpec) -> Checked:
    """A part must have versions on eCFR (its version list is its structure: every section with the
    dates it changed); a section must be one of them. eCFR unreachable: added, with a warning."""
    title_s, _, ident = spec.value.partition("/")
    part = ident.partition(".")[0]
    session = make_session(ctx, "ecfr")
    try:
        rows = EcfrClient(session, ctx.settings.ecfr_url).versions(int(title_s), part)
    except NotFound:
        rows = []
    except SourceError as exc:
        log.warning("watch add cfr %s: eCFR unreachable: %s", spec.label, exc)
        return Checked(spec, warning=f"eCFR could not be reached, so {spec.label} was not checked")
    finally:
        session.close()
    if not rows:
        raise BadInput(f"{title_s} CFR part {part} is not on eCFR (e.g. \"15 CFR 744\")")
    if ident != part:
        names = {str(r.get("identifier")): r.get("name") or "" for r in rows}
        if ident not in names:
            raise BadInput(f"{title_s} CFR {ident} is not a section of part {part} on eCFR")
        return Checked(spec, title=" ".join(str(names[ident]).split()))
    return Checked(spec, title=f"{title_s} CFR part {part}")
