#!/usr/bin/env bash
# Golden tests for `streamq check`:
#   valid/*.sql   must pass check (exit 0);
#   ast/*.sql     `check --ast` output must equal the .ast file beside it;
#   errors/*.sql  must fail (exit 1) with stderr equal to the .err file.
# Usage: run_golden.sh STREAMQ GOLDEN_DIR [--update]
# --update rewrites the expected files from the current output; review the
# diff before committing it.
set -u
streamq=$1 dir=$2 update=${3:-}
cd "$dir" || exit 2
failures=0 checked=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for f in valid/*.sql; do
  checked=$((checked + 1))
  out=$("$streamq" check "$f" 2>&1) || fail "$f should be valid:"$'\n'"$out"
done

for f in ast/*.sql; do
  checked=$((checked + 1))
  expected=${f%.sql}.ast
  actual=$("$streamq" check --ast "$f" 2>/dev/null)
  if [ "$update" = --update ]; then printf '%s\n' "$actual" >"$expected"; continue; fi
  diff -u "$expected" <(printf '%s\n' "$actual") >/dev/null || { fail "$f"; diff -u "$expected" <(printf '%s\n' "$actual") | head -40; }
done

for f in errors/*.sql; do
  checked=$((checked + 1))
  expected=${f%.sql}.err
  actual=$("$streamq" check "$f" 2>&1 >/dev/null)
  status=$?
  if [ "$update" = --update ]; then printf '%s\n' "$actual" >"$expected"; continue; fi
  [ $status -eq 1 ] || fail "$f: exit status $status, expected 1"
  diff -u "$expected" <(printf '%s\n' "$actual") >/dev/null || { fail "$f"; diff -u "$expected" <(printf '%s\n' "$actual") | head -40; }
done

echo "$checked golden files, $failures failures"
[ $failures -eq 0 ]
