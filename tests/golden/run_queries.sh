#!/usr/bin/env bash
# Golden tests of the reference pipelines: every queries/**/NAME.sql runs
# and its standard output must equal NAME.expected beside it.
# Usage: run_queries.sh STREAMQ QUERIES_DIR [--update]
set -u
streamq=$1 dir=$2 update=${3:-}
failures=0 checked=0
while IFS= read -r sql; do
  expected=${sql%.sql}.expected
  checked=$((checked + 1))
  actual=$("$streamq" run --quiet "$sql") || { echo "FAIL: $sql: exit status $?"; failures=$((failures + 1)); continue; }
  if [ "$update" = --update ]; then printf '%s\n' "$actual" > "$expected"; continue; fi
  if ! diff -u "$expected" <(printf '%s\n' "$actual") > /dev/null; then
    echo "FAIL: $sql"
    diff -u "$expected" <(printf '%s\n' "$actual") | head -20
    failures=$((failures + 1))
  fi
done < <(find "$dir" -name '*.sql' | sort)
echo "$checked reference pipelines, $failures failures"
[ $failures -eq 0 ]
