"""CPU per request, in-process: quizapp's hot endpoints against the ceiling app.

Runs both apps' WSGI callables directly (no server, no sockets), so the numbers are the CPU
the application itself spends per request: what gunicorn's workers spend minus the HTTP
parsing and socket work, which is the same for both apps. It prepares a fresh database
(--db sqlite or postgresql: `flask setup`, one learner, a card set) as load.py does.

    python bench/profile_requests.py                  # ms of CPU per request, best round
    python bench/profile_requests.py --profile review --sort tottime --top 40   # cProfile

Endpoints: answer (POST a practice answer), review (POST a card rating), card (GET the
flashcard page), question (GET a question page), start (POST a practice quiz start),
result (GET the score page of a finished quiz, every question answered), ceiling (the bare
POST of ceiling_app.py).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import benchlib as bl
from werkzeug.test import EnvironBuilder

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ENDPOINTS = ("answer", "review", "card", "question", "start", "result", "ceiling")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=400, help="per endpoint (default 400)")
    parser.add_argument("--profile", choices=ENDPOINTS, help="cProfile this endpoint")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile (default 30)")
    parser.add_argument("--rounds", type=int, default=8, help="interleaved rounds (default 8)")
    parser.add_argument("--dump", type=Path, help="also save the cProfile stats to this file")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="under valgrind --tool=callgrind --instr-atstart=no (see instructions.py): "
        "count instructions of each endpoint's requests, after 20 warm-up requests",
    )
    return parser.parse_args()


class Client:
    """Calls a WSGI app with a cookie jar; enough for a signed-in learner's form posts."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def environ(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> dict:
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return EnvironBuilder(
            path=path, method=method, headers=headers, data=urlencode(form or []),
            content_type="application/x-www-form-urlencoded" if form is not None else None,
        ).get_environ()  # fmt: skip

    def call(self, method: str, path: str, form: list[tuple[str, str]] | None = None):
        return self.run(self.environ(method, path, form))

    def run(self, environ: dict) -> tuple[str, str, dict[str, str]]:
        captured: dict[str, object] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, start_response))
        headers = {}
        for name, value in captured["headers"]:  # type: ignore[union-attr]
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key] = val
            headers[name.lower()] = value
        return str(captured["status"]), body.decode(), headers


def environs(client: Client, method: str, paths: list[tuple[str, list | None]]) -> list[dict]:
    """Prebuilt WSGI environs, so building them is not counted."""
    return [client.environ(method, path, form) for path, form in paths]


def sign_in(client: Client, set_id: int) -> str:
    """Sign the first bench learner in; returns the session's CSRF token."""
    _, page, _ = client.call("GET", "/auth/login")
    csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
    status, _, _ = client.call(
        "POST", "/auth/login",
        [("username", "learner00000"), ("password", bl.PASSWORD), ("csrf_token", csrf)],
    )  # fmt: skip
    assert status.startswith("302"), status
    _, page, _ = client.call("GET", f"/sets/{set_id}")  # signing in starts a new session
    return CSRF.search(page).group(1)  # type: ignore[union-attr]


def main() -> int:
    args = parse_args()
    n = args.requests
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-profile-"))
    target = bl.prepare(args.db, workdir, learners=1, cards=n + 10, pg_name="quizapp_bench_profile")
    os.environ.update(target.env())
    from quizapp import create_app

    client = Client(create_app().wsgi_app)
    csrf = sign_in(client, target.seed_set_id)
    quiz = [i for i in target.quiz_items if i["type"] in ("mcq", "true_false")]
    attempts = []
    for _ in range(n // len(quiz) + 2):
        _, _, headers = client.call(
            "POST", f"/sets/{target.seed_set_id}/attempts",
            [("mode", "practice"), ("csrf_token", csrf)],
        )  # fmt: skip
        attempts.append(int(re.search(r"/attempts/(\d+)", headers["location"]).group(1)))  # type: ignore[union-attr]
    rng = random.Random(1)
    answer_posts = [
        (f"/attempts/{a}/items/{item['id']}", [*bl.form_for_item(item, rng), ("csrf_token", csrf)])
        for a in attempts
        for item in quiz
    ][: n + 5]
    review_posts = [
        (f"/sets/{target.bench_set_id}/flashcards/{c}",
         [("rating", "3"), ("reps", "0"), ("csrf_token", csrf)])
        for c in target.card_ids[: n + 5]
    ]  # fmt: skip
    # A quiz with every question answered: the result page lists them all.
    _, _, headers = client.call(
        "POST", f"/sets/{target.seed_set_id}/attempts", [("mode", "practice"), ("csrf_token", csrf)]
    )
    finished = int(re.search(r"/attempts/(\d+)", headers["location"]).group(1))  # type: ignore[union-attr]
    for item in target.quiz_items:
        status, _, _ = client.call(
            "POST", f"/attempts/{finished}/items/{item['id']}",
            [*bl.form_for_item(item, rng), ("csrf_token", csrf)],
        )  # fmt: skip
        assert status.startswith("302"), status
    plans = {
        "answer": ("POST", answer_posts),
        "question": ("GET", [(p, None) for p, _ in answer_posts]),
        "review": ("POST", review_posts),
        "card": ("GET", [(f"/sets/{target.bench_set_id}/flashcards", None)] * (n + 5)),
        "start": (
            "POST",
            [(f"/sets/{target.seed_set_id}/attempts", [("mode", "practice"), ("csrf_token", csrf)])]
            * (n + 5),
        ),
        "result": ("GET", [(f"/attempts/{finished}/result", None)] * (n + 5)),
    }
    if args.callgrind:
        queues = {name: environs(client, method, paths) for name, (method, paths) in plans.items()}
        queues = {name: (client, queue) for name, queue in queues.items()}
        queues["ceiling"] = ceiling(target.url, n)
        for name in [args.profile] if args.profile else ENDPOINTS:
            count_instructions(name, *queues[name])
        return 0
    if args.profile:
        if args.profile == "ceiling":
            measure_ceiling(target.url, n, args)
        else:
            method, paths = plans[args.profile]
            measure(client, environs(client, method, paths), args)
        return 0
    # Interleaved rounds, best round per endpoint: a shared VM's speed drifts by 2x within
    # a minute, and the best round is the one least disturbed by its neighbours.
    queues = {name: environs(client, method, paths) for name, (method, paths) in plans.items()}
    ceiling_client, ceiling_queue = ceiling(target.url, n)
    results: dict[str, float] = dict.fromkeys([*plans, "ceiling"], float("inf"))
    size = max(1, n // args.rounds)
    for start in range(0, n, size):
        for name, queue in queues.items():
            results[name] = min(results[name], measure(client, queue[start : start + size]))
        results["ceiling"] = min(
            results["ceiling"], measure(ceiling_client, ceiling_queue[start : start + size])
        )
    print(f"\nCPU per request, in-process ({target.kind}, {n} requests each):")
    for name, ms in results.items():
        print(f"  {name:9} {ms:6.2f} ms  ceiling is {results['ceiling'] / ms:4.0%} of this")
    return 0


def measure(client: Client, prepared: list[dict], args: argparse.Namespace | None = None) -> float:
    """CPU milliseconds per request over ``prepared`` (cProfile printed when ``args``)."""
    profiler = cProfile.Profile() if args else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for environ in prepared:
        status, body, _ = client.run(environ)
        if status[0] not in "23":
            print(status, body[:300], file=sys.stderr)
            raise SystemExit(1)
    if profiler:
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        print(by_package(stats))
        if args.dump:
            stats.dump_stats(args.dump)
    return (time.process_time() - started) * 1000 / max(1, len(prepared))


def count_instructions(name: str, client: Client, prepared: list[dict]) -> None:
    """Run ``prepared`` with callgrind's instrumentation on, then dump the counts as
    ``callgrind.out.<pid>.<n>`` (trigger ``name``); instructions.py reads them."""
    warm_up, counted = prepared[:20], prepared[20:]

    def callgrind(*options: str) -> None:
        subprocess.run(["callgrind_control", *options, str(os.getpid())], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    for environ in warm_up:
        client.run(environ)
    callgrind("--zero")
    callgrind("--instr=on")
    for environ in counted:
        status, body, _ = client.run(environ)
        if status[0] not in "23":
            print(status, body[:300], file=sys.stderr)
            raise SystemExit(1)
    callgrind("--instr=off")
    callgrind(f"--dump={name} {len(counted)}")


def by_package(stats: pstats.Stats) -> str:
    """Own time (tottime) summed by top-level package: where the CPU goes, at a glance."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif "/quizapp/" in filename:
            package = "quizapp"
        elif filename.startswith("~") or filename.startswith("<"):
            package = "builtins (C)"
        else:
            package = "stdlib"
        totals[package] = totals.get(package, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    rows = sorted(totals.items(), key=lambda kv: -kv[1])
    return "own time by package:\n" + "\n".join(
        f"  {name:24} {seconds / whole:6.1%}" for name, seconds in rows if seconds / whole >= 0.005
    )


def ceiling(url: str, n: int) -> tuple[Client, list[dict]]:
    import ceiling_app

    ceiling_app.create_tables(url)
    client = Client(ceiling_app.create_app().wsgi_app)
    posts = [(f"/answer/{1 + i % 100}", [("user_id", "1"), ("answer", "x")]) for i in range(n)]
    return client, environs(client, "POST", posts)


def measure_ceiling(url: str, n: int, args: argparse.Namespace) -> float:
    client, queue = ceiling(url, n)
    return measure(client, queue, args)


if __name__ == "__main__":
    raise SystemExit(main())
