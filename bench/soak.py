"""Soak test: simulated learners against gunicorn + PostgreSQL, with double submits and
connections dropped mid-request, then an exactly-once check of everything acknowledged.

Prepares a fresh database (quizapp_bench_soak), starts gunicorn itself, signs --learners
learners in, then lets them review flashcards and answer quiz questions for --duration
seconds with --think-min..--think-max seconds of think time. Every answer and rating POST:
  * with probability --drop is first sent with a 2 ms read timeout, so the client closes the
    connection right after sending it (the server still gets and usually commits it), and
    then sent again, as a learner pressing reload would;
  * with probability --retry is re-posted once more after it was acknowledged (double submit).
Afterwards every acknowledged answer must be stored exactly once (and no stored answer may be
one that was never sent), every acknowledged rating applied exactly once, and no request may
have failed with a 5xx. Exit status 1 otherwise.

Run: python bench/soak.py [--learners 200] [--duration 60] [--db postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import benchlib as bl

PG_DATABASE = "quizapp_bench_soak"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think-min", type=float, default=0.2)
    parser.add_argument("--think-max", type=float, default=1.0)
    parser.add_argument("--retry", type=float, default=0.10, help="double-submit probability")
    parser.add_argument("--drop", type=float, default=0.05, help="drop-and-resend probability")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser.parse_args()


async def soak(args: argparse.Namespace, workdir: Path) -> bool:
    target = bl.prepare(args.db, workdir, learners=args.learners, pg_name=PG_DATABASE)
    server = bl.Gunicorn(
        "quizapp:create_app()", target.env(), workers=args.workers, threads=args.threads,
        logdir=workdir, name=f"soak-{args.db}",
    ).start()  # fmt: skip
    ledger = bl.Ledger()
    behaviour = bl.Behaviour(
        think=(args.think_min, args.think_max), retry_probability=args.retry,
        drop_probability=args.drop,
    )  # fmt: skip
    try:
        learners = bl.make_learners(target, server.url, args.learners, bl.Stats(), ledger,
                                    behaviour)  # fmt: skip
        print(f"signing {args.learners} learners in ...", flush=True)
        failed_logins = await bl.login_all(learners, concurrency=4)
        stats = bl.Stats()
        for learner in learners:
            learner.stats = stats
        print(
            f"soak: {args.learners} learners, {args.think_min:g}-{args.think_max:g} s think time, "
            f"{args.duration:.0f} s, retry {bl.pct(args.retry)}, drop {bl.pct(args.drop)}, "
            f"gunicorn -w {args.workers} --threads {args.threads}, {args.db}",
            flush=True,
        )
        bl.wait_for_quiet()
        stats.t0 = time.perf_counter()
        meter = bl.CpuMeter(server)
        await bl.run_flow(
            learners, seed_set_id=target.seed_set_id, card_set_id=target.bench_set_id,
            duration=args.duration, logged_in=True,
        )  # fmt: skip
        await asyncio.gather(*(learner.close() for learner in learners))
        text, summary = stats.table(0, None, "soak", wall=stats.now())
        print(text)
        print(meter.note())
    finally:
        server.stop()
    server_errors = sum(1 for s in stats.samples if s.status is not None and s.status >= 500)
    served = sum(1 for s in stats.samples if s.status is not None)
    failures = summary["ALL"]["failures"]
    dropped = summary["ALL"]["dropped"]
    tracebacks, first = server.log_problems()
    result = bl.verify(target, ledger)
    print(result.report())
    print(
        f"requests served {served}, failed {failures} (5xx: {server_errors}), dropped on purpose "
        f"{dropped}, sign-in failures {failed_logins}; gunicorn log: {tracebacks} traceback(s)"
        + (f": {first}" if first else "")
    )
    ok = result.ok and server_errors == 0 and failures == 0 and failed_logins == 0
    print(f"soak: {bl.check(ok)} (every acknowledged answer stored exactly once, no 5xx, "
          "no failed request)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({
            "summary": summary, "served": served, "failures": failures, "5xx": server_errors,
            "dropped": dropped, "verification": result.__dict__, "ok": ok,
            "cpu": meter.result(), "tracebacks": tracebacks,
        }, indent=2, default=str))  # fmt: skip
    if args.db == "postgresql":
        bl.drop_pg_database(PG_DATABASE)
    return ok


def main() -> int:
    args = parse_args()
    bl.fd_limit()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizapp-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work folder (database, gunicorn log): {workdir}")
    return 0 if asyncio.run(soak(args, workdir)) else 1


if __name__ == "__main__":
    sys.exit(main())
