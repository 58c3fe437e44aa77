#!/usr/bin/env bash
# The whole benchmark matrix: {10k,100k,500k} tickets × {SQLite, PostgreSQL}.
#
#   bench/run.sh                       # everything, fresh databases
#   SIZES="10000" BACKENDS=sqlite bench/run.sh
#   RESEED=0 bench/run.sh              # reuse databases seeded by an earlier run
#
# Writes bench/results/<date>/<backend>_<tickets>.json, machine.txt and
# bench/results/<date>.md. Needs wrk (apt-get install wrk) and, for the
# PostgreSQL cells, a server where BENCH_PG may CREATE DATABASE.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target}
SIZES=${SIZES:-"10000 100000 500000"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
WORK=${BENCH_WORK:-/tmp/autocrm-bench}
RESEED=${RESEED:-1}
DATE=${BENCH_DATE:-$(date -u +%Y-%m-%d)}
OUT=bench/results/$DATE
BIN=$CARGO_TARGET_DIR/release

# SKIP_BUILD=1 measures the binaries already in $BIN (say so in the results).
if [ "${SKIP_BUILD:-0}" != 1 ]; then cargo build --release -p autocrm -p autocrm-bench; fi
mkdir -p "$OUT" "$WORK"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates bench || echo ' (with uncommitted changes)')"
  echo "binary: $("$BIN/autocrm" --version), built $(date -u -r "$BIN/autocrm" +%FT%TZ)"
  echo "kernel: $(uname -sr)"
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|CPU max MHz|Hypervisor vendor)' || true
  free -m | head -2
  echo "rustc: $(rustc --version)"
  echo "sqlite (bundled by libsqlite3-sys): $(grep -A1 '^name = "libsqlite3-sys"' Cargo.lock | tail -1)"
  echo "postgres: $(psql "$PG/postgres" -XAtc 'select version()' 2>/dev/null || echo n/a)"
  echo "postgres settings: $(psql "$PG/postgres" -XAtc "select string_agg(name||'='||setting, ', ') from pg_settings where name in ('shared_buffers','synchronous_commit','fsync','max_connections','work_mem')" 2>/dev/null || echo n/a)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "load: $(cat /proc/loadavg)"
} > "$OUT/machine.txt"

for n in $SIZES; do
  for b in $BACKENDS; do
    info=$WORK/seed_${b}_$n.json
    if [ "$b" = sqlite ]; then
      db=$WORK/bench_$n.db
      url="sqlite://$db?mode=rwc"
      if [ "$RESEED" = 1 ] || [ ! -f "$info" ]; then rm -f "$db" "$db-wal" "$db-shm"; fi
    else
      url=$PG/bench_$n
      if [ "$RESEED" = 1 ] || [ ! -f "$info" ]; then
        psql "$PG/postgres" -Xqc "DROP DATABASE IF EXISTS bench_$n" -c "CREATE DATABASE bench_$n"
      fi
    fi
    if [ "$RESEED" = 1 ] || [ ! -f "$info" ]; then
      "$BIN/autocrm-bench" seed --database "$url" --tickets "$n" --out "$info"
    fi
    "$BIN/autocrm-bench" run --seed-info "$info" --out "$OUT/${b}_$n.json" --workdir "$WORK/run_${b}_$n" \
      --binary "$BIN/autocrm" --script bench/lua/bench.lua
  done
done

"$BIN/autocrm-bench" report "$OUT"/*.json --machine "$OUT/machine.txt" \
  --command "SIZES=\"$SIZES\" BACKENDS=\"$BACKENDS\" RESEED=$RESEED bench/run.sh" > "bench/results/$DATE.md"
echo "wrote bench/results/$DATE.md"
