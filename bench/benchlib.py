"""Shared helpers of the bench/ scripts: fresh databases, gunicorn, simulated learners, stats.

Not a benchmark itself; load.py, soak.py, faults.py, page_weight.py and next_due.py import it.
Everything talks to 127.0.0.1 only, and every request loop is bounded in time.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgresql://quizapp:quizapp@127.0.0.1/postgres"
)
# Databases the benchmarks never create, drop or write to.
PROTECTED_DATABASES = {"quizapp_test", "postgres", "template0", "template1"}
PASSWORD = "bench-password-1"  # noqa: S105 - the simulated learners' password
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105
BENCH_SET_ORIGIN = "bench:flashcards"
QUIZ_TYPES = ("mcq", "multi", "true_false", "cloze", "matching", "short_answer", "numerical",
              "essay", "description")  # fmt: skip


# --- databases -----------------------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    from quizapp.config import normalise_database_url

    return normalise_database_url(url)


@dataclass
class Target:
    """A database prepared for a run, and the instance folder the app uses with it."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    instance: Path
    seed_set_id: int = 0
    bench_set_id: int = 0
    users: dict[str, int] = field(default_factory=dict)  # username -> id
    card_ids: list[int] = field(default_factory=list)  # the bench set's flashcards, in order
    quiz_items: list[dict[str, Any]] = field(default_factory=list)  # the seed set's quiz items

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for `flask` and gunicorn: this database, no login rate limit."""
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            QUIZAPP_INSTANCE_PATH=str(self.instance),
            SECRET_KEY=SECRET_KEY,
            QUIZAPP_RATELIMIT_ENABLED="false",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def engine(self) -> sa.Engine:
        return sa.create_engine(sqlalchemy_url(self.url))


def pg_url(name: str) -> str:
    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def recreate_pg_database(name: str) -> str:
    """DROP (if there) and CREATE a PostgreSQL database; refuses the protected ones."""
    import psycopg

    if name in PROTECTED_DATABASES or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"refusing to recreate database {name!r}")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url(name)


def drop_pg_database(name: str) -> None:
    import psycopg

    if name in PROTECTED_DATABASES:
        return
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fresh_database(kind: str, workdir: Path, pg_name: str = "quizapp_bench") -> Target:
    """An empty database of ``kind`` (SQLite file in ``workdir`` or a new PG database)."""
    instance = workdir / f"instance-{kind}"
    instance.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        path = instance / "quizapp.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif kind == "postgresql":
        url = recreate_pg_database(pg_name)
    else:
        raise SystemExit(f"unknown database kind {kind!r}")
    return Target(kind=kind, url=url, instance=instance)


def flask_cli(target: Target, *args: str) -> str:
    """Run `flask --app quizapp ARGS` against the target; returns its output."""
    command = [sys.executable, "-m", "flask", "--app", "quizapp", *args]
    done = subprocess.run(
        command, cwd=ROOT, env=target.env(), capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(
    kind: str, workdir: Path, *, learners: int, cards: int = 3000, pg_name: str = "quizapp_bench"
) -> Target:
    """A fresh database after `flask setup`, with ``learners`` accounts and a card set.

    Accounts are inserted with SQL (one scrypt hash shared by all: hashing 500 passwords
    would take a minute); they may take any number of new cards a day. The extra published
    set of ``cards`` flashcards keeps learners with zero think time from running out of cards.
    """
    started = time.perf_counter()
    target = fresh_database(kind, workdir, pg_name)
    flask_cli(target, "setup")
    populate(target, learners=learners, cards=cards)
    settle(target)
    print(
        f"[{kind}] prepared {target.url.split('@')[-1]}: setup + {learners} learners + "
        f"{cards} cards in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return target


def settle(target: Target) -> None:
    """Give the freshly loaded database what a database in service has: its pages written
    out and, on PostgreSQL, the planner statistics autovacuum keeps. Otherwise the first
    minute of a run measures plans made without statistics, and autovacuum's ANALYZE and
    the checkpointer working through the bulk load, which a school's database is not doing
    at 9 a.m. (SQLite keeps no statistics unless told to, and quizapp does not.)"""
    engine = target.engine()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if target.kind == "postgresql":
            conn.exec_driver_sql("VACUUM ANALYZE")
            conn.exec_driver_sql("CHECKPOINT")
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def populate(target: Target, *, learners: int, cards: int) -> None:
    from werkzeug.security import generate_password_hash

    from quizapp.models import Item, StudySet, User, utcnow

    engine = target.engine()
    password_hash = generate_password_hash(PASSWORD)
    now = utcnow()
    with engine.begin() as conn:
        if learners:
            conn.execute(
                sa.insert(User.__table__),
                [
                    {
                        "username": f"learner{n:05d}",
                        "password_hash": password_hash,
                        "role": "learner",
                        "is_guest": False,
                        "desired_retention": 0.9,
                        "daily_new_limit": 1_000_000,
                        "session_version": 1,
                        "created_at": now,
                    }  # fmt: skip
                    for n in range(learners)
                ],
            )
        if cards:
            set_id = conn.execute(
                sa.insert(StudySet.__table__)
                .values(
                    title="Benchmark flashcards",
                    description="",
                    status="published",
                    origin=BENCH_SET_ORIGIN,
                    seed=0,
                    created_at=now,
                    updated_at=now,
                )  # fmt: skip
                .returning(StudySet.__table__.c.id)
            ).scalar_one()
            conn.execute(
                sa.insert(Item.__table__),
                [
                    {
                        "set_id": set_id,
                        "uid": f"c{n}",
                        "position": n,
                        "type": "flashcard",
                        "status": "published",
                        "prompt": f"Front of benchmark card {n}",
                        "prompt_format": "plain",
                        "back": f"Back of benchmark card {n}",
                        "choices": [],
                        "answers": [],
                        "pairs": [],
                        "feedback": {},
                        "weights": {},
                        "numeric": [],
                        "explanation": "",
                        "tags": [],
                        "points": 1.0,
                        "extra": {},
                        "created_at": now,
                        "updated_at": now,
                    }  # fmt: skip
                    for n in range(cards)
                ],
            )
    load_target_info(target)
    engine.dispose()


def load_target_info(target: Target) -> None:
    """Read back the ids the clients need: users, the seed set's quiz items, the card set."""
    from quizapp.models import Item, StudySet, User

    item, study_set = Item.__table__, StudySet.__table__
    engine = target.engine()
    with engine.connect() as conn:
        users = User.__table__
        target.users = dict(conn.execute(sa.select(users.c.username, users.c.id)).tuples().all())
        rows = conn.execute(sa.select(study_set.c.id, study_set.c.origin).order_by(study_set.c.id))
        for set_id, origin in rows:
            if origin == BENCH_SET_ORIGIN:
                target.bench_set_id = set_id
            elif not target.seed_set_id:
                target.seed_set_id = set_id
        if target.bench_set_id:
            target.card_ids = list(
                conn.scalars(
                    sa.select(item.c.id)
                    .where(item.c.set_id == target.bench_set_id)
                    .order_by(item.c.position, item.c.id)
                )
            )
        quiz = conn.execute(
            sa.select(item.c.id, item.c.type, item.c.choices, item.c.pairs, item.c.prompt)
            .where(
                item.c.set_id == target.seed_set_id,
                item.c.status == "published",
                item.c.type.in_(QUIZ_TYPES),
            )
            .order_by(item.c.position, item.c.id)
        )
        target.quiz_items = [dict(row._mapping) for row in quiz]
    engine.dispose()


def form_for_item(item: dict[str, Any], rng: random.Random) -> list[tuple[str, str]]:
    """A valid answer form for a quiz item known from the database (no page fetch needed)."""
    kind, choices = item["type"], list(item["choices"] or [])
    if kind in ("mcq", "true_false"):
        return [("answer", rng.choice(choices))]
    if kind == "multi":
        return [("answer", c) for c in rng.sample(choices, k=min(len(choices), rng.randint(1, 2)))]
    if kind == "matching":
        rights = sorted({right for _left, right in item["pairs"]})
        return [(f"match_{n}", rng.choice(rights)) for n in range(len(item["pairs"]))]
    gaps = item["prompt"].count("_____")
    if kind == "cloze" and gaps > 1:
        return [(f"gap_{n}", "x") for n in range(gaps)]
    if kind == "description":
        return []
    return [("answer", "benchmark answer")]


# --- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn -w N --threads T -b 127.0.0.1:PORT APP`, started and stopped by pid."""

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        *,
        workers: int,
        threads: int = 1,
        logdir: Path,
        chdir: Path = ROOT,
        name: str = "quizapp",
        timeout: int = 30,
        extra: Iterable[str] = (),
    ) -> None:
        self.app, self.env, self.workers, self.threads = app, env, workers, threads
        self.chdir, self.name, self.timeout, self.extra = chdir, name, timeout, list(extra)
        self.port = free_port()
        self.log = logdir / f"gunicorn-{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        return [
            str(VENV_BIN / "gunicorn"), "-w", str(self.workers), "--threads", str(self.threads),
            "-b", f"127.0.0.1:{self.port}", "--chdir", str(self.chdir),
            "--timeout", str(self.timeout), "--error-logfile", str(self.log), *self.extra,
            self.app,
        ]  # fmt: skip

    def start(self, wait: float = 60.0) -> Gunicorn:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                self.command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"gunicorn did not answer /healthz within {wait:.0f} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        """Pids whose parent is our gunicorn master (read from /proc)."""
        if self.process is None:
            return []
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry))
        return sorted(pids)

    def restart(self) -> Gunicorn:
        """Stop and start again on the same port (cold workers)."""
        self.stop()
        return self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.process.kill()
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait()

    def log_problems(self) -> tuple[int, str]:
        """How many tracebacks gunicorn logged, and the last line of the first one."""
        if not self.log.exists():
            return 0, ""
        text = self.log.read_text(errors="replace")
        count = text.count("Traceback (most recent call last)")
        first = ""
        if count:
            tail = text[text.index("Traceback (most recent call last)") :].splitlines()
            for line in tail[1:]:
                if line and not line.startswith((" ", "\t", "Traceback")):
                    first = line.strip()
                    break
        return count, first


def cpu_seconds(pid: int) -> float:
    """utime+stime of a process and its reaped children (clock ticks to seconds)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu(server: Gunicorn) -> float:
    if server.process is None:
        return 0.0
    return cpu_seconds(server.process.pid) + sum(cpu_seconds(p) for p in server.worker_pids())


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(v) for v in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


PG_PIDFILE = Path(os.environ.get("BENCH_PG_PIDFILE", "/var/lib/postgresql/15/main/postmaster.pid"))


def pg_cpu() -> float:
    """CPU of the local PostgreSQL cluster: the postmaster (with its reaped children) plus
    its live backends. It serves every database on it, other people's included."""
    try:
        postmaster = int(PG_PIDFILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    total = cpu_seconds(postmaster)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class CpuMeter:
    """CPU used during a phase by gunicorn, this load generator, PostgreSQL and the rest."""

    def __init__(self, *servers: Gunicorn) -> None:
        self.servers = servers
        self.wall0 = time.perf_counter()
        self.server0 = sum(server_cpu(s) for s in servers)
        self.own0, self.busy0, self.pg0 = own_cpu(), machine_busy(), pg_cpu()

    def result(self) -> dict[str, float]:
        wall = time.perf_counter() - self.wall0
        server = sum(server_cpu(s) for s in self.servers) - self.server0
        own = own_cpu() - self.own0
        pg = max(pg_cpu() - self.pg0, 0.0)
        others = max(machine_busy() - self.busy0 - server - own - pg, 0.0)
        return {"wall": wall, "server": server / wall, "client": own / wall,
                "postgresql": pg / wall, "others": others / wall}  # fmt: skip

    def note(self) -> str:
        r = self.result()
        return (
            f"  CPU (cores busy on average, of 2): gunicorn {r['server']:.2f}, load generator "
            f"{r['client']:.2f}, PostgreSQL server {r['postgresql']:.2f}, other processes "
            f"{r['others']:.2f}"
        )


QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "120"))


def wait_for_quiet(
    max_wait: float | None = None, threshold: float = 0.3, window: float = 2.0
) -> float:
    """Wait (up to ``max_wait`` s) until other processes use under ``threshold`` cores.

    This machine is shared: other people's test suites and browsers come and go. Measuring
    while they run halves the numbers, so each phase waits for a quiet moment first (and
    reports the background load it measured anyway). Returns the last background load seen.
    BENCH_QUIET_WAIT=0 disables the wait.
    """
    max_wait = QUIET_WAIT if max_wait is None else max_wait
    deadline = time.monotonic() + max_wait
    started = time.monotonic()
    while True:
        busy0, own0 = machine_busy(), own_cpu()
        time.sleep(window)
        others = max(machine_busy() - busy0 - (own_cpu() - own0), 0.0) / window
        if others < threshold or time.monotonic() >= deadline:
            waited = time.monotonic() - started
            if waited > window * 1.5:
                print(f"  (waited {waited:.0f} s for a quiet machine; background load now "
                      f"{others:.2f} cores)", flush=True)  # fmt: skip
            return others


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- measurements --------------------------------------------------------------------------

ENDPOINT_PATTERNS = [
    (re.compile(r"^/sets/\d+/flashcards/\d+$"), "/sets/{s}/flashcards/{item}"),
    (re.compile(r"^/sets/\d+/flashcards$"), "/sets/{s}/flashcards"),
    (re.compile(r"^/sets/\d+/attempts$"), "/sets/{s}/attempts"),
    (re.compile(r"^/attempts/\d+/items/\d+$"), "/attempts/{a}/items/{i}"),
    (re.compile(r"^/attempts/\d+/result$"), "/attempts/{a}/result"),
    (re.compile(r"^/attempts/\d+$"), "/attempts/{a}"),
    (re.compile(r"^/sets/\d+$"), "/sets/{s}"),
    (re.compile(r"^/answer/\d+$"), "/answer/{item}"),
]


def endpoint_label(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    for pattern, label in ENDPOINT_PATTERNS:
        if pattern.match(path):
            return f"{method} {label}"
    return f"{method} {path}"


@dataclass
class Sample:
    start: float  # seconds since the run's t0
    duration: float
    label: str
    status: int | None  # None: no HTTP response (connection error, timeout)
    error: str = ""
    deliberate: bool = False  # a connection the client dropped on purpose

    @property
    def failed(self) -> bool:
        if self.deliberate:
            return False
        return self.status is None or self.status >= 400


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


class Stats:
    """Every request's start, duration, endpoint and outcome, summarised per endpoint."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.samples: list[Sample] = []

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    def select(
        self, t_from: float = 0.0, t_to: float = float("inf"), labels: Iterable[str] | None = None
    ) -> list[Sample]:
        wanted = set(labels) if labels is not None else None
        return [
            s
            for s in self.samples
            if t_from <= s.start < t_to and (wanted is None or s.label in wanted)
        ]

    def timeline(self, step: float = 5.0) -> str:
        """Requests, p50, p95 and max per ``step`` seconds of start time: shows whether slow
        requests are spread over the run or bunched in stalls."""
        buckets: dict[int, list[float]] = defaultdict(list)
        for sample in self.samples:
            if sample.status is not None:
                buckets[int(sample.start // step)].append(sample.duration * 1000)
        rows = [f"  {'from s':>6} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>8}"]
        for index in sorted(buckets):
            done = sorted(buckets[index])
            rows.append(
                f"  {index * step:>6.0f} {len(done):>8} {percentile(done, 50):>7.1f} "
                f"{percentile(done, 95):>7.1f} {done[-1]:>8.1f}"
            )
        return "\n".join(rows)

    def table(
        self, t_from: float = 0.0, t_to: float | None = None, title: str = "", wall: float = 0.0
    ) -> tuple[str, dict[str, dict[str, float]]]:
        """A text table per endpoint (+ all); ``wall`` is the window length for req/s."""
        t_to = t_to if t_to is not None else float("inf")
        chosen = self.select(t_from, t_to)
        if not wall:
            wall = max((s.start + s.duration for s in chosen), default=t_from) - t_from
        groups: dict[str, list[Sample]] = defaultdict(list)
        for sample in chosen:
            groups[sample.label].append(sample)
        groups["ALL"] = chosen
        rows, summary = [], {}
        for label in sorted(groups, key=lambda k: (k == "ALL", k)):
            items = groups[label]
            done = sorted(s.duration * 1000 for s in items if s.status is not None)
            failures = sum(s.failed for s in items)
            dropped = sum(s.deliberate for s in items)
            info = {
                "count": len(items), "rps": len(items) / wall if wall else 0.0,
                "p50": percentile(done, 50), "p95": percentile(done, 95),
                "p99": percentile(done, 99), "max": done[-1] if done else float("nan"),
                "failures": failures, "dropped": dropped,
            }  # fmt: skip
            summary[label] = info
            rows.append(
                f"  {label:<34} {info['count']:>7} {info['rps']:>8.1f} {info['p50']:>7.1f} "
                f"{info['p95']:>7.1f} {info['p99']:>7.1f} {info['max']:>8.1f} {failures:>6}"
                + (f" (+{dropped} dropped on purpose)" if dropped else "")
            )
        header = (
            f"  {'endpoint':<34} {'count':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'max ms':>8} {'fails':>6}"
        )
        text = (f"{title} ({wall:.1f} s window)\n" if title else "") + "\n".join([header, *rows])
        errors = self.error_kinds(chosen)
        if errors:
            text += "\n  failures by kind: " + ", ".join(f"{k}: {v}" for k, v in errors.items())
        return text, summary

    @staticmethod
    def error_kinds(samples: list[Sample]) -> dict[str, int]:
        kinds: dict[str, int] = defaultdict(int)
        for sample in samples:
            if sample.failed:
                kinds[sample.error or f"HTTP {sample.status}"] += 1
        return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged (2xx/3xx), per answer/review."""

    # (attempt_id, item_id) -> [sent, acked, [values sent, when comparable]]
    answers: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    # (user_id, item_id, reps the form carried) -> [sent, acked]
    reviews: dict[tuple[int, int, int], list[int]] = field(default_factory=dict)

    def answer_sent(self, key: tuple[int, int], expected: Any) -> None:
        """Count a POST of an answer; every value sent for the key is a valid stored value
        (a retry after a failed POST may carry another answer)."""
        entry = self.answers.setdefault(key, [0, 0, []])
        entry[0] += 1
        if expected is not None and expected not in entry[2]:
            entry[2].append(expected)

    def answer_acked(self, key: tuple[int, int]) -> None:
        self.answers[key][1] += 1

    def review_sent(self, key: tuple[int, int, int]) -> None:
        self.reviews.setdefault(key, [0, 0])[0] += 1

    def review_acked(self, key: tuple[int, int, int]) -> None:
        self.reviews[key][1] += 1


@dataclass
class Verification:
    answer_posts_sent: int = 0
    answer_posts_acked: int = 0
    answers_sent: int = 0  # distinct (attempt, item)
    answers_acked: int = 0
    answers_stored: int = 0  # rows in the response table
    answers_lost: int = 0  # acknowledged but not stored
    answers_duplicated: int = 0  # more than one row for one (attempt, item)
    answers_unknown: int = 0  # stored though never sent
    answers_mismatched: int = 0  # stored value is none of the values sent
    stored_unacked: int = 0  # sent, not acknowledged (dropped), stored anyway: fine
    review_posts_sent: int = 0
    review_posts_acked: int = 0
    reviews_acked: int = 0  # distinct (user, item, reps)
    reviews_stored: int = 0  # review_log rows (not cram)
    reviews_lost: int = 0  # acknowledged review whose reps never advanced past it
    reviews_double_applied: int = 0  # card reps != number of its review-log rows
    reviews_unexplained: int = 0  # more log rows than distinct reviews sent for a card
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.answers_lost or self.answers_duplicated or self.answers_unknown
            or self.answers_mismatched or self.reviews_lost or self.reviews_double_applied
            or self.reviews_unexplained
        )  # fmt: skip

    def report(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        lines = [
            f"exactly-once check: {verdict}",
            f"  answers: {self.answer_posts_sent} POSTs sent, {self.answer_posts_acked} "
            f"acknowledged; {self.answers_sent} distinct (attempt,item) sent, "
            f"{self.answers_acked} acknowledged, {self.answers_stored} stored; lost "
            f"{self.answers_lost}, duplicated {self.answers_duplicated}, stored-but-never-sent "
            f"{self.answers_unknown}, value mismatch {self.answers_mismatched}, stored without "
            f"ack (dropped connection, fine) {self.stored_unacked}",
            f"  reviews: {self.review_posts_sent} POSTs sent, {self.review_posts_acked} "
            f"acknowledged; {self.reviews_acked} distinct (learner,card,reps) acknowledged, "
            f"{self.reviews_stored} review-log rows; lost {self.reviews_lost}, double-applied "
            f"{self.reviews_double_applied}, unexplained rows {self.reviews_unexplained}",
        ]
        lines += [f"  e.g. {example}" for example in self.examples[:5]]
        return "\n".join(lines)


def _same_answer(expected: list[Any], stored: Any) -> bool:
    """Is the stored value one of the values sent (no values known: not compared)?"""
    if not expected:
        return True
    for value in expected:
        if isinstance(value, list) and isinstance(stored, list):
            if sorted(map(str, value)) == sorted(map(str, stored)):
                return True
        elif value == stored:
            return True
    return False


def verify(target: Target, ledger: Ledger) -> Verification:
    """Compare the ledger with the response, card_state and review_log tables."""
    from quizapp.models import CardState, Response, ReviewLog

    result = Verification()
    response, card, log = Response.__table__, CardState.__table__, ReviewLog.__table__
    engine = target.engine()
    with engine.connect() as conn:
        rows: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for attempt_id, item_id, answer in conn.execute(
            sa.select(response.c.attempt_id, response.c.item_id, response.c.answer)
        ):
            rows[(attempt_id, item_id)].append(answer)
        cards = {
            (u, i): reps
            for u, i, reps in conn.execute(sa.select(card.c.user_id, card.c.item_id, card.c.reps))
        }
        logs = {
            (u, i): n
            for u, i, n in conn.execute(
                sa.select(log.c.user_id, log.c.item_id, sa.func.count())
                .where(log.c.cram.is_(False))
                .group_by(log.c.user_id, log.c.item_id)
            )
        }
    engine.dispose()
    _check_answers(result, ledger, rows)
    _check_reviews(result, ledger, cards, logs)
    return result


def _check_answers(
    result: Verification, ledger: Ledger, rows: dict[tuple[int, int], list[Any]]
) -> None:
    result.answers_stored = sum(len(v) for v in rows.values())
    for key, (sent, acked, expected) in ledger.answers.items():
        result.answer_posts_sent += sent
        result.answer_posts_acked += acked
        result.answers_sent += 1
        stored = rows.get(key, [])
        if acked:
            result.answers_acked += 1
            if not stored:
                result.answers_lost += 1
                result.examples.append(f"answer {key} acknowledged {acked}x but not stored")
        elif stored:
            result.stored_unacked += 1
        if len(stored) > 1:
            result.answers_duplicated += 1
            result.examples.append(f"answer {key} stored {len(stored)} times")
        if stored and not _same_answer(expected, stored[0]):
            result.answers_mismatched += 1
            result.examples.append(f"answer {key}: sent {expected!r}, stored {stored[0]!r}")
    for key in rows:
        if key not in ledger.answers:
            result.answers_unknown += 1
            result.examples.append(f"answer {key} stored but never sent")


def _check_reviews(
    result: Verification,
    ledger: Ledger,
    cards: dict[tuple[int, int], int],
    logs: dict[tuple[int, int], int],
) -> None:
    sent_per_card: dict[tuple[int, int], set[int]] = defaultdict(set)
    for (user_id, item_id, reps), (sent, acked) in ledger.reviews.items():
        result.review_posts_sent += sent
        result.review_posts_acked += acked
        sent_per_card[(user_id, item_id)].add(reps)
        if acked:
            result.reviews_acked += 1
            if cards.get((user_id, item_id), 0) <= reps:
                result.reviews_lost += 1
                result.examples.append(
                    f"review of card {item_id} by user {user_id} at reps={reps} acknowledged, "
                    f"but the card has reps={cards.get((user_id, item_id))}"
                )
    for key, count in logs.items():
        result.reviews_stored += count
        if key in sent_per_card and cards.get(key) != count:
            result.reviews_double_applied += 1
            result.examples.append(f"card {key}: reps={cards.get(key)} but {count} log rows")
        if key in sent_per_card and count > len(sent_per_card[key]):
            result.reviews_unexplained += 1
            result.examples.append(
                f"card {key}: {count} log rows for {len(sent_per_card[key])} distinct reviews"
            )


# --- simulated learners --------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CARD_FORM = re.compile(r'action="(/sets/\d+/flashcards/(\d+))" class="ratings"')
REPS = re.compile(r'name="reps" type="hidden" value="(\d+)"')
# What quizapp's flashcard script sends with a rating (quizapp/static/js/flashcards.js).
NEXT_PAGE = {"X-Quizapp-Next-Page": "1"}
# group 1: the page's script posts this answer and shows the reply in place (answer.js)
ANSWER_FORM = re.compile(
    r'<form method="post" novalidate( data-answer-in-place)?>(.*?)</form>', re.S
)
INPUT = re.compile(r"<input ([^>]*)>")
ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')
SELECT = re.compile(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea[^>]*name="([^"]+)"')
NEXT_LINK = re.compile(r'<a class="button primary" href="([^"]+)" autofocus')
ATTEMPT_ITEM = re.compile(r"/attempts/(\d+)/items/(\d+)")


def parse_answer_form(
    page: str, rng: random.Random
) -> tuple[list[tuple[str, str]], Any, bool] | None:
    """Fill the question page's answer form with a random valid answer.

    Returns the form fields, the value the server should store (None: not compared) and
    whether the page's script posts the answer and shows the reply in place.
    """
    match = ANSWER_FORM.search(page)
    if not match:
        return None
    body = match.group(2)
    groups: dict[str, list[str]] = defaultdict(list)
    kinds: dict[str, str] = {}
    fields: list[tuple[str, str]] = []
    for raw in INPUT.findall(body):
        attrs = {k: html.unescape(v or "") for k, v in ATTR.findall(raw)}
        name, kind = attrs.get("name", ""), attrs.get("type", "text")
        if not name or kind == "submit":
            continue
        if kind in ("radio", "checkbox"):
            groups[name].append(attrs.get("value", ""))
            kinds[name] = kind
        elif kind == "hidden":
            fields.append((name, attrs.get("value", "")))
        else:
            fields.append((name, "benchmark answer"))
    expected: Any = None
    for name, values in groups.items():
        if kinds[name] == "radio":
            choice = rng.choice(values)
            fields.append((name, choice))
            expected = choice if name == "answer" else None
        else:
            picked = rng.sample(values, k=min(len(values), rng.randint(1, 2)))
            fields += [(name, v) for v in picked]
            expected = picked if name == "answer" else None
    for name, options in SELECT.findall(body):
        values = [html.unescape(v) for v in OPTION.findall(options) if v]
        fields.append((name, rng.choice(values)))
    for name in TEXTAREA.findall(body):
        fields.append((name, "A benchmark essay."))
    if ("answer", "benchmark answer") in fields:
        expected = "benchmark answer"
    return fields, expected, match.group(1) is not None


@dataclass
class Behaviour:
    """How a simulated learner acts (think time, retries, dropped connections)."""

    think: tuple[float, float] = (0.0, 0.0)
    cards_per_round: int = 5
    questions_per_round: int = 5
    retry_probability: float = 0.0  # re-POST an acknowledged form (double submit)
    drop_probability: float = 0.0  # abort a request right after sending it, then retry
    drop_after: float = 0.002  # seconds to wait for the response before dropping
    timeout: float = 30.0


@dataclass
class Page:
    """One HTTP response, read whole (the learner parses every page it gets)."""

    status_code: int
    headers: Any  # case-insensitive, as sent by the server
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def is_redirect(self) -> bool:
        return self.status_code in (301, 302, 303, 307, 308) and "location" in self.headers


class Learner:
    """One simulated learner with its own cookie jar, following the HTML forms.

    HTTP goes through aiohttp: its C parser costs the load generator about 0.8 ms of CPU per
    request against 3 ms for httpx (measured here), and the generator shares the server's
    cores, so every millisecond it spends is taken from the server under test."""

    def __init__(
        self,
        base_url: str,
        username: str,
        user_id: int,
        stats: Stats,
        ledger: Ledger,
        behaviour: Behaviour,
        seed: int,
    ) -> None:
        self.base_url, self.username, self.user_id = base_url, username, user_id
        self.stats, self.ledger, self.behaviour = stats, ledger, behaviour
        self.rng = random.Random(seed)
        self.jar: aiohttp.CookieJar | None = None  # made inside the event loop
        self.session: aiohttp.ClientSession | None = None
        self.csrf = ""
        self.question_url: str | None = None  # where the current quiz stands
        self.card_page: str | None = None
        self.reps: dict[int, int] = defaultdict(int)  # card -> reps, for the POST-only phases
        self.attempts: list[int] = []
        self.position = 0  # next question of attempts[0] (POST-only phase)
        self.card_position = 0  # next card of the card set (POST-only phase)

    def client(self) -> aiohttp.ClientSession:
        """The learner's session: at most two connections, one kept alive between requests."""
        if self.session is None or self.session.closed:
            if self.jar is None:
                self.jar = aiohttp.CookieJar(unsafe=True)  # unsafe: cookies for 127.0.0.1
            self.session = aiohttp.ClientSession(
                base_url=self.base_url,
                cookie_jar=self.jar,
                connector=aiohttp.TCPConnector(limit=2),
                connector_owner=True,
                timeout=aiohttp.ClientTimeout(total=self.behaviour.timeout),
            )
        return self.session

    async def reconnect(self) -> None:
        """Drop the connection but keep the session cookie (a new TCP connection next time)."""
        await self.close()

    async def forget(self) -> None:
        """Drop the connection and the cookies: a browser that has never been here."""
        await self.close()
        self.jar = None

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def fetch(
        self,
        method: str,
        url: str,
        data: list[tuple[str, str]] | dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Page:
        """One request, redirects not followed; raises aiohttp.ClientError or TimeoutError."""
        timeout = None
        if read_timeout is not None:
            timeout = aiohttp.ClientTimeout(total=self.behaviour.timeout, sock_read=read_timeout)
        body = None
        if data is not None:
            body = urlencode(data).encode()  # keeps repeated keys
            headers = {**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"}
        async with self.client().request(
            method, url, data=body, headers=headers, allow_redirects=False, timeout=timeout
        ) as response:
            return Page(response.status, response.headers, await response.read())

    async def request(
        self,
        method: str,
        url: str,
        data: list[tuple[str, str]] | dict[str, Any] | None = None,
        *,
        drop: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Page | None:
        """Send one request and record it; None when no response came back."""
        label = endpoint_label(method, url)
        start = self.stats.now()
        began = time.perf_counter()
        try:
            response = await self.fetch(
                method, url, data, headers=headers,
                read_timeout=self.behaviour.drop_after if drop else None,
            )  # fmt: skip
        except (aiohttp.ClientError, TimeoutError) as exc:
            deliberate = drop and isinstance(exc, TimeoutError)
            self.stats.add(
                Sample(start, time.perf_counter() - began, label, None, type(exc).__name__,
                       deliberate=deliberate)
            )  # fmt: skip
            if deliberate:
                await self.reconnect()
            return None
        self.stats.add(Sample(start, time.perf_counter() - began, label, response.status_code))
        if response.status_code >= 400:
            return None
        return response

    async def get_page(self, url: str, hops: int = 5) -> tuple[str, str] | None:
        """GET url, following redirects (each hop recorded); returns (final url, html)."""
        for _ in range(hops):
            response = await self.request("GET", url)
            if response is None:
                return None
            if response.is_redirect:
                url = response.headers["location"]
                continue
            text = response.text
            if token := CSRF.search(text):
                self.csrf = token.group(1)
            return url, text
        return None

    async def think(self) -> None:
        low, high = self.behaviour.think
        if high > 0:
            await asyncio.sleep(self.rng.uniform(low, high))

    async def login(self) -> bool:
        page = await self.get_page("/auth/login")
        if page is None:
            return False
        form = {"username": self.username, "password": PASSWORD, "csrf_token": self.csrf}
        response = await self.request("POST", "/auth/login", form)
        if response is None or not response.is_redirect:
            return False
        # The session is renewed at sign-in, so the CSRF token must be fetched again.
        return await self.get_page(response.headers["location"]) is not None

    async def post_form(
        self,
        url: str,
        fields: list[tuple[str, str]],
        *,
        on_sent: Any,
        on_ack: Any,
        headers: dict[str, str] | None = None,
    ) -> Page | None:
        """POST a form; maybe drop it mid-request and retry, maybe submit it twice."""
        data = [*fields, ("csrf_token", self.csrf)]
        if self.rng.random() < self.behaviour.drop_probability:
            on_sent()
            first = await self.request("POST", url, data, drop=True, headers=headers)
            if first is not None:
                on_ack()
        on_sent()
        response = await self.request("POST", url, data, headers=headers)
        if response is None:
            return None
        on_ack()
        if self.rng.random() < self.behaviour.retry_probability:
            on_sent()
            again = await self.request("POST", url, data, headers=headers)
            if again is not None:
                on_ack()
        return response

    # -- flashcards --

    async def review_next_card(self, set_id: int) -> bool:
        """Fetch the next due card (if not already on screen), think, rate it."""
        if self.card_page is None:
            page = await self.get_page(f"/sets/{set_id}/flashcards")
            if page is None:
                return False
            self.card_page = page[1]
        page, self.card_page = self.card_page, None
        form, reps = CARD_FORM.search(page), REPS.search(page)
        if form is None or reps is None:
            return False  # no card due and no new card left
        await self.think()
        action, item_id, expected = form.group(1), int(form.group(2)), int(reps.group(1))
        rating = self.rng.choices([1, 2, 3, 4], weights=[15, 15, 55, 15])[0]
        key = (self.user_id, item_id, expected)
        fields = [("rating", str(rating)), ("reps", str(expected)),
                  ("duration_ms", str(self.rng.randint(800, 9000)))]  # fmt: skip
        # As the page's script does: the reply to the rating is the next card's page.
        response = await self.post_form(
            action, fields, headers=NEXT_PAGE,
            on_sent=lambda: self.ledger.review_sent(key),
            on_ack=lambda: self.ledger.review_acked(key),
        )  # fmt: skip
        if response is not None and response.is_redirect:  # a server without the script's reply
            page2 = await self.get_page(response.headers["location"])
            self.card_page = page2[1] if page2 else None
        elif response is not None:
            self.card_page = response.text
            if token := CSRF.search(self.card_page):
                self.csrf = token.group(1)
        return response is not None

    async def post_review(self, set_id: int, item_id: int, rating: int = 3) -> bool:
        """POST a rating without fetching the page first (the POST-only phase)."""
        reps = self.reps[item_id]
        key = (self.user_id, item_id, reps)
        self.ledger.review_sent(key)
        response = await self.request(
            "POST", f"/sets/{set_id}/flashcards/{item_id}",
            [("rating", str(rating)), ("reps", str(reps)), ("csrf_token", self.csrf)],
        )  # fmt: skip
        if response is None:
            return False
        self.ledger.review_acked(key)
        self.reps[item_id] = reps + 1
        return True

    # -- quizzes --

    async def start_quiz(self, set_id: int, mode: str = "practice") -> str | None:
        """Start an attempt; returns where the app sends the learner (its first question)."""
        response = await self.request(
            "POST", f"/sets/{set_id}/attempts", {"mode": mode, "csrf_token": self.csrf}
        )
        if response is None or not response.is_redirect:
            return None
        return response.headers["location"]

    async def start_attempt(self, set_id: int, mode: str = "practice") -> int | None:
        location = await self.start_quiz(set_id, mode)
        match = re.search(r"/attempts/(\d+)", location or "")
        return int(match.group(1)) if match else None

    async def answer_question(self, set_id: int) -> bool:
        """Open the current question (starting a quiz if needed), think, answer, read feedback."""
        if self.question_url is None:
            self.question_url = await self.start_quiz(set_id)
            if self.question_url is None:
                return False
        page = await self.get_page(self.question_url)
        if page is None:
            self.question_url = None
            return False
        url, text = page
        ids = ATTEMPT_ITEM.search(url)
        filled = parse_answer_form(text, self.rng)
        if ids is None or filled is None:
            self.question_url = None  # result page: the quiz is over, start another
            return True
        fields, expected, in_place = filled
        key = (int(ids.group(1)), int(ids.group(2)))
        await self.think()
        response = await self.post_form(
            url, fields, headers=NEXT_PAGE if in_place else None,
            on_sent=lambda: self.ledger.answer_sent(key, expected),
            on_ack=lambda: self.ledger.answer_acked(key),
        )  # fmt: skip
        if response is None:
            return False
        if response.is_redirect:
            page = await self.get_page(response.headers.get("location", url))
            if page is None:
                return False
            feedback = page[1]
        else:  # as the page's script does: the reply is the feedback page
            feedback = response.text
        await self.think()  # reading the feedback and the explanation
        link = NEXT_LINK.search(feedback)
        self.question_url = html.unescape(link.group(1)) if link else None
        return True

    async def post_answer(self, target: Target, attempt_id: int, item: dict[str, Any]) -> bool:
        """POST an answer built from the database's item (the POST-only phase)."""
        fields = form_for_item(item, self.rng)
        key = (attempt_id, item["id"])
        expected = fields[0][1] if item["type"] in ("mcq", "true_false") else None
        self.ledger.answer_sent(key, expected)
        response = await self.request(
            "POST", f"/attempts/{attempt_id}/items/{item['id']}",
            [*fields, ("csrf_token", self.csrf)],
        )  # fmt: skip
        if response is None:
            return False
        self.ledger.answer_acked(key)
        return True


async def run_flow(
    learners: list[Learner],
    *,
    seed_set_id: int,
    card_set_id: int,
    duration: float,
    ramp: float = 0.0,
    logged_in: bool = False,
) -> tuple[float, float]:
    """Each learner signs in (spread over ``ramp`` seconds), then reviews cards and answers
    questions in rounds until ``duration`` has passed. Returns (steady start, end) times."""
    stats = learners[0].stats
    start = stats.now()
    end = start + duration

    async def one(index: int, learner: Learner) -> None:
        if ramp and len(learners) > 1:
            await asyncio.sleep(ramp * index / len(learners))
        if not logged_in and not await learner.login():
            return
        while stats.now() < end:
            for _ in range(learner.behaviour.cards_per_round):
                if stats.now() >= end:
                    break
                if not await learner.review_next_card(card_set_id):
                    await asyncio.sleep(0.05)
                    break
            for _ in range(learner.behaviour.questions_per_round):
                if stats.now() >= end:
                    break
                if not await learner.answer_question(seed_set_id):
                    await asyncio.sleep(0.05)
                    break

    await asyncio.gather(*(one(i, learner) for i, learner in enumerate(learners)))
    return start + ramp, stats.now()


async def login_all(learners: list[Learner], concurrency: int = 8) -> int:
    """Sign every learner in, a few at a time; returns how many failed."""
    gate = asyncio.Semaphore(concurrency)
    failed = 0

    async def one(learner: Learner) -> None:
        nonlocal failed
        async with gate:
            if not await learner.login():
                failed += 1

    await asyncio.gather(*(one(learner) for learner in learners))
    return failed


def make_learners(
    target: Target,
    base_url: str,
    count: int,
    stats: Stats,
    ledger: Ledger,
    behaviour: Behaviour,
    offset: int = 0,
) -> list[Learner]:
    names = sorted(target.users)[offset : offset + count]
    if len(names) < count:
        raise SystemExit(f"only {len(names)} learner accounts, {count} needed")
    return [
        Learner(base_url, name, target.users[name], stats, ledger, behaviour, seed=n)
        for n, name in enumerate(names)
    ]


def pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def check(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def fd_limit(wanted: int = 8192) -> None:
    """Raise the open-files limit: hundreds of simultaneous connections need it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
