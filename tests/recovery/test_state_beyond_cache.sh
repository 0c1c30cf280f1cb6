#!/usr/bin/env bash
# State far larger than the cache: 5M distinct keys (10M records) in one
# day-long window, through a 64 MiB cache over LevelDB; closing the window
# reads all 5M groups back from disk and removes them. The results must be
# exact (each key seen twice: counts and sums are known in closed form)
# and peak memory must stay within the cache plus a fixed allowance.
# Usage: test_state_beyond_cache.sh STREAMQ
set -u
streamq=$(realpath "$1")
dir=$(mktemp -d)
cd "$dir" || exit 1
trap 'cd / && rm -rf "$dir"' EXIT
cat > big.sql <<'SQL'
SET 'state.cache.bytes' = '67108864';
CREATE SOURCE seqs (seq BIGINT, ts TIMESTAMP) WITH (connector = 'datagen', kind = 'sequence', count = 10000000, timestamp = 'ts');
CREATE STREAM pairs AS SELECT seq % 5000000 AS key, COUNT(*) AS n, SUM(seq) AS s FROM seqs
  WINDOW TUMBLING (SIZE 1 DAY) GROUP BY seq % 5000000;
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT COUNT(*) AS keys, SUM(n) AS rows_in, MIN(n) AS lo, MAX(n) AS hi, SUM(s) AS total FROM pairs
  WINDOW TUMBLING (SIZE 1 DAY);
SQL
/usr/bin/time -f "%M" -o rss "$streamq" run --quiet big.sql || { echo "FAIL: run failed"; exit 1; }
expected='{"keys":5000000,"rows_in":10000000,"lo":2,"hi":2,"total":49999995000000}'
failures=0
[ "$(cat out.jsonl)" = "$expected" ] && echo "ok   5M keys through a 64 MiB cache: exact results" || { echo "FAIL: got $(cat out.jsonl)"; failures=1; }
peak_kb=$(tail -1 rss)
# allowance: LevelDB's memtables, block cache and filters, allocator slack
[ "$peak_kb" -lt $(( (64 + 192) * 1024 )) ] && echo "ok   peak RSS $((peak_kb / 1024)) MiB (cache 64 MiB)" \
  || { echo "FAIL: peak RSS $((peak_kb / 1024)) MiB with a 64 MiB cache"; failures=1; }
exit $failures
