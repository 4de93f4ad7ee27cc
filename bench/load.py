"""Load generator: simulated learners against quizapp served by gunicorn (SQLite, PostgreSQL).

For each database it prepares a fresh one (`flask setup`, learner accounts by SQL, a
3,000-card flashcard set), starts `gunicorn -w N --threads T -b 127.0.0.1:PORT
'quizapp:create_app()'` itself, and runs the chosen profiles. Learners use the HTML forms
(CSRF tokens scraped from the pages): sign in, fetch the next due card, rate it, and answer
quiz questions (practice mode: answer, read the feedback, next question).

Profiles (--profile, comma-separated, or 'all'; default throughput,think,storm):
  throughput  C learners (--concurrency) with no think time for T seconds (--duration)
  think       --learners learners (500) with --think-min..--think-max s (2-5 s) think time for
              --think-duration s. They sign in before the run (reported apart: a sign-in
              costs a scrypt hash) and start over --ramp s, which the steady-state window
              leaves out. The issue's full run: --think-duration 600
  storm       --storm learners (256), already signed in, open new connections at the same
              instant against a freshly started (cold) gunicorn and fetch their flashcard page;
              then the same number sign in at once (password hashing, reported separately)
  capacity    the think workload at --capacity-steps learner counts, --capacity-duration s
              each: the largest count served with p95 <= 100 ms and no failure
  ceiling     (or --ceiling) POST-only phases: quizapp's answer endpoint and card-review
              endpoint, then bench/ceiling_app.py (one indexed read + one insert) with the same
              gunicorn settings, database and concurrency; reports quizapp as % of the ceiling.
              The ceiling runs before the first round and after every round, and each round's
              quizapp phases are compared with the mean of the ceiling phases either side of
              them: a VM whose speed drifts within the run moves both alike

After the profiles it checks against the database that every answer and review the server
acknowledged (2xx/3xx) is stored exactly once. Exit status 1 if a target is missed.

Examples:
  python bench/load.py --db both --ceiling                      # default short run
  python bench/load.py --db postgresql --profile think --think-duration 600   # full 10 min
  python bench/load.py --db sqlite --profile throughput --workers 3 --threads 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib as bl
from ceiling_app import create_tables as create_ceiling_tables

TARGET_CEILING_RATIO = 0.70
TARGET_THINK_P95_MS = 100.0
TARGET_STORM_P99_MS = 1500.0
ANSWER_LABEL = "POST /attempts/{a}/items/{i}"
REVIEW_LABEL = "POST /sets/{s}/flashcards/{item}"
CEILING_LABEL = "POST /answer/{item}"


def gunicorn_config(value: str) -> str:
    """A config module (python:...) as given; a file as an absolute path (gunicorn --chdir)."""
    return value if value.startswith("python:") else str(Path(value).resolve())


def ceiling_serving(config: str | None) -> list[str]:
    """The ceiling app is served as quizapp is: with quizapp's production config, the same
    worker class and keep-alive (without them, ``--threads 1`` would give the ceiling
    gunicorn's sync workers while quizapp's config keeps gthread). Its other settings
    (preloading, warming quizapp's templates) are quizapp's own."""
    if config != "python:quizapp.gunicorn_conf":
        return []
    from quizapp import gunicorn_conf

    keepalive = str(gunicorn_conf.keepalive)
    return ["--worker-class", gunicorn_conf.worker_class, "--keep-alive", keepalive]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--profile",
        default="throughput,think,storm",
        help="comma-separated: throughput,think,storm,ceiling (or 'all')",
    )
    parser.add_argument("--ceiling", action="store_true", help="add the ceiling profile")
    parser.add_argument(
        "--workers", type=int, default=8, help="gunicorn -w (default 8, as in production)"
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads (default 1)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="learners without think time in throughput/ceiling (default 16)",
    )
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds of the throughput phase (default 30)"
    )
    parser.add_argument(
        "--ceiling-duration",
        type=float,
        default=10.0,
        help="seconds of each ceiling phase (default 10)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="ceiling rounds; each runs quizapp answer, quizapp review and the "
        "ceiling app back to back (after one ceiling phase before the first round); each "
        "round is compared with the ceiling phases either side of it, and the verdict uses "
        "the median of the rounds' ratios (default 5)",
    )
    parser.add_argument("--learners", type=int, default=500, help="think profile learners")
    parser.add_argument(
        "--think-duration",
        type=float,
        default=60.0,
        help="think profile seconds, ramp included (default 60; issue: 600)",
    )
    parser.add_argument(
        "--timeline-step", type=float, default=5.0, help="seconds per think-profile timeline row"
    )
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=5.0)
    parser.add_argument(
        "--ramp",
        type=float,
        default=5.0,
        help="seconds over which think-profile learners start (default 5); "
        "they are signed in before the run",
    )
    parser.add_argument("--storm", type=int, default=256, help="simultaneous connections")
    parser.add_argument(
        "--capacity-steps",
        default="50,100,150,200,300,400",
        help="learner counts the capacity profile tries (default 50,100,150,200,300,400)",
    )
    parser.add_argument(
        "--capacity-duration",
        type=float,
        default=40.0,
        help="seconds per capacity step (default 40)",
    )
    parser.add_argument(
        "--db-pool-size",
        type=int,
        default=None,
        help="DB_POOL_SIZE per worker (PostgreSQL; app default 5)",
    )
    parser.add_argument(
        "--gunicorn-config",
        help="pass -c CONFIG to gunicorn: a file (bench/sqlite_writer_lock.py) or a module "
        "(python:quizapp.gunicorn_conf, the production settings: gthread, keep-alive, "
        "preloading; -w and --threads come from --workers and --threads)",
    )
    parser.add_argument("--workdir", type=Path, help="keep databases and logs here")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    known = {"throughput", "think", "storm", "ceiling", "capacity"}
    profiles = (
        set(known)
        if args.profile == "all"
        else {p.strip() for p in args.profile.split(",") if p.strip()}
    )
    if args.ceiling:
        profiles.add("ceiling")
    args.steps = sorted(int(n) for n in args.capacity_steps.split(",") if n.strip())
    unknown = profiles - known
    if unknown:
        parser.error(f"unknown profile(s): {', '.join(sorted(unknown))}")
    args.profiles = profiles
    return args


class Run:
    """One database: its gunicorn, the shared ledger, the results."""

    def __init__(self, kind: str, args: argparse.Namespace, workdir: Path) -> None:
        self.kind, self.args, self.workdir = kind, args, workdir
        c = args.concurrency
        many = max(args.learners, *args.steps) if "capacity" in args.profiles else args.learners
        # Separate accounts per profile so no profile inherits another's card states
        # (the capacity steps reuse the think profile's accounts).
        self.blocks = {
            "throughput": (0, c),
            "ceiling": (c, c),
            "think": (2 * c, args.learners),
            "capacity": (2 * c, many),
            "storm": (2 * c + many, args.storm),
        }
        total = 2 * c + many + args.storm
        self.target = bl.prepare(kind, workdir, learners=total)
        self.ledger = bl.Ledger()
        self.results: dict[str, Any] = {"db": kind, "workers": args.workers,
                                        "threads": args.threads}  # fmt: skip
        self.passed: dict[str, bool] = {}
        env = self.target.env()
        if args.db_pool_size:
            env["DB_POOL_SIZE"] = str(args.db_pool_size)
        extra = ["-c", gunicorn_config(args.gunicorn_config)] if args.gunicorn_config else []
        self.server = bl.Gunicorn(
            "quizapp:create_app()", env, workers=args.workers, threads=args.threads,
            logdir=workdir, name=f"quizapp-{kind}", extra=extra,
        )  # fmt: skip
        self.ceiling_server = bl.Gunicorn(
            "ceiling_app:create_app()", env, workers=args.workers, threads=args.threads,
            logdir=workdir, chdir=bl.BENCH, name=f"ceiling-{kind}",
            extra=ceiling_serving(args.gunicorn_config),
        )  # fmt: skip

    def learners(self, profile: str, stats: bl.Stats, behaviour: bl.Behaviour) -> list[bl.Learner]:
        offset, count = self.blocks[profile]
        return bl.make_learners(
            self.target, self.server.url, count, stats, self.ledger, behaviour, offset
        )

    def header(self, text: str) -> None:
        print(f"\n=== [{self.kind}] {text} ===", flush=True)

    # -- profiles --

    async def throughput(self) -> None:
        args = self.args
        self.header(
            f"throughput: {args.concurrency} learners, no think time, {args.duration:.0f} s, "
            f"gunicorn -w {args.workers} --threads {args.threads}"
        )
        learners = self.learners("throughput", bl.Stats(), bl.Behaviour())
        failed = await bl.login_all(learners)
        stats = bl.Stats()
        for learner in learners:
            learner.stats = stats
        bl.wait_for_quiet()
        stats.t0 = time.perf_counter()
        meter = bl.CpuMeter(self.server)
        await bl.run_flow(
            learners, seed_set_id=self.target.seed_set_id,
            card_set_id=self.target.bench_set_id, duration=args.duration, logged_in=True,
        )  # fmt: skip
        wall = stats.now()
        text, summary = stats.table(0, None, "all requests", wall=wall)
        print(text)
        print(meter.note())
        fails = summary["ALL"]["failures"] + failed
        print(f"  sign-in failures before the run: {failed}; request failures: {fails - failed}")
        self.results["throughput"] = {"summary": summary, "wall": wall, "failures": fails,
                                      "cpu": meter.result()}  # fmt: skip
        await asyncio.gather(*(learner.close() for learner in learners))

    async def think(self) -> None:
        args = self.args
        self.header(
            f"think: {args.learners} learners, {args.think_min:g}-{args.think_max:g} s think "
            f"time, {args.think_duration:.0f} s, gunicorn -w {args.workers} --threads "
            f"{args.threads}"
        )
        behaviour = bl.Behaviour(think=(args.think_min, args.think_max))
        # Sign everyone in first (each sign-in costs a scrypt hash: ~0.25 s of CPU here), so
        # the measured run is learners studying, not a sign-in storm.
        login_stats = bl.Stats()
        learners = self.learners("think", login_stats, behaviour)
        failed_logins = await bl.login_all(learners, concurrency=4)
        login_wall = login_stats.now()
        _text, login_summary = login_stats.table(0, None, wall=login_wall)
        sign_in = login_summary.get("POST /auth/login", {})
        print(
            f"  signed {len(learners)} learners in beforehand (4 at a time) in {login_wall:.0f} "
            f"s: POST /auth/login p50 {sign_in.get('p50', 0):.0f} ms, p95 "
            f"{sign_in.get('p95', 0):.0f} ms, {failed_logins} failed"
        )
        stats = bl.Stats()
        for learner in learners:
            learner.stats = stats
        bl.wait_for_quiet()
        stats.t0 = time.perf_counter()
        meter = bl.CpuMeter(self.server)
        steady, end = await bl.run_flow(
            learners, seed_set_id=self.target.seed_set_id,
            card_set_id=self.target.bench_set_id, duration=args.think_duration, ramp=args.ramp,
            logged_in=True,
        )  # fmt: skip
        wall = stats.now()
        all_text, all_summary = stats.table(0, None, "whole run", wall=wall)
        text, summary = stats.table(
            steady, end, f"steady state (after the {args.ramp:.0f} s start ramp)",
            wall=end - steady,
        )  # fmt: skip
        print(all_text)
        print(text)
        print(f"by start time:\n{stats.timeline(args.timeline_step)}")
        print(meter.note())
        failures = all_summary["ALL"]["failures"] + failed_logins
        p95 = summary["ALL"]["p95"]
        ok = failures == 0 and p95 <= TARGET_THINK_P95_MS
        print(
            f"  target: 0 failures and p95 <= {TARGET_THINK_P95_MS:.0f} ms -> failures "
            f"{failures}, steady-state p95 {p95:.1f} ms (whole run "
            f"{all_summary['ALL']['p95']:.1f} ms): {bl.check(ok)}"
        )
        self.passed["think"] = ok
        self.results["think"] = {
            "steady": summary, "all": all_summary, "wall": wall, "failures": failures,
            "learners": args.learners, "duration": args.think_duration, "cpu": meter.result(),
            "sign_in": {"wall": login_wall, **sign_in},
        }  # fmt: skip
        await asyncio.gather(*(learner.close() for learner in learners))

    async def capacity(self) -> None:
        """The think-time workload at growing learner counts: the largest with p95 <= 100 ms."""
        args = self.args
        self.header(
            f"capacity: {args.think_min:g}-{args.think_max:g} s think time, "
            f"{args.capacity_duration:.0f} s per step, learners {args.capacity_steps}, "
            f"gunicorn -w {args.workers} --threads {args.threads}"
        )
        behaviour = bl.Behaviour(think=(args.think_min, args.think_max))
        learners = self.learners("capacity", bl.Stats(), behaviour)[: max(args.steps)]
        failed_logins = await bl.login_all(learners, concurrency=4)
        rows, best = [], 0
        for count in args.steps:
            stats = bl.Stats()
            for learner in learners[:count]:
                learner.stats = stats
                learner.card_page = learner.question_url = None
            bl.wait_for_quiet()
            stats.t0 = time.perf_counter()
            meter = bl.CpuMeter(self.server)
            steady, end = await bl.run_flow(
                learners[:count], seed_set_id=self.target.seed_set_id,
                card_set_id=self.target.bench_set_id, duration=args.capacity_duration,
                ramp=args.ramp, logged_in=True,
            )  # fmt: skip
            _text, summary = stats.table(steady, end, wall=end - steady)
            cpu = meter.result()
            info = summary["ALL"] | {"learners": count, "cpu": cpu}
            rows.append(info)
            ok = info["failures"] == 0 and info["p95"] <= TARGET_THINK_P95_MS
            if ok and count > best:
                best = count
            print(
                f"  {count:>5} learners: {info['rps']:6.1f} req/s, p50 {info['p50']:7.1f} ms, "
                f"p95 {info['p95']:7.1f} ms, p99 {info['p99']:7.1f} ms, failures "
                f"{info['failures']}; CPU gunicorn {cpu['server']:.2f}, load generator "
                f"{cpu['client']:.2f}, PostgreSQL {cpu['postgresql']:.2f}, others "
                f"{cpu['others']:.2f} -> {'ok' if ok else 'over'}", flush=True,
            )  # fmt: skip
            if not ok and info["p95"] > 10 * TARGET_THINK_P95_MS:
                break  # far past the knee: larger steps only take longer
        print(f"  largest step with p95 <= {TARGET_THINK_P95_MS:.0f} ms and 0 failures: {best} "
              f"learners (sign-in failures: {failed_logins})")  # fmt: skip
        self.results["capacity"] = {"steps": rows, "best": best}
        await asyncio.gather(*(learner.close() for learner in learners))

    async def storm(self) -> None:
        args = self.args
        self.header(
            f"start storm: {args.storm} simultaneous connections on a freshly started gunicorn"
        )
        prep = bl.Stats()
        learners = self.learners("storm", prep, bl.Behaviour(timeout=60))
        failed = await bl.login_all(learners)
        for learner in learners:
            await learner.reconnect()
        # A cold start: workers load templates and open database connections now.
        self.server.restart()
        stats = bl.Stats()
        for learner in learners:
            learner.stats = stats
        url = f"/sets/{self.target.bench_set_id}/flashcards"

        async def fetch(learner: bl.Learner) -> None:
            await learner.request("GET", url)

        await self.simultaneously(learners, fetch, stats)
        text, summary = stats.table(0, None, "page storm: GET flashcard page, new connections")
        print(text)
        errors = summary["ALL"]["failures"] + failed
        p99 = summary["ALL"]["p99"]
        ok = errors == 0 and p99 <= TARGET_STORM_P99_MS
        print(
            f"  target: 0 errors and p99 <= {TARGET_STORM_P99_MS:.0f} ms -> errors {errors}, "
            f"p99 {p99:.0f} ms: {bl.check(ok)}"
        )
        self.passed["storm"] = ok
        self.results["storm"] = {"page": summary, "errors": errors}

        # The same storm again, now that the workers are warm (templates compiled, database
        # connections open): how much of the above is the cold start.
        for learner in learners:
            await learner.reconnect()
        warm = bl.Stats()
        for learner in learners:
            learner.stats = warm
        await self.simultaneously(learners, fetch, warm)
        text, warm_summary = warm.table(0, None, "the same storm again on warm workers")
        print(text)
        self.results["storm"]["warm"] = warm_summary

        # The same crowd signing in at once: each has its login page and token already.
        for learner in learners:
            await learner.forget()
            learner.stats = prep
            await learner.get_page("/auth/login")
        login_stats = bl.Stats()
        for learner in learners:
            learner.stats = login_stats

        async def sign_in(learner: bl.Learner) -> None:
            form = {"username": learner.username, "password": bl.PASSWORD,
                    "csrf_token": learner.csrf}  # fmt: skip
            await learner.request("POST", "/auth/login", form)

        await self.simultaneously(learners, sign_in, login_stats)
        text, login_summary = login_stats.table(0, None, "sign-in storm: POST /auth/login")
        print(text)
        print("  (reported, not a target: every sign-in checks a scrypt password hash)")
        self.results["storm"]["login"] = login_summary
        await asyncio.gather(*(learner.close() for learner in learners))

    @staticmethod
    async def simultaneously(learners: list[bl.Learner], action: Any, stats: bl.Stats) -> None:
        go = asyncio.Event()

        async def one(learner: bl.Learner) -> None:
            await go.wait()
            await action(learner)

        tasks = [asyncio.create_task(one(learner)) for learner in learners]
        await asyncio.sleep(0.2)
        bl.wait_for_quiet()
        stats.t0 = time.perf_counter()
        go.set()
        await asyncio.gather(*tasks)

    async def post_only(self, kind: str, learners: list[bl.Learner]) -> dict[str, Any]:
        """quizapp's answer or review POST alone, C learners, no think time."""
        bl.wait_for_quiet()
        stats = bl.Stats()
        for learner in learners:
            learner.stats = stats
        meter = bl.CpuMeter(self.server)
        worker = self.answers if kind == "answer" else self.reviews
        await asyncio.gather(*(worker(learner, stats) for learner in learners))
        wall = stats.now()
        text, summary = stats.table(0, None, f"quizapp {kind} POST only", wall=wall)
        print(text)
        print(meter.note())
        label = ANSWER_LABEL if kind == "answer" else REVIEW_LABEL
        cpu = meter.result()
        count = summary["ALL"]["count"]
        cpu_ms = 1000 * cpu["server"] * cpu["wall"] / count if count else 0.0
        print(f"  gunicorn CPU per request: {cpu_ms:.1f} ms")
        return {"summary": summary, "rps": summary.get(label, {}).get("rps", 0.0),
                "cpu": cpu, "cpu_ms": cpu_ms}  # fmt: skip

    async def answers(self, learner: bl.Learner, stats: bl.Stats) -> None:
        """Answer every question of the learner's attempts in turn, starting more as needed."""
        items = self.target.quiz_items
        while stats.now() < self.args.ceiling_duration:
            if not learner.attempts or learner.position == len(items):
                if learner.attempts:
                    learner.attempts.pop(0)
                learner.position = 0
            if not learner.attempts:
                attempt = await learner.start_attempt(self.target.seed_set_id)
                if attempt is None:
                    await asyncio.sleep(0.05)
                    continue
                learner.attempts.append(attempt)
            item = items[learner.position]
            await learner.post_answer(self.target, learner.attempts[0], item)
            learner.position += 1

    async def reviews(self, learner: bl.Learner, stats: bl.Stats) -> None:
        """Rate the card set's cards in order (new cards the first time round)."""
        cards = self.target.card_ids
        while stats.now() < self.args.ceiling_duration:
            card = cards[learner.card_position % len(cards)]
            await learner.post_review(
                self.target.bench_set_id, card, rating=learner.rng.choice([1, 3, 3, 4])
            )
            learner.card_position += 1

    async def ceiling_app(self) -> dict[str, Any]:
        """bench/ceiling_app.py under the same gunicorn settings and database."""
        server = self.ceiling_server
        stats = bl.Stats()

        async def client(n: int) -> None:
            learner = bl.Learner(server.url, f"c{n}", n, stats, bl.Ledger(), bl.Behaviour(), n)
            while stats.now() < self.args.ceiling_duration:
                item = learner.rng.randint(1, 1000)
                await learner.request(
                    "POST", f"/answer/{item}", {"user_id": n, "answer": "benchmark answer"}
                )
            await learner.close()

        bl.wait_for_quiet()
        stats.t0 = time.perf_counter()
        meter = bl.CpuMeter(server)
        await asyncio.gather(*(client(n) for n in range(self.args.concurrency)))
        wall = stats.now()
        text, summary = stats.table(0, None, "ceiling app POST /answer/{item}", wall=wall)
        print(text)
        print(meter.note())
        cpu = meter.result()
        count = summary["ALL"]["count"]
        cpu_ms = 1000 * cpu["server"] * cpu["wall"] / count if count else 0.0
        print(f"  gunicorn CPU per request: {cpu_ms:.1f} ms")
        return {"summary": summary, "rps": summary.get(CEILING_LABEL, {}).get("rps", 0.0),
                "cpu": cpu, "cpu_ms": cpu_ms}  # fmt: skip

    async def ceiling(self) -> None:
        args = self.args
        self.header(
            f"ceiling: {args.rounds} rounds of POST-only phases, {args.concurrency} clients, "
            f"{args.ceiling_duration:.0f} s each, gunicorn -w {args.workers} --threads "
            f"{args.threads}"
        )
        create_ceiling_tables(self.target.url)
        self.ceiling_server.start()
        learners = self.learners("ceiling", bl.Stats(), bl.Behaviour())
        await bl.login_all(learners)
        rounds: list[dict[str, Any]] = []
        try:
            print("-- ceiling before round 1")
            first_ceiling = await self.ceiling_app()
            for number in range(1, args.rounds + 1):
                print(f"-- round {number}")
                rounds.append({
                    "answer": await self.post_only("answer", learners),
                    "review": await self.post_only("review", learners),
                    "ceiling": await self.ceiling_app(),
                })  # fmt: skip
        finally:
            self.ceiling_server.stop()
            await asyncio.gather(*(learner.close() for learner in learners))
        results: dict[str, Any] = {"rounds": rounds, "first_ceiling": first_ceiling}
        # The ceiling either side of each round: its quizapp phases ran between the two.
        ceilings = [first_ceiling["rps"], *(r["ceiling"]["rps"] for r in rounds)]
        brackets = [
            (before + after) / 2 for before, after in zip(ceilings, ceilings[1:], strict=False)
        ]
        ceiling = statistics.median(ceilings)
        print(f"  ceiling (one indexed read + one insert): median {ceiling:.1f} req/s")
        for name in ("answer", "review"):
            rps = statistics.median(r[name]["rps"] for r in rounds)
            ratios = [
                r[name]["rps"] / bracket
                for r, bracket in zip(rounds, brackets, strict=True)
                if bracket
            ]
            ratio = statistics.median(ratios) if ratios else 0.0
            ok = ratio >= TARGET_CEILING_RATIO
            self.passed[f"ceiling-{name}"] = ok
            results[name] = {"rps": rps, "ratio": ratio, "ratios": ratios}
            print(
                f"  quizapp {name:<6} median {rps:7.1f} req/s; each round against the ceiling "
                f"either side of it: median {bl.pct(ratio)} "
                f"(per round: {', '.join(bl.pct(r) for r in ratios)}; target >= "
                f"{bl.pct(TARGET_CEILING_RATIO)}): {bl.check(ok)}"
            )
        ceiling_ms = statistics.median(
            [first_ceiling["cpu_ms"], *(r["ceiling"]["cpu_ms"] for r in rounds)]
        )
        for name in ("answer", "review"):
            quizapp_ms = statistics.median(r[name]["cpu_ms"] for r in rounds)
            results[name]["cpu_ms"] = quizapp_ms
            print(
                f"  CPU-normalised (independent of other load on the machine): quizapp {name} "
                f"{quizapp_ms:.1f} ms of gunicorn CPU per request, ceiling {ceiling_ms:.1f} ms "
                f"-> {bl.pct(ceiling_ms / quizapp_ms if quizapp_ms else 0)}"
            )
        results["ceiling_rps"] = ceiling
        results["ceiling_cpu_ms"] = ceiling_ms
        self.results["ceiling"] = results

    def verify(self) -> None:
        self.header("exactly-once check of acknowledged answers and reviews")
        result = bl.verify(self.target, self.ledger)
        print(result.report())
        self.passed["exactly-once"] = result.ok
        self.results["verification"] = result.__dict__ | {"ok": result.ok}
        count, first = self.server.log_problems()
        print(f"  gunicorn log: {count} traceback(s){': ' + first if first else ''}")
        self.results["tracebacks"] = count


async def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> Run:
    run = Run(kind, args, workdir)
    run.server.start()
    try:
        for profile in ["throughput", "think", "capacity", "ceiling", "storm"]:
            if profile in args.profiles:
                await getattr(run, profile)()
        run.verify()
    finally:
        run.server.stop()
        run.ceiling_server.stop()
    return run


def main() -> int:
    args = parse_args()
    bl.fd_limit()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizapp-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work folder (databases, gunicorn logs): {workdir}")
    runs = [asyncio.run(run_database(kind, args, workdir)) for kind in kinds]
    print("\n=== summary ===")
    ok = True
    for run in runs:
        for name, passed in run.passed.items():
            print(f"  [{run.kind}] {name:<16} {bl.check(passed)}")
            ok = ok and passed
    if args.json:
        args.json.write_text(json.dumps([run.results for run in runs], indent=2, default=str))
    if "postgresql" in kinds:
        bl.drop_pg_database("quizapp_bench")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
