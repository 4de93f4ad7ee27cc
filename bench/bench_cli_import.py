"""Benchmark: import a generated 10,000-question GIFT bank, all or nothing, through the CLI
and through the service call in-process.

Run: python bench/bench_cli_import.py [--questions N] [--db sqlite|postgresql|both]
                                      [--database-url URL] [--repeat R]
Without --database-url a fresh database is made for each backend (a SQLite file, or the
PostgreSQL database quizapp_bench_import, dropped afterwards). For each it reports:
  * the CLI: `flask import-bank FILE --set ... --yes` wall clock (interpreter and app start-up
    included), best and median of --repeat runs, with Python's bytecode cache on (unless
    --no-bytecode-cache: this sandbox sets PYTHONDONTWRITEBYTECODE=1);
  * in-process: quizapp.services.banks.import_bank(...) + commit inside an app context, best
    and median of --repeat runs (each into a new set), split into parse and database time;
  * all or nothing: the same bank with one malformed question at the end is refused by the
    CLI (non-zero exit) and by the service (ImportRejected), and the item count is unchanged.
Targets (issue 6): under 3 s on SQLite, 5 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gift_import import make_gift  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"sqlite": 3.0, "postgresql": 5.0}
PG_DATABASE = "quizapp_bench_import"
BYTECODE = {
    False: "bytecode cached, as Python does by default",
    True: "no bytecode cache: every module compiled at every start",
}
BROKEN = b"\n\n::Broken::This question never closes {=yes ~no\n"


def flask(
    args: list[str], env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flask", "--app", "quizapp", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=check)


def quiet() -> None:
    """Wait for a quiet moment on this shared machine (see benchlib.wait_for_quiet)."""
    import benchlib

    benchlib.wait_for_quiet()


def count_items(env: dict[str, str]) -> int:
    import sqlalchemy as sa

    from quizapp.config import normalise_database_url
    from quizapp.models import Item

    url = env.get("DATABASE_URL") or f"sqlite:///{env['QUIZAPP_INSTANCE_PATH']}/quizapp.sqlite"
    engine = sa.create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        count = conn.scalar(sa.select(sa.func.count()).select_from(Item.__table__))
    engine.dispose()
    return int(count or 0)


def in_process(env: dict[str, str], data: bytes, repeat: int) -> dict[str, float]:
    """Time banks.import_bank + commit in an app context; check all-or-nothing."""
    os.environ.update(env)
    from quizapp import create_app
    from quizapp.domain import banks as domain_banks
    from quizapp.extensions import db
    from quizapp.services import banks

    app = create_app()
    totals, parses = [], []
    with app.app_context():
        for n in range(repeat):
            start = time.perf_counter()
            domain_banks.parse_bank(data, filename="big.gift")
            parses.append(time.perf_counter() - start)
            start = time.perf_counter()
            _set, count = banks.import_bank(
                data, filename="big.gift", set_name=f"In-process {n}", accept_unsupported=True
            )
            db.session.commit()
            totals.append(time.perf_counter() - start)
        before = count_items(env)
        rejected = False
        try:
            banks.import_bank(data + BROKEN, filename="broken.gift", set_name="Broken",
                              accept_unsupported=True)  # fmt: skip
            db.session.commit()
        except banks.ImportRejected:
            db.session.rollback()
            rejected = True
        unchanged = count_items(env) == before
        db.engine.dispose()
    return {
        "best": min(totals), "median": statistics.median(totals), "parse": min(parses),
        "count": count, "rejected": rejected, "unchanged": unchanged,
    }  # fmt: skip


def bench(kind: str, args: argparse.Namespace, tmp: Path) -> bool:
    env = dict(os.environ, QUIZAPP_INSTANCE_PATH=str(tmp / kind), SECRET_KEY="bench")
    if not args.no_bytecode_cache:
        # Python's default, and what an installed app has: modules compiled once, not on
        # every start (this sandbox sets PYTHONDONTWRITEBYTECODE=1 for everything).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    (tmp / kind).mkdir()
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    elif kind == "postgresql":
        import benchlib

        env["DATABASE_URL"] = benchlib.recreate_pg_database(PG_DATABASE)
    else:
        env.pop("DATABASE_URL", None)
    flask(["db", "upgrade"], env)
    data = make_gift(args.questions)
    bank = tmp / kind / "big.gift"
    bank.write_bytes(data)
    runs = []
    for _ in range(args.repeat):
        quiet()
        start = time.perf_counter()
        done = flask(["import-bank", str(bank), "--set", "Benchmark bank", "--yes"], env)
        runs.append(time.perf_counter() - start)
    cli = min(runs)
    print(f"[{kind}] {done.stdout.strip()}")
    print(f"[{kind}] CLI import-bank of {args.questions} questions: best {cli:.2f} s, median "
          f"{statistics.median(runs):.2f} s wall clock over {len(runs)} runs (including "
          f"interpreter and app start-up; {BYTECODE[args.no_bytecode_cache]})")  # fmt: skip
    before = count_items(env)
    broken = tmp / kind / "broken.gift"
    broken.write_bytes(data + BROKEN)
    refused = flask(["import-bank", str(broken), "--set", "Broken bank", "--yes"], env, False)
    cli_atomic = refused.returncode != 0 and count_items(env) == before
    print(f"[{kind}] CLI with one malformed question: exit {refused.returncode}, items "
          f"unchanged: {count_items(env) == before} -> all or nothing: "
          f"{'PASS' if cli_atomic else 'FAIL'}")  # fmt: skip
    quiet()
    result = in_process(env, data, args.repeat)
    target = TARGETS[kind]
    quiet()
    start = time.perf_counter()
    flask(["routes"], env)
    startup = time.perf_counter() - start
    print(f"[{kind}] for comparison, `flask --app quizapp routes` (start-up alone): "
          f"{startup:.2f} s")  # fmt: skip
    ok = result["best"] < target and cli < target
    database = result["best"] - result["parse"]
    atomic = result["rejected"] and result["unchanged"]
    print(
        f"[{kind}] in-process import_bank + commit of {result['count']} questions: best "
        f"{result['best']:.2f} s, median {result['median']:.2f} s over {args.repeat} runs "
        f"(of which parsing {result['parse']:.2f} s, the rest {database:.2f} s); "
        f"all or nothing: {'PASS' if atomic else 'FAIL'}"
    )
    verdicts = ("PASS" if result["best"] < target else "FAIL", "PASS" if cli < target else "FAIL")
    print(f"[{kind}] target < {target:.0f} s: in-process {verdicts[0]}, CLI wall clock "
          f"{verdicts[1]}")  # fmt: skip
    if kind == "postgresql" and not args.database_url:
        import benchlib

        benchlib.drop_pg_database(PG_DATABASE)
    return ok and cli_atomic and result["rejected"] and result["unchanged"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--database-url", help="use this (empty) database instead")
    parser.add_argument("--repeat", type=int, default=3, help="CLI runs and in-process runs")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE from the environment (every start recompiles)",
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if args.database_url:
        kinds = ["postgresql" if args.database_url.startswith("postgres") else "sqlite"]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            # A fresh interpreter per backend: create_app reads the environment once.
            if len(kinds) > 1:
                command = [sys.executable, __file__, "--db", kind, "--questions",
                           str(args.questions), "--repeat", str(args.repeat)]  # fmt: skip
                results.append(subprocess.run(command, check=False).returncode == 0)
            else:
                results.append(bench(kind, args, Path(tmp)))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
