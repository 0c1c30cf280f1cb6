#!/usr/bin/env bash
# A file source decodes its next batch on a second thread while the engine
# runs the current one (runtime/connectors/file/source.c); what it decoded
# ahead must never reach a checkpoint. Files well above the read-ahead
# threshold (256 KiB), JSON lines with bad records sent to a dead-letter
# file and a CSV file with a header (a restart reads the header, then
# seeks), are read by a pipeline killed -9 at random moments with
# checkpoints every 20 ms: every output must equal an uninterrupted run's,
# byte for byte (the dead letters as a set: they are written at least
# once). A checkpoint recording a position read ahead loses rows.
# Usage: test_read_ahead.sh STREAMQ GEN_EVENTS
set -u
streamq=$(realpath "$1") gen=$(realpath "$2") here=$(dirname "$(realpath "$0")")
. "$here/kill_lib.sh"

# every 700th line cut short (bad JSON), every 1100th without its event time
"$gen" 250000 50 7 | awk 'NR % 700 == 0 { print substr($0, 1, 20); next }
  NR % 1100 == 0 { sub(/"ts":[0-9]+/, "\"ts\":null") } { print }' > ev.jsonl
cat > csv.sql <<'SQL'
CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'ev.jsonl', on_error = 'skip');
CREATE SINK c WITH (connector = 'file', path = 'ev.csv', format = 'csv');
INSERT INTO c SELECT * FROM ev;
SQL
"$streamq" run --quiet --state-dir csv.state csv.sql || fail "writing the CSV input failed"
rm -rf csv.state
[ "$(stat -c %s ev.jsonl)" -gt 4000000 ] && [ "$(stat -c %s ev.csv)" -gt 2000000 ] || fail "the inputs are too small to read ahead"

cat > p.sql <<'SQL'
CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = 'ev.jsonl', timestamp = 'ts', watermark_delay = '2 seconds',
        on_error = 'dlq', dlq_path = 'dead.jsonl');
CREATE SOURCE cv (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = 'ev.csv', format = 'csv', timestamp = 'ts', watermark_delay = '2 seconds',
        on_error = 'skip');
CREATE SINK rows WITH (connector = 'file', path = 'rows.jsonl');
CREATE SINK crows WITH (connector = 'file', path = 'crows.jsonl');
CREATE SINK agg WITH (connector = 'file', path = 'agg.jsonl');
INSERT INTO rows SELECT k, v, ts FROM ev;
INSERT INTO crows SELECT k, d, ts FROM cv;
INSERT INTO agg SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS hi
  FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
started=$(date +%s%N)
"$streamq" run --quiet --state-dir ref.state p.sql 2> run.log || fail "the uninterrupted run failed: $(tail -2 run.log)"
ref_ms=$((($(date +%s%N) - started) / 1000000))
echo "     (uninterrupted run: $ref_ms ms)"
mkdir ref && mv rows.jsonl crows.jsonl agg.jsonl dead.jsonl ref/
[ "$(wc -l < ref/rows.jsonl)" -gt 240000 ] && [ "$(wc -l < ref/crows.jsonl)" -gt 240000 ] ||
  fail "the uninterrupted run read too little"
[ "$(wc -l < ref/dead.jsonl)" -eq $((250000 / 700 + 250000 / 1100 - 250000 / 7700)) ] ||
  fail "the uninterrupted run dead-lettered $(wc -l < ref/dead.jsonl) records"

same_all() { # same_all NAME: every output against the uninterrupted run's
  same_output "$1" ref rows.jsonl crows.jsonl agg.jsonl
  cmp -s <(sort -u dead.jsonl) <(sort -u ref/dead.jsonl) && ok "$1: the same dead letters" || fail "$1: the dead letters differ"
}

# 1. Death right after the 1st to 3rd checkpoint of a run (so a restart
#    starts mid-file, from a checkpoint taken with the next batch decoded
#    ahead), 12 times at most, then a run to the end.
rm -rf point.state rows.jsonl crows.jsonl agg.jsonl dead.jsonl
deaths=0 status=1
while [ $deaths -lt 12 ] && [ $status -ne 0 ]; do
  STREAMQ_CRASH_POINT=checkpoint-written:$((RANDOM % 3 + 1)) "$streamq" run --quiet --state-dir point.state \
    --checkpoint-interval 20ms p.sql 2>> point.log
  status=$?
  [ $status -eq 0 ] || [ $status -eq 137 ] || { fail "a restart after a checkpoint failed with $status: $(tail -2 point.log)"; break; }
  [ $status -eq 137 ] && deaths=$((deaths + 1))
done
[ $status -eq 137 ] && { "$streamq" run --quiet --state-dir point.state p.sql 2>> point.log || fail "the last run failed: $(tail -2 point.log)"; }
[ $deaths -ge 3 ] || fail "only $deaths runs died after a checkpoint"
same_all "read-ahead, killed after checkpoints ($deaths deaths)"

# 2. kill -9 at random moments.
rm -rf crash.state rows.jsonl crows.jsonl agg.jsonl dead.jsonl
crash_loop "read-ahead" 3 --state-dir crash.state --checkpoint-interval 20ms p.sql
same_all "read-ahead, kill -9 at random"

echo "$kills kills in all"
[ $failures -eq 0 ] && echo "all read-ahead recovery tests passed" || echo "$failures failures"
exit $((failures > 0))
