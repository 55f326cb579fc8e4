#!/usr/bin/env bash
# Runs every fuzz target in turn, niced, for SECONDS each (default 900),
# keeping new inputs in WORK (default /tmp/shoplab-fuzz) and crashes in
# fuzz/artifacts/. Usage: fuzz/run-all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")"
secs=${1:-900}
shift || true
targets=${*:-generic datasets detect values}
work=${WORK:-/tmp/shoplab-fuzz}
for t in $targets; do
  mkdir -p "$work/$t" "artifacts/$t"
  echo "== $t: $secs s, started $(date -u +%H:%M:%S)"
  nice -n 19 cargo +nightly fuzz run -s none -a "$t" "$work/$t" "corpus/$t" -- \
    -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -print_final_stats=1 > "$work/$t.log" 2>&1
  echo "== $t: exit $?, ended $(date -u +%H:%M:%S)"
  grep -E "^#[0-9]+.*(DONE|INITED)|stat::|crash|Test unit written" "$work/$t.log" | tail -5
done
