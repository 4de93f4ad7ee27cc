"""Page weight: every page of the learner's flow must transfer at most 100 KB (HTML + CSS +
JS + images, uncompressed, each asset counted on every page as if nothing were cached).

Prepares a fresh SQLite database (`flask setup`, one learner, the 3,000-card benchmark set
and, unless --big-set 0, a --big-set-question GIFT bank imported and published through
`flask import-bank`), starts gunicorn, and walks the learner's pages: sign-in and register,
home, set page, article, flashcards, Study now, cram, match, every question type before and
after answering (practice) and in test mode, the result page, progress dashboard, account,
classes, join - then the same for the big sets. Each page's HTML is fetched with
Accept-Encoding: identity and every stylesheet, script and image it references (and CSS
url()/@import) is added. Limit: 100 KB = 100,000 bytes. Exit status 1 if a page is heavier.

Run: python bench/page_weight.py [--big-set 1000] [--limit 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import benchlib as bl
from bench_gift_import import make_gift

ASSET = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src|img[^>]*src)="([^"]+)"')
IDENTITY = {"Accept-Encoding": "identity"}  # weigh what the server sends, uncompressed
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


@dataclass
class Weight:
    page: str
    url: str
    status: int
    html: int
    css: int
    js: int
    other: int
    ms: float = 0.0  # the HTML response's time (server + local network)

    @property
    def total(self) -> int:
        return self.html + self.css + self.js + self.other


class Walker:
    def __init__(self, learner: bl.Learner) -> None:
        self.learner = learner
        self.assets: dict[str, bytes] = {}
        self.weights: list[Weight] = []

    async def asset(self, url: str) -> bytes:
        if url not in self.assets:
            response = await self.learner.fetch("GET", url, headers=IDENTITY)
            self.assets[url] = response.content
            if url.endswith(".css"):
                for ref in CSS_URL.findall(response.text):
                    if not ref.startswith("data:"):
                        self.assets[url] += await self.asset(urljoin(url, ref))
        return self.assets[url]

    async def measure(self, name: str, url: str, html: bytes, status: int) -> Weight:
        css = js = other = 0
        for ref in dict.fromkeys(ASSET.findall(html.decode(errors="replace"))):
            if ref.startswith(("http:", "https:", "//", "data:")):
                continue
            body = await self.asset(urljoin(url, ref))
            if ref.split("?")[0].endswith(".css"):
                css += len(body)
            elif ref.split("?")[0].endswith(".js"):
                js += len(body)
            else:
                other += len(body)
        weight = Weight(name, url, status, len(html), css, js, other)
        self.weights.append(weight)
        return weight

    async def page(self, name: str, url: str) -> str:
        """GET a page (following redirects) and weigh it; returns its HTML."""
        for _ in range(5):
            began = time.perf_counter()
            response = await self.learner.fetch("GET", url, headers=IDENTITY)
            elapsed = (time.perf_counter() - began) * 1000
            if response.is_redirect:
                url = response.headers["location"]
                continue
            break
        if token := bl.CSRF.search(response.text):
            self.learner.csrf = token.group(1)
        weight = await self.measure(name, url, response.content, response.status_code)
        weight.ms = elapsed
        return response.text

    async def post(self, url: str, data: list[tuple[str, str]] | dict[str, str]) -> str:
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        response = await self.learner.fetch(
            "POST", url, [*fields, ("csrf_token", self.learner.csrf)]
        )
        return response.headers.get("location", url)


async def quiz(walker: Walker, set_id: int, label: str, mode: str, limit: int | None) -> None:
    """Start an attempt; weigh each question type before and after answering; the result."""
    location = await walker.post(f"/sets/{set_id}/attempts", {"mode": mode})
    attempt = re.search(r"/attempts/(\d+)", location)
    if attempt is None:
        return
    attempt_id = int(attempt.group(1))
    url = f"/attempts/{attempt_id}"
    answered = 0
    while url and (limit is None or answered < limit):
        html = await walker.page(f"{label} question", url)
        kind = re.search(r'<p class="type">([^<]*)</p>', html)
        filled = bl.parse_answer_form(html, walker.learner.rng)
        if kind is None or filled is None:
            walker.weights.pop()  # the result page, reached through "See your score"
            break
        kind_name = kind.group(1)
        walker.weights[-1].page = f"{label} {mode} question: {kind_name}"
        fields = filled[0]
        if kind_name == "Numerical":
            fields = [(n, "1" if v == "benchmark answer" else v) for n, v in fields]
        feedback_url = await walker.post(walker.weights[-1].url, fields)
        answered += 1
        if mode == "practice":
            html = await walker.page(f"{label} practice feedback: {kind_name}", feedback_url)
            link = bl.NEXT_LINK.search(html)
            url = link.group(1) if link else ""
        else:
            url = f"/attempts/{attempt_id}"
    await walker.post(f"/attempts/{attempt_id}/finish", {})
    await walker.page(f"{label} {mode} result ({answered} answered)",
                      f"/attempts/{attempt_id}/result")  # fmt: skip


async def walk(target: bl.Target, server: bl.Gunicorn, big_set_id: int | None) -> Walker:
    name = sorted(target.users)[0]
    learner = bl.Learner(server.url, name, target.users[name], bl.Stats(), bl.Ledger(),
                         bl.Behaviour(), seed=1)  # fmt: skip
    walker = Walker(learner)
    seed, cards = target.seed_set_id, target.bench_set_id
    await walker.page("sign in", "/auth/login")
    await walker.page("register", "/auth/register")
    await walker.page("home (signed out)", "/")
    if not await learner.login():
        raise SystemExit("could not sign in")
    await walker.page("home", "/")
    await walker.page("set page", f"/sets/{seed}")
    await walker.page("article", f"/sets/{seed}/article")
    await walker.page("article, passage highlighted", f"/sets/{seed}/article?start=100&end=300")
    html = await walker.page("flashcards", f"/sets/{seed}/flashcards")
    for _ in range(5):  # rate a few cards so the later pages have history
        form, reps = bl.CARD_FORM.search(html), bl.REPS.search(html)
        if not form or not reps:
            break
        await walker.post(form.group(1), {"rating": "3", "reps": reps.group(1)})
        html = await walker.page("flashcards", f"/sets/{seed}/flashcards")
    await walker.page("study now", "/study")
    await walker.page("cram", f"/sets/{seed}/cram")
    await walker.page("match", f"/sets/{seed}/match")
    await quiz(walker, seed, "seed set", "practice", None)
    await quiz(walker, seed, "seed set", "test", 3)
    await walker.page("progress dashboard", "/me/progress")
    await walker.page("account", "/auth/account")
    await walker.page("my classes", "/me/classes")
    await walker.page("join a class", "/join")
    await walker.page("3,000-card set: set page", f"/sets/{cards}")
    await walker.page("3,000-card set: flashcards", f"/sets/{cards}/flashcards")
    await walker.page("3,000-card set: cram", f"/sets/{cards}/cram")
    await walker.page("3,000-card set: match", f"/sets/{cards}/match")
    if big_set_id:
        await walker.page("big bank set: set page", f"/sets/{big_set_id}")
        await quiz(walker, big_set_id, "big bank", "practice", 16)
    await learner.close()
    return walker


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=100_000, help="bytes per page")
    parser.add_argument(
        "--big-set",
        type=int,
        default=1000,
        help="questions in the imported GIFT bank set (0: none)",
    )
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizapp-weight-"))
    target = bl.prepare("sqlite", workdir, learners=1)
    big_set_id = None
    if args.big_set:
        bank = workdir / "bank.gift"
        bank.write_bytes(make_gift(args.big_set))
        out = bl.flask_cli(
            target,
            "import-bank",
            str(bank),
            "--set",
            f"Big bank ({args.big_set} questions)",
            "--yes",
            "--publish",
        )
        match = re.search(r"into set (\d+)", out)
        big_set_id = int(match.group(1)) if match else None
    server = bl.Gunicorn("quizapp:create_app()", target.env(), workers=1, logdir=workdir,
                         name="weight").start()  # fmt: skip
    try:
        walker = asyncio.run(walk(target, server, big_set_id))
    finally:
        server.stop()
    # One line per kind of page: the heaviest of its visits.
    pages: dict[str, tuple[Weight, int]] = {}
    for w in walker.weights:
        best, count = pages.get(w.page, (w, 0))
        pages[w.page] = (w if w.total >= best.total else best, count + 1)
    print(f"\n  {'page (heaviest visit)':<52} {'visits':>6} {'status':>6} {'HTML':>8} {'CSS':>6} "
          f"{'JS':>6} {'other':>5} {'total':>8} {'ms':>6}")  # fmt: skip
    heaviest = 0
    for name, (w, count) in pages.items():
        flag = "" if w.total <= args.limit else "  <-- over the limit"
        print(f"  {name[:52]:<52} {count:>6} {w.status:>6} {w.html:>8,} {w.css:>6,} {w.js:>6,} "
              f"{w.other:>5,} {w.total:>8,} {w.ms:>6.0f}{flag}")  # fmt: skip
        heaviest = max(heaviest, w.total)
    bad = [w for w in walker.weights if w.total > args.limit]
    errors = [w for w in walker.weights if w.status >= 400]
    print(f"\n{len(walker.weights)} page views; heaviest {heaviest:,} bytes; limit {args.limit:,} "
          f"bytes: {bl.check(not bad)}" + (f"; {len(errors)} page(s) answered >= 400" if errors
                                           else ""))  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps([w.__dict__ | {"total": w.total}
                                         for w in walker.weights], indent=2))  # fmt: skip
    return 0 if not bad and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
