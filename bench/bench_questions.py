"""Accuracy of the question set (``tests/data/questions.json``) over the demo's store (a script).

    .venv/bin/python bench/bench_questions.py [--llm] [-v]

Builds the demo's store in a temporary directory, answers every question offline (and with
``--llm`` through the OpenAI-compatible fake, answering as a faithful model), and prints how many
were answered right (facts up front, the right citations, nothing unsupported) and the per-question
p50/p95 answer time. ``-v`` lists the wrong answers and why.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from question_set import build_demo_store, demo_context, faithful_model, problems, questions  # noqa: E402

from bot.sandbox.openai_fake import OpenAIFake  # noqa: E402
from bot.services.answers import answer  # noqa: E402


def run(ctx, verbose: bool) -> tuple[int, int, list[float]]:
    right, times = 0, []
    cases = questions()
    for case in cases:
        t = time.perf_counter()
        a = answer(ctx, case["q"])
        times.append((time.perf_counter() - t) * 1000)
        bad = problems(case, a)
        right += not bad
        if bad and verbose:
            print(f"  ✗ {case['q']}: {'; '.join(bad)}")
    return right, len(cases), times


def report(name: str, right: int, total: int, times: list[float]) -> None:
    q = statistics.quantiles(times, n=20)
    print(f"{name}: {right}/{total} right ({100 * right / total:.1f}%), answer p50 {statistics.median(times):.1f} ms, "
          f"p95 {q[18]:.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llm", action="store_true", help="also through the OpenAI-compatible fake")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        build_demo_store(url)
        ctx = demo_context(url)
        report("offline", *run(ctx, args.verbose))
        ctx.close()
        if args.llm:
            with OpenAIFake() as fake:
                fake.default = faithful_model
                ctx = demo_context(url, openai_base_url=fake.base_url, openai_api_key="test", llm_model="fake-model",
                                   llm_timeout=5)
                report("through the LLM fake", *run(ctx, args.verbose))
                ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
