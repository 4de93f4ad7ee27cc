"""Fault injection under load: kill a gunicorn worker, restart PostgreSQL, check recovery.

Prepares a fresh database (quizapp_bench_faults), starts gunicorn itself and runs --learners
learners (think time --think-min..--think-max s) for --duration seconds. During the load:
  * at --kill-at s: SIGKILL one gunicorn worker (by pid); the master starts a new one;
  * at --restart-at s (PostgreSQL only): `pg_ctlcluster 15 main restart` - the shared local
    server, so other users of it see the restart too; it is checked to be online at the end
    and started again if it is not.
Nothing is done by hand in between. Afterwards it reports, per fault, the failed requests
in its window, when the last one happened (recovery time), the worker replacement and the
database downtime, checks that requests succeed again at the end, and that every
acknowledged answer and rating is stored exactly once. Exit status 1 if not.

Run: python bench/faults.py [--db postgresql|sqlite] [--learners 100] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib as bl

PG_DATABASE = "quizapp_bench_faults"
PG_CLUSTER = ("15", "main")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think-min", type=float, default=0.2)
    parser.add_argument("--think-max", type=float, default=1.0)
    parser.add_argument("--kill-at", type=float, default=15.0)
    parser.add_argument("--restart-at", type=float, default=35.0)
    parser.add_argument("--no-pg-restart", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser.parse_args()


def pg_online() -> bool:
    done = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True,
                          check=False)  # fmt: skip
    for line in done.stdout.splitlines():
        parts = line.split()
        if parts[:2] == list(PG_CLUSTER):
            return parts[3] == "online"
    return False


def ensure_pg_running() -> None:
    if not pg_online():
        print("PostgreSQL is not online: starting it", flush=True)
        subprocess.run(["pg_ctlcluster", *PG_CLUSTER, "start"], check=False)
    print(f"PostgreSQL {'/'.join(PG_CLUSTER)} online: {pg_online()}")


def pg_accepts(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=1) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


class Injector:
    """Injects the faults at their times and records what happened."""

    def __init__(self, server: bl.Gunicorn, target: bl.Target, stats: bl.Stats) -> None:
        self.server, self.target, self.stats = server, target, stats
        self.events: list[dict[str, Any]] = []

    async def kill_worker(self, at: float) -> None:
        await asyncio.sleep(max(at - self.stats.now(), 0))
        victim = await self.busy_worker()
        t = self.stats.now()
        os.kill(victim, signal.SIGKILL)
        replaced = None
        while self.stats.now() - t < 30:
            pids = self.server.worker_pids()
            if victim not in pids and len(pids) >= self.server.workers:
                replaced = self.stats.now() - t
                break
            await asyncio.sleep(0.05)
        self.events.append({"fault": f"SIGKILL gunicorn worker {victim}", "at": t,
                            "worker_replaced_after": replaced})  # fmt: skip
        print(f"  [{t:5.1f} s] killed worker {victim}; a new worker was up after "
              f"{replaced if replaced is None else f'{replaced:.2f} s'}", flush=True)  # fmt: skip

    async def busy_worker(self) -> int:
        """A worker that is running (serving a request) now, if one is within 2 s."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            for pid in self.server.worker_pids():
                try:
                    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                except OSError:
                    continue
                if state == "R":
                    return pid
            await asyncio.sleep(0.005)
        return self.server.worker_pids()[0]

    async def restart_postgres(self, at: float) -> None:
        await asyncio.sleep(max(at - self.stats.now(), 0))
        t = self.stats.now()
        process = await asyncio.create_subprocess_exec(
            "pg_ctlcluster", *PG_CLUSTER, "restart",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await process.communicate()
        command_s = self.stats.now() - t
        accepting = None
        while self.stats.now() - t < 60:
            if await asyncio.to_thread(pg_accepts, self.target.url):
                accepting = self.stats.now() - t
                break
            await asyncio.sleep(0.05)
        self.events.append({
            "fault": "pg_ctlcluster 15 main restart", "at": t, "command_seconds": command_s,
            "exit": process.returncode, "accepting_after": accepting,
            "output": output.decode(errors="replace").strip(),
        })  # fmt: skip
        accepted = "never" if accepting is None else f"{accepting:.2f} s"
        print(
            f"  [{t:5.1f} s] restarted PostgreSQL (exit {process.returncode}, command took "
            f"{command_s:.2f} s, accepting connections after {accepted})",
            flush=True,
        )


def analyse(stats: bl.Stats, events: list[dict[str, Any]], end: float) -> list[dict[str, Any]]:
    """Per fault: the failed requests that ended between it and the next fault, the recovery
    time (end of its last failed request), and a per-second timeline around it."""
    events = sorted(events, key=lambda e: e["at"])
    for index, event in enumerate(events):
        t = event["at"]
        until = events[index + 1]["at"] if index + 1 < len(events) else end
        window = [s for s in stats.samples if t <= s.start + s.duration < until]
        failed = [s for s in window if s.failed]
        event["requests_in_window"] = len(window)
        event["failed_in_window"] = len(failed)
        event["failure_kinds"] = bl.Stats.error_kinds(window)
        last = max((s.start + s.duration for s in failed), default=t)
        event["recovery_seconds"] = last - t
        event["first_failure"] = min((s.start + s.duration for s in failed), default=t) - t
        before = [s for s in stats.samples if t - 10.0 <= s.start + s.duration < t]
        after = [s for s in window if s.start + s.duration > last]
        event["rps_10s_before"] = len(before) / 10.0
        event["rps_after_recovery"] = len(after) / max(until - last, 1e-9)
        timeline = []
        for second in range(-2, 11):
            lo = t + second
            done = [s for s in stats.samples if lo <= s.start + s.duration < lo + 1]
            slow = sorted(s.duration * 1000 for s in done if not s.failed)
            timeline.append({
                "second": second, "done": len(done), "failed": sum(s.failed for s in done),
                "p95_ms": bl.percentile(slow, 95) if slow else None,
            })  # fmt: skip
        event["timeline"] = timeline
    return events


def print_timeline(event: dict[str, Any]) -> None:
    cells = []
    for row in event["timeline"]:
        p95 = f"{row['p95_ms']:.0f}" if row["p95_ms"] is not None else "-"
        cells.append(f"{row['second']:+d}s {row['done']}/{row['failed']}/{p95}")
    print("    per second after the fault (requests done / failed / p95 ms of the rest):")
    for start in range(0, len(cells), 5):
        print("     " + " | ".join(cells[start : start + 5]))


async def run(args: argparse.Namespace, workdir: Path) -> bool:
    target = bl.prepare(args.db, workdir, learners=args.learners, pg_name=PG_DATABASE)
    server = bl.Gunicorn(
        "quizapp:create_app()", target.env(), workers=args.workers, threads=args.threads,
        logdir=workdir, name=f"faults-{args.db}",
    ).start()  # fmt: skip
    ledger = bl.Ledger()
    behaviour = bl.Behaviour(think=(args.think_min, args.think_max), timeout=30)
    injector: Injector | None = None
    try:
        learners = bl.make_learners(target, server.url, args.learners, bl.Stats(), ledger,
                                    behaviour)  # fmt: skip
        print(f"signing {args.learners} learners in ...", flush=True)
        failed_logins = await bl.login_all(learners, concurrency=4)
        bl.wait_for_quiet()
        stats = bl.Stats()
        for learner in learners:
            learner.stats = stats
        injector = Injector(server, target, stats)
        print(
            f"load: {args.learners} learners, {args.think_min:g}-{args.think_max:g} s think "
            f"time, {args.duration:.0f} s, gunicorn -w {args.workers} --threads {args.threads}, "
            f"{args.db}", flush=True,
        )  # fmt: skip
        faults = [injector.kill_worker(args.kill_at)]
        if args.db == "postgresql" and not args.no_pg_restart:
            faults.append(injector.restart_postgres(args.restart_at))
        flow = bl.run_flow(
            learners, seed_set_id=target.seed_set_id, card_set_id=target.bench_set_id,
            duration=args.duration, logged_in=True,
        )  # fmt: skip
        await asyncio.gather(flow, *faults)
        end = stats.now()
        await asyncio.gather(*(learner.close() for learner in learners))
        text, summary = stats.table(0, None, "whole run", wall=end)
        print(text)
        # After the faults: does a fresh learner get through sign-in, a card and a question?
        probe_stats = bl.Stats()
        probe = bl.Learner(server.url, sorted(target.users)[0], target.users[
            sorted(target.users)[0]], probe_stats, ledger, bl.Behaviour(), seed=999)  # fmt: skip
        healthy = await probe.login() and await probe.review_next_card(target.bench_set_id)
        healthy = healthy and await probe.answer_question(target.seed_set_id)
        await probe.close()
    finally:
        server.stop()
        if args.db == "postgresql":
            ensure_pg_running()
    events = analyse(stats, injector.events if injector else [], end)
    tail = stats.select(end - 10.0, end)
    tail_failures = sum(s.failed for s in tail)
    print("\nfaults:")
    for event in events:
        kinds = ", ".join(f"{k}: {v}" for k, v in event["failure_kinds"].items()) or "none"
        print(
            f"  {event['fault']} at {event['at']:.1f} s: {event['failed_in_window']} of "
            f"{event['requests_in_window']} requests ending before the next fault failed "
            f"({kinds}); last failure {event['recovery_seconds']:.2f} s after the fault "
            f"(= recovery time); {event['rps_10s_before']:.1f} req/s in the 10 s before, "
            f"{event['rps_after_recovery']:.1f} after recovery"
        )
        print_timeline(event)
    print(
        f"last 10 s of load: {len(tail)} requests, {tail_failures} failed; fresh learner after "
        f"the faults (sign in, rate a card, answer a question): {'ok' if healthy else 'FAILED'}"
    )
    result = bl.verify(target, ledger)
    print(result.report())
    tracebacks, first = server.log_problems()
    print(f"gunicorn log: {tracebacks} traceback(s)" + (f", first: {first}" if first else ""))
    ok = result.ok and healthy and tail_failures == 0 and failed_logins == 0
    print(f"faults: {bl.check(ok)} (recovered without manual action, no acknowledged answer "
          "lost or duplicated)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({
            "events": events, "summary": summary, "verification": result.__dict__,
            "healthy_after": healthy, "tail_failures": tail_failures, "ok": ok,
            "tracebacks": tracebacks,
        }, indent=2, default=str))  # fmt: skip
    if args.db == "postgresql":
        bl.drop_pg_database(PG_DATABASE)
    return ok


def main() -> int:
    args = parse_args()
    bl.fd_limit()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizapp-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work folder (database, gunicorn log): {workdir}")
    started = time.perf_counter()
    ok = asyncio.run(run(args, workdir))
    print(f"({time.perf_counter() - started:.0f} s in all)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
