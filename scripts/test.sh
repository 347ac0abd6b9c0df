#!/usr/bin/env bash
# The README's test command: prepares what is missing, runs the checks and the Jest suite against a real
# Temporal dev server and PostgreSQL (DATABASE_URL when set, embedded-postgres otherwise), and ends with
# the line "N passed, N failed" computed from Jest's JSON results. Extra arguments go to Jest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

mkdir -p test-results
results="test-results/jest-$(date +%s%N).json"
if [ "$#" -eq 0 ]; then
  echo "[test] typecheck and lint" >&2
  npm run --silent check >&2 || { echo "0 passed, 1 failed"; exit 1; }
fi
npx jest --ci --json --outputFile="$results" "$@" >&2
jest_status=$?
node scripts/summarize-jest.js "$results"
summary_status=$?
[ "$jest_status" -eq 0 ] && [ "$summary_status" -eq 0 ]
