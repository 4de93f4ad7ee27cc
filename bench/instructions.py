"""Instructions per request, counted by valgrind: the same number on a busy or a quiet VM.

This VM's speed drifts by up to 2x within minutes, so timings of one change against
another need many interleaved rounds and still disagree by 10 %. Instructions do not
drift: callgrind counts what the interpreter executes for each request of
profile_requests.py (the same endpoints, the same prepared database), and a change that
saves 3 % shows as 3 %, run after run. Instructions are not time (a cache miss or a
system call costs more than its count), so capacity and latency still come from load.py;
this is for deciding whether a change helped.

    python bench/instructions.py                  # every endpoint, 60 requests each
    python bench/instructions.py --profile review --requests 100

Needs valgrind (Debian's package). Runs about 20 s per endpoint; the database is SQLite
unless --db postgresql. PYTHONHASHSEED is fixed so that set and dict layouts repeat.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ENDPOINTS = ("answer", "review", "card", "question", "start", "result", "ceiling")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", choices=ENDPOINTS, help="one endpoint (default: all)")
    parser.add_argument("--requests", type=int, default=60, help="counted per endpoint")
    args = parser.parse_args()
    outdir = Path(tempfile.mkdtemp(prefix="quizapp-callgrind-"))
    command = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", "-q",
        f"--callgrind-out-file={outdir}/callgrind.out.%p",
        sys.executable, str(BENCH / "profile_requests.py"), "--callgrind", "--db", args.db,
        "--requests", str(args.requests + 15),  # profile_requests prepares n + 5
    ]  # fmt: skip
    if args.profile:
        command += ["--profile", args.profile]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    counts = read_dumps(outdir)
    print(f"instructions per request ({args.db}, {args.requests} requests each, callgrind):")
    ceiling = counts.get("ceiling")
    for name, per_request in counts.items():
        share = f"  ceiling is {ceiling / per_request:4.0%} of this" if ceiling else ""
        print(f"  {name:9} {per_request / 1e6:7.3f} M{share}")
    return 0


def read_dumps(outdir: Path) -> dict[str, float]:
    """{endpoint: instructions per request} from the dumps count_instructions made."""
    counts: dict[str, float] = {}
    for dump in sorted(outdir.glob("callgrind.out.*.*")):
        text = dump.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: dump (\S+) (\d+)$", text, re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if trigger and total:
            counts[trigger.group(1)] = int(total.group(1)) / int(trigger.group(2))
    return counts


if __name__ == "__main__":
    raise SystemExit(main())
