"""Micro-benchmark: parse the seed article and generate its study set in-process.

Run: python bench/bench_build_seed.py [repeats]
Target (issue 6): under 50 ms per build.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from quizapp.domain.articles import generate_study_set, parse_article

SEED = Path(__file__).resolve().parent.parent / "question_banks" / "alaska-summit.txt"


def main(repeats: int = 50) -> None:
    data = SEED.read_bytes()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        generate_study_set(parse_article(data, filename=SEED.name), seed=0)
        timings.append((time.perf_counter() - start) * 1000)
    print(
        f"build seed set: median {statistics.median(timings):.1f} ms, "
        f"p95 {sorted(timings)[int(0.95 * (len(timings) - 1))]:.1f} ms over {repeats} runs"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repeats", type=int, nargs="?", default=50, help="builds to time (50)")
    main(parser.parse_args().repeats)
