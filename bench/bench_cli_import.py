"""Benchmark: import a generated 10,000-question GIFT bank through the CLI, all or nothing.

Run: python bench/bench_cli_import.py [--questions N] [--database-url URL]
Without --database-url a fresh SQLite file is used. Targets (issue 6): under 3 s on SQLite,
5 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gift_import import make_gift  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def flask(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flask", "--app", "quizapp", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QUIZAPP_INSTANCE_PATH=tmp, SECRET_KEY="bench")
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        flask(["db", "upgrade"], env)
        bank = Path(tmp) / "big.gift"
        bank.write_bytes(make_gift(args.questions))
        start = time.perf_counter()
        done = flask(["import-bank", str(bank), "--set", "Benchmark bank", "--yes"], env)
        elapsed = time.perf_counter() - start
        print(done.stdout.strip())
        print(
            f"import-bank of {args.questions} questions: {elapsed:.2f} s wall clock "
            f"(including interpreter and app start-up)"
        )


if __name__ == "__main__":
    main()
