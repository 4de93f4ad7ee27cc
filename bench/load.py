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
              endpoint, and bench/ceiling_app.py (one indexed read + one insert) with the same
              gunicorn settings, database and concurrency; reports quizapp as % of the ceiling.
              Short phases (--ceiling-duration, 3 s) alternate: ceiling, answer, ceiling,
              review, ceiling, review, ceiling, answer, ... (--rounds, 15), and each quizapp
              phase is compared with the ceiling phases just before and after it: this VM's
              speed moves within seconds, and the two neighbours see nearly the same moment.
              The verdict is the median of those ratios, leaving out phases in which more
              than 0.3 cores went to anything but gunicorn, the load generator and
              PostgreSQL (other processes, interrupts, the hypervisor's steal), while at
              least half of the phases remain

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
PHASE_LABELS = {"answer": ANSWER_LABEL, "review": REVIEW_LABEL, "ceiling": CEILING_LABEL}
# A phase in which other processes, interrupts and steal took more than this (cores) was
# disturbed: bl.CpuMeter's "others".
DISTURBED_CORES = 0.3


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
        default=3.0,
        help="seconds of each phase of the ceiling profile (default 3)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=15,
        help="ceiling rounds; each runs quizapp's answer and review phases, each followed by "
        "a ceiling phase (after one ceiling phase before the first round; the order of "
        "answer and review alternates); each quizapp phase is compared with the ceiling "
        "phases either side of it, and the verdict uses the median of those ratios "
        "(default 15)",
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
        self.answer_rate = 0.0  # answers/s of the last answer phase (sizes the top-up)
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

    async def phase(self, kind: str, clients: list[bl.Learner]) -> dict[str, Any]:
        """One POST-only phase: C clients send one endpoint, no think time, for the phase
        length; its rate counts the responses that came back within that length."""
        length = self.args.ceiling_duration
        if kind == "answer":
            await self.top_up_attempts(clients)
        stats = bl.Stats()
        for client in clients:
            client.stats = stats
        worker = {"answer": self.answers, "review": self.reviews, "ceiling": self.ceiling_posts}
        server = self.ceiling_server if kind == "ceiling" else self.server
        meter = bl.CpuMeter(server)
        stats.t0 = time.perf_counter()
        await asyncio.gather(*(worker[kind](client, stats) for client in clients))
        cpu = meter.result()
        label = PHASE_LABELS[kind]
        # Responses within the phase length: the drain after it (requests in flight when the
        # clients stop sending) neither adds to nor dilutes the rate.
        done = [s for s in stats.samples if s.label == label and not s.failed
                and s.start + s.duration <= length]  # fmt: skip
        latencies = sorted(s.duration * 1000 for s in done)
        requests = len(stats.samples)
        if kind == "answer":
            self.answer_rate = len(done) / length
        return {
            "kind": kind, "rps": len(done) / length, "count": len(done),
            "failures": sum(s.failed for s in stats.samples),
            "p50": bl.percentile(latencies, 50), "p95": bl.percentile(latencies, 95),
            "cpu": cpu, "requests": requests,
            "cpu_ms": 1000 * cpu["server"] * cpu["wall"] / requests if requests else 0.0,
            "disturbed": cpu["others"] > DISTURBED_CORES,
        }  # fmt: skip

    async def top_up_attempts(self, learners: list[bl.Learner]) -> None:
        """Start, before an answer phase, the practice attempts its answers will need, so
        that the phase measures answer POSTs only (as the ceiling's phase measures its one
        endpoint); a learner who still runs out starts one within the phase."""
        questions = len(self.target.quiz_items)
        rate = max(self.answer_rate, 1.0)
        expected = rate * self.args.ceiling_duration / len(learners) * 1.5
        wanted = int(expected // questions) + 2
        prep = bl.Stats()

        async def top_up(learner: bl.Learner) -> None:
            learner.stats = prep
            while len(learner.attempts) < wanted:
                attempt = await learner.start_attempt(self.target.seed_set_id)
                if attempt is None:
                    raise SystemExit(f"{learner.username} could not start a practice quiz")
                learner.attempts.append(attempt)

        await asyncio.gather(*(top_up(learner) for learner in learners))

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

    async def ceiling_posts(self, client: bl.Learner, stats: bl.Stats) -> None:
        """bench/ceiling_app.py's one endpoint: read an item, insert a log row."""
        while stats.now() < self.args.ceiling_duration:
            item = client.rng.randint(1, 1000)
            await client.request(
                "POST", f"/answer/{item}", {"user_id": client.user_id, "answer": "benchmark answer"}
            )

    async def ceiling(self) -> None:
        """quizapp's answer and review POSTs against the ceiling app, in short phases that
        alternate: ceiling, answer, ceiling, review, ceiling, review, ceiling, answer, ...

        This VM's speed moves by up to 2x within seconds (the ceiling alone served 450 and
        1,040 req/s in 4-s phases two minutes apart), so each quizapp phase is compared with
        the ceiling phases directly before and after it, and the verdict is the median of
        many such ratios. The order alternates so neither endpoint always follows the other.
        """
        args = self.args
        self.header(
            f"ceiling: {args.rounds} rounds of ceiling/answer/ceiling/review phases (the order "
            f"alternating), {args.ceiling_duration:g} s each, {args.concurrency} clients, "
            f"gunicorn -w {args.workers} --threads {args.threads}"
        )
        create_ceiling_tables(self.target.url)
        self.ceiling_server.start()
        learners = self.learners("ceiling", bl.Stats(), bl.Behaviour())
        await bl.login_all(learners)
        clients = [
            bl.Learner(self.ceiling_server.url, f"c{n}", n, bl.Stats(), bl.Ledger(),
                       bl.Behaviour(), n)
            for n in range(args.concurrency)
        ]  # fmt: skip
        phases: list[dict[str, Any]] = []
        try:
            # Warm both servers (connections, first requests) outside the measurement.
            await self.phase("ceiling", clients)
            await self.phase("answer", learners)
            bl.wait_for_quiet()
            phases.append(await self.phase("ceiling", clients))
            for number in range(1, args.rounds + 1):
                order = ("answer", "review") if number % 2 else ("review", "answer")
                for kind in order:
                    phase = await self.phase(kind, learners)
                    after = await self.phase("ceiling", clients)
                    before = phases[-1]
                    phase["bracket"] = (before["rps"] + after["rps"]) / 2
                    phase["ratio"] = phase["rps"] / phase["bracket"] if phase["bracket"] else 0.0
                    phase["clean"] = not any(p["disturbed"] for p in (before, phase, after))
                    phases += [phase, after]
                    if not phase["clean"]:
                        bl.wait_for_quiet()
                self.print_round(number, phases[-4:])
        finally:
            self.ceiling_server.stop()
            await asyncio.gather(*(c.close() for c in [*learners, *clients]))
        self.judge_ceiling(phases)

    @staticmethod
    def print_round(number: int, four: list[dict[str, Any]]) -> None:
        """One line per round: each quizapp phase, its ratio, and the ceiling after it."""
        parts = [
            f"{quizapp['kind']} {quizapp['rps']:6.1f} req/s ({quizapp['cpu_ms']:.1f} ms CPU, "
            f"p95 {quizapp['p95']:.0f} ms) -> {bl.pct(quizapp['ratio'])}"
            f"{'' if quizapp['clean'] else ' (disturbed)'}; ceiling "
            f"{after['rps']:6.1f} ({after['cpu_ms']:.1f} ms)"
            for quizapp, after in zip(four[::2], four[1::2], strict=True)
        ]
        print(f"  round {number:>2}: " + " | ".join(parts), flush=True)

    def judge_ceiling(self, phases: list[dict[str, Any]]) -> None:
        """Each quizapp phase against the mean of the ceiling phases either side of it."""
        ceilings = [p for p in phases if p["kind"] == "ceiling"]
        results: dict[str, Any] = {"phases": phases, "length": self.args.ceiling_duration}
        median_ceiling = statistics.median(p["rps"] for p in ceilings)
        print(
            f"  ceiling (one indexed read + one insert): median {median_ceiling:.1f} req/s "
            f"over {len(ceilings)} phases ({min(p['rps'] for p in ceilings):.0f}-"
            f"{max(p['rps'] for p in ceilings):.0f})"
        )
        for name in ("answer", "review"):
            chosen = [p for p in phases if p["kind"] == name]
            ratios = [p["ratio"] for p in chosen]
            clean = [p["ratio"] for p in chosen if p["clean"]]
            # Phases where something else took CPU compare unlike conditions: the verdict
            # leaves them out while enough phases remain.
            judged = clean if len(clean) >= max(3, len(ratios) // 2) else ratios
            ratio = statistics.median(judged) if judged else 0.0
            ok = ratio >= TARGET_CEILING_RATIO
            self.passed[f"ceiling-{name}"] = ok
            quartiles = statistics.quantiles(judged, n=4) if len(judged) >= 2 else [ratio] * 3
            brackets = sum(p["bracket"] for p in chosen)
            pooled = sum(p["rps"] for p in chosen) / brackets if brackets else 0.0
            rps = statistics.median(p["rps"] for p in chosen)
            cpu = self.cpu_per_request(phases, name)
            ceiling_cpu = self.cpu_per_request(phases, "ceiling")
            results[name] = {"rps": rps, "ratio": ratio, "ratios": ratios, "judged": len(judged),
                             "pooled": pooled, "cpu_ms": cpu}  # fmt: skip
            print(
                f"  quizapp {name:<6} median {rps:7.1f} req/s; against the ceiling either side: "
                f"median {bl.pct(ratio)} of {len(judged)} phases (quartiles "
                f"{bl.pct(quartiles[0])}-{bl.pct(quartiles[2])}; "
                f"{len(ratios) - len(judged)} disturbed left out); all phases pooled "
                f"{bl.pct(pooled)}; target >= {bl.pct(TARGET_CEILING_RATIO)}: {bl.check(ok)}"
            )
            print(
                f"  CPU-normalised: quizapp {name} {cpu:.2f} ms of gunicorn CPU per request, "
                f"ceiling {ceiling_cpu:.2f} ms -> {bl.pct(ceiling_cpu / cpu if cpu else 0)}"
            )
        results["ceiling_rps"] = median_ceiling
        results["ceiling_cpu_ms"] = self.cpu_per_request(phases, "ceiling")
        self.results["ceiling"] = results

    @staticmethod
    def cpu_per_request(phases: list[dict[str, Any]], kind: str) -> float:
        """gunicorn CPU over all of one kind's phases, per request they served."""
        chosen = [p for p in phases if p["kind"] == kind]
        seconds = sum(p["cpu"]["server"] * p["cpu"]["wall"] for p in chosen)
        requests = sum(p["requests"] for p in chosen)
        return 1000 * seconds / requests if requests else 0.0

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
