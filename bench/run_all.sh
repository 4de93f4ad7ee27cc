#!/usr/bin/env bash
# Run every benchmark of bench/ one after the other with the settings used for the table in
# bench/README.md, and keep each one's output in OUT (default: a new folder under /tmp).
#   bash bench/run_all.sh [OUT]        FULL=1 for the issue's 10-minute think-time run
# Needs the PostgreSQL server of DATABASE/BENCH_PG_ADMIN_URL (see benchlib.py); restarts it
# once (faults.py). Each benchmark waits for a quiet machine first (BENCH_QUIET_WAIT seconds).
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
OUT=${1:-$(mktemp -d /tmp/quizapp-bench-XXXXXX)}
mkdir -p "$OUT"
THINK=60
if [ "${FULL:-0}" = 1 ]; then THINK=600; fi

run() {
    local name=$1
    shift
    echo "=== $name: $*"
    "$@" >"$OUT/$name.log" 2>&1
    local status=$?
    echo "exit status $status" >>"$OUT/$name.log"
    tail -n 25 "$OUT/$name.log"
}

run build_seed "$PYTHON" bench/bench_build_seed.py 200
run gift_parse "$PYTHON" bench/bench_gift_import.py
run cli_import "$PYTHON" bench/bench_cli_import.py --db both
run page_weight "$PYTHON" bench/page_weight.py --json "$OUT/page_weight.json"
run next_due "$PYTHON" bench/next_due.py --db both --json "$OUT/next_due.json"
run load "$PYTHON" bench/load.py --db both --ceiling --think-duration "$THINK" \
    --workdir "$OUT/load" --json "$OUT/load.json"
run soak "$PYTHON" bench/soak.py --workdir "$OUT/soak" --json "$OUT/soak.json"
run faults "$PYTHON" bench/faults.py --workdir "$OUT/faults" --json "$OUT/faults.json"
echo "logs and JSON results in $OUT"
