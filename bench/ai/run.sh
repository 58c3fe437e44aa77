#!/usr/bin/env bash
# Quality and speed of the built-in AI engine on the shared datasets, by 5-fold
# stratified cross-validation inside each dev.csv: the classifier (bitext-cs
# intents and categories, banking77, clinc150 with out-of-scope), sentiment
# (uci-sentiment, learned part retrained per fold) and retrieval (bitext-cs).
#
#   bench/ai/run.sh                     # build release, run every evaluation
#   ONLY=banking77 bench/ai/run.sh      # one evaluation (file name stem below)
#   SKIP_BUILD=1 bench/ai/run.sh        # measure the binary already built
#
# Writes bench/ai/results/<name>.json (one JSON object each, as printed by
# `autocrm eval …`) and bench/ai/results/machine.txt. Datasets come from
# ../shared/datasets (override with DATASETS=…); they are never copied here.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target}
DATASETS=${DATASETS:-../shared/datasets}
FOLDS=${FOLDS:-5}
OUT=bench/ai/results
BIN=$CARGO_TARGET_DIR/release/autocrm

if [ "${SKIP_BUILD:-0}" != 1 ]; then cargo build --release -p autocrm; fi
mkdir -p "$OUT"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (with uncommitted changes)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | grep 'Model name' | sed 's/.*: *//')"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
} > "$OUT/machine.txt"

# name | dataset file | text column | label column | extra flags
EVALS="bitext-intent|bitext-cs/dev.csv|instruction|intent|
bitext-category|bitext-cs/dev.csv|instruction|category|
banking77|banking77/dev.csv|text|label|
clinc150-oos|clinc150/dev.csv|text|intent|--oos-label oos"

while IFS='|' read -r name file text label extra; do
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then continue; fi
  echo "== $name" >&2
  # One thread: the latency figure is per message on one core.
  # shellcheck disable=SC2086
  "$BIN" eval classify --data "$DATASETS/$file" --folds "$FOLDS" --text "$text" --label "$label" $extra \
    > "$OUT/$name.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: v for k, v in d.items() if k != "per_fold"})' \
    "$OUT/$name.json" >&2
done <<< "$EVALS"

run_other() { # name, then the `autocrm eval` arguments
  local name=$1
  shift
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then return; fi
  echo "== $name" >&2
  "$BIN" eval "$@" > "$OUT/$name.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: v for k, v in d.items() if k not in ("per_fold", "per_source")})' \
    "$OUT/$name.json" >&2
}
# Cross-validated (honest) and the shipped model as it is (trained on this very file).
run_other sentiment-cv sentiment --data "$DATASETS/uci-sentiment/dev.csv" --folds "$FOLDS" --text text --label label
run_other sentiment-shipped sentiment --test "$DATASETS/uci-sentiment/dev.csv" --text text --label label
run_other retrieve-bitext retrieve --data "$DATASETS/bitext-cs/dev.csv" --text instruction --label intent \
  --reply response --k 5 --folds "$FOLDS"
