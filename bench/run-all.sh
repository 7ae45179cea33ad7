#!/usr/bin/env bash
# Runs every benchmark (each writes bench/<area>/RESULTS.md), then rebuilds BENCHMARKS.md from those files.
set -euo pipefail
cd "$(dirname "$0")/.."
for area in linalg data empirical analytic fast analysis predict train; do
  [[ -f bench/$area/run.ts ]] || continue
  echo "== bench/$area" >&2
  npx tsx "bench/$area/run.ts"
done
node bench/collect.mjs
