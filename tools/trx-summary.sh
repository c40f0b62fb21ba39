#!/usr/bin/env bash
# Sums the <Counters> of every .trx file under a folder into one line: "N passed, N failed[, N skipped]".
# Usage: tools/trx-summary.sh TestResults
set -euo pipefail
folder=${1:-TestResults}
passed=0 failed=0 skipped=0
shopt -s nullglob globstar
for file in "$folder"/**/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$file" | head -n 1)
  value() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value total) - $(value executed)))
done
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
