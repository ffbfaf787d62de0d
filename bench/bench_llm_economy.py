"""LLM economy: prompt tokens sent to summarize changes, against sending the full texts; and the
summary cache on a re-run.

The bundled sandbox (the flagship story) is polled into a temporary database with an LLM
configured: the ``OpenAIFake`` on 127.0.0.1, answering every request with a short grounded reply
built from the ids in the prompt. Tokens are counted the same way on both sides — characters / 4
(``openai_fake.rough_tokens``, which is also what the fake reports as ``usage.prompt_tokens``):

* the flagship's version change, H.R. 2683 IH→EH: the whole prompt sent (instructions + redline)
  against the two full texts alone (no instructions: the baseline is flattered);
* a weekly digest's changes (every change listed in the digest that gets a summary): all prompts
  sent for them against the full texts they concern (both versions of a bill text change; the
  document's stored text otherwise);
* the re-run: the same summaries asked again; every one must come from the cache (no request).

    python bench/bench_llm_economy.py [--json]
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from bench_diff import make_versions
from common import ROOT, Row, parse_args, quiet, result, run_script, verdict

from bot.analysis.billdiff import diff_bills
from bot.sandbox.government import GovSandbox
from bot.sandbox.openai_fake import OpenAIFake, prompt_text, rough_tokens
from bot.services.config import Settings
from bot.services.context import Context
from bot.services.digest import build_digest
from bot.services.pipeline import poll, previous_text
from bot.services.summaries import summarize_change, summarize_versions
from scrapers.billtext import parse_bill_text, render_text
from scrapers.records import BILL_TEXT

NOW = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)       # the demo's January 2026
DIGEST_SINCE = date(2026, 1, 1)


def grounded_reply(request: dict) -> str:
    """A reply the grounding checks accept: one plain bullet citing the ids the prompt offers."""
    text = prompt_text(request)
    cites: list[str] = []
    doc = re.search(r"Document id: (.+)", text)
    if doc:
        cites.append(doc.group(1).strip())
    versions = re.search(r"(\S+) \(older\), (\S+) \(newer\)", text)
    if versions:
        cites.append(versions.group(2).strip())
    labels = re.search(r"Section labels you may cite: (.+)", text)
    if labels and labels.group(1).strip() != "(none)":
        cites.append(labels.group(1).split(", ")[0].strip())
    return json.dumps({"bullets": [{"text": "The cited text changed as shown.", "cites": cites}],
                       "why_it_matters": None})


def tokens(text: str) -> int:
    return rough_tokens(text or "")


def prompt_tokens(requests: list[dict]) -> int:
    return sum(tokens(prompt_text(r)) for r in requests)


def full_text_tokens(ctx, change) -> int:
    """Tokens of the full texts a change concerns."""
    if change.kind == "text_version":
        prev, this = previous_text(ctx, change.bill_id or change.subject.rsplit("-", 1)[0], change.subject)
        return sum(tokens(d.get("text") or "") for d in (prev, this) if d)
    version = ctx.repo.version(change.to_version_id) if change.to_version_id else None
    return tokens((version or {}).get("text") or "")


def _split(requests: list[dict]) -> tuple[int, int]:
    """(all prompt tokens, tokens of the fixed instructions: everything outside the DATA blocks)."""
    total = prompt_tokens(requests)
    return total, total - _data_tokens(requests)


def _flagship_requests(requests: list[dict]) -> list[dict]:
    return [r for r in requests if "hr2683-119-ih (older), hr2683-119-eh (newer)" in prompt_text(r)]


def large_bill_change(ctx) -> tuple[int, int, int]:
    """(prompt tokens sent, naive tokens, full-text tokens) for a generated 1,000-section bill change."""

    old_xml, new_xml, _ = make_versions(1000)
    old = parse_bill_text(old_xml, bill_id="hr9999-119", version_code="ih")
    new = parse_bill_text(new_xml, bill_id="hr9999-119", version_code="rh")
    full = tokens(render_text(old)) + tokens(render_text(new))
    fake: OpenAIFake = ctx.bench_fake
    fake.clear()
    ctx.summarizer.summarize_diff(diff_bills(old, new), {"title": "Generated Act", "old_version": "hr9999-119-ih",
                                                          "new_version": "hr9999-119-rh"})
    sent, fixed = _split(fake.requests[:1])
    return prompt_tokens(fake.requests), fixed + full, full


def main(argv: list[str] | None = None) -> dict:
    parse_args(argv, __doc__.splitlines()[0])
    quiet()

    tmp = tempfile.TemporaryDirectory(prefix="bench-llm-")
    with GovSandbox() as sb, OpenAIFake() as fake:
        fake.default = grounded_reply
        settings = Settings(db_url=f"sqlite:///{Path(tmp.name) / 'llm.db'}", watchlist=str(_watchlist()),
                            congress_api_key="BENCHKEY123", openai_base_url=fake.base_url, openai_api_key="sk-bench",
                            llm_model="fake-model", **sb.base_urls())
        ctx = Context(settings=settings, now_override=NOW)
        ctx.bench_fake = fake
        reports = poll(ctx)
        failed = [r.name for r in reports if not r.ok]

        # 1. a weekly digest's changes, each summarized once (what summarize_pending would send)
        digest = build_digest(ctx, since=DIGEST_SINCE)
        changes = ctx.repo.changes(ids=[i.change_id for i in [*digest.items, *digest.new_bills]])
        fake.clear()
        per_kind: dict[str, list[int]] = {}
        for c in changes:
            before = len(fake.requests)
            if summarize_change(ctx, c) is None:
                continue
            sent, fixed = _split(fake.requests[before:before + 1])
            sent = prompt_tokens(fake.requests[before:])
            full = full_text_tokens(ctx, c)
            k = per_kind.setdefault(c.kind, [0, 0, 0])
            k[0] += sent
            k[1] += fixed + full
            k[2] += 1
        digest_requests = list(fake.requests)

        # 2. the flagship's version change (sent above if the digest holds it; else asked now)
        ih = ctx.repo.get_document(BILL_TEXT, "hr2683-119-ih")
        eh = ctx.repo.get_document(BILL_TEXT, "hr2683-119-eh")
        flag = _flagship_requests(digest_requests)
        if not flag:
            fake.clear()
            summarize_versions(ctx, ih, eh)
            flag = list(fake.requests)
        flag_sent, flag_fixed = _split(flag[:1])
        flag_full = tokens(ih["text"]) + tokens(eh["text"])
        flag_data = flag_sent - flag_fixed

        # 3. the re-run: everything again, nothing new may reach the model
        fake.clear()
        summarize_versions(ctx, ih, eh)
        for c in changes:
            summarize_change(ctx, c)
        rerun_requests = len(fake.requests)

        # 4. where the diff pays: a large bill
        big_sent, big_naive, big_full = large_bill_change(ctx)
        ctx.close()
    tmp.cleanup()
    asked = len(digest_requests) + 1
    hit_rate = 100.0 * (1 - rerun_requests / asked)
    digest_sent = sum(v[0] for v in per_kind.values())
    digest_naive = sum(v[1] for v in per_kind.values())
    versions = per_kind.get("text_version", [0, 0, 0])
    n = sum(v[2] for v in per_kind.values())
    rows = [
        Row("prompt tokens, H.R. 2683 IH→EH summary", flag_sent, "tok", baseline=flag_fixed + flag_full,
            target="< 10%", verdict=verdict(flag_sent < 0.1 * (flag_fixed + flag_full)),
            note=f"baseline = the same instructions ({flag_fixed} tok) + both full texts ({flag_full} tok); the "
                 f"redline data sent is {flag_data} tok = {100.0 * flag_data / flag_full:.0f}% of the full texts: "
                 f"a two-section bill whose House vote rewrote most of it (the diff is nearly the bill)"),
        Row("prompt tokens, 1,000-section bill version change", big_sent, "tok", baseline=big_naive,
            target="< 10%", verdict=verdict(big_sent < 0.1 * big_naive),
            note=f"generated bill of bench_diff (50 sections reworded, 5 added, 5 removed); full texts {big_full} tok"),
        Row(f"prompt tokens, weekly digest ({n} summaries)", digest_sent, "tok", baseline=digest_naive,
            target="< 10%", verdict=verdict(digest_sent < 0.1 * digest_naive),
            note="baseline per change = the same instructions + the full texts; new documents are summarized "
                 "from their own text (the document is the change), so only version changes can be cheaper; "
                 "per kind (sent / baseline / n): " + ", ".join(f"{k} {v[0]}/{v[1]}/{v[2]}"
                                                                for k, v in sorted(per_kind.items()))
                 + f"; version changes alone {versions[0]}/{versions[1]}"),
        Row("summary cache hit rate on a re-run", hit_rate, "%", target="100% (0 new requests)",
            verdict=verdict(rerun_requests == 0), note=f"{rerun_requests} new request(s) on the re-run of {asked}"),
    ]
    if failed:
        rows.append(Row("sources that failed to poll", len(failed), "", verdict="MISS", note=", ".join(failed)))
    return result("llm_economy", rows, per_kind=per_kind)


def _data_tokens(requests: list[dict]) -> int:
    """Tokens inside the prompts' <<<DATA … DATA>>> blocks (the variable part)."""
    total = 0
    for r in requests:
        for block in re.findall(r"<<<DATA(.*?)DATA>>>", prompt_text(r), flags=re.S):
            total += tokens(block)
    return total


def _watchlist() -> Path:
    return ROOT / "watchlist.toml"


if __name__ == "__main__":
    raise SystemExit(run_script(main))
