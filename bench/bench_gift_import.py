"""Micro benchmark: parse a generated 10,000-question GIFT file with the domain parser only.

Run: python bench/bench_gift_import.py [--questions N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quizapp.domain.banks import gift  # noqa: E402

TEMPLATES = [
    "// question {n}\n::Q{n} capital::What is the capital of country {n}?{{\n"
    "\t=City {n}#Right!\n\t~Town {n}#No.\n\t~Village {n}\n\t####General feedback {n}.\n}}",
    "::Q{n} primes::[html]Pick the <b>primes</b> ({n}).{{\n\t~%50%2\n\t~%50%3\n\t~%-100%4\n}}",
    "::Q{n} tf::Statement number {n} is true.{{T#Wrong.#Right.}}",
    "::Q{n} short::Who is buried in tomb {n}?{{=no one =nobody =%50%Grant#Half}}",
    "::Q{n} num::What is {n} plus 0.5?{{#{n}.5:0.01}}",
    "::Q{n} match::Match the pairs ({n}).{{\n\t=a{n} -> 1\n\t=b{n} -> 2\n\t=c{n} -> 3\n}}",
    "::Q{n} gap::The river {{=Nile{n} =Nil}} is long \\{{really\\}}.",
    "::Q{n} essay::Write about topic {n}.{{}}",
]


def make_gift(count: int) -> bytes:
    """A GIFT file with ``count`` questions cycling through every type."""
    blocks = ["$CATEGORY: $course$/top/Benchmark"]
    blocks += [TEMPLATES[n % len(TEMPLATES)].format(n=n) for n in range(count)]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = make_gift(args.questions)
    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = gift.parse(data)
        timings.append(time.perf_counter() - start)
    assert len(result.items) == args.questions, (len(result.items), result.problems[:3])
    print(
        f"GIFT parse: {args.questions} questions, {len(data) / 1e6:.2f} MB; "
        f"best {min(timings) * 1000:.0f} ms, median {statistics.median(timings) * 1000:.0f} ms "
        f"over {args.repeat} runs ({args.questions / min(timings):,.0f} questions/s)"
    )


if __name__ == "__main__":
    main()
