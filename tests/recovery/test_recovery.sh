#!/usr/bin/env bash
# Exactly-once recovery: kill -9 streamq at random moments (and at chosen
# crash points), restart it on the same state directory until it is done,
# and the output must be byte-identical to an uninterrupted run. Also: a
# changed pipeline is refused, a damaged state directory is reported, a
# full disk stops the run and a restart with space completes exactly.
# Usage: test_recovery.sh STREAMQ GEN_EVENTS BROKER_HELPER
set -u
streamq=$(realpath "$1") gen=$(realpath "$2") helper=$(realpath "$3") here=$(dirname "$(realpath "$0")")
. "$here/kill_lib.sh"

# The file pipeline: windowed aggregation with every kind of accumulator
# (so each one's encoding is restored from disk) plus a stateless query.
"$gen" 300000 50 3 > events.jsonl
cat > p.sql <<'SQL'
CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = 'events.jsonl', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE SINK agg WITH (connector = 'file', path = 'agg.jsonl');
CREATE SINK big WITH (connector = 'file', path = 'big.csv', format = 'csv');
INSERT INTO agg SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s, MIN(k) AS lo, MAX(v) AS hi, AVG(d) AS a,
  STDDEV_SAMP(d) AS sd, EARLIEST(v) AS e, LATEST(k) AS l, COUNT(DISTINCT v) AS dv, APPROX_COUNT_DISTINCT(v) AS adv,
  APPROX_PERCENTILE(d, 0.5) AS med, TOPK(v, 3) AS top
  FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
INSERT INTO big SELECT k, v * 2 AS v2, ts FROM ev WHERE v > 500;
SQL
started=$(date +%s%N)
"$streamq" run --quiet --state-dir ref.state p.sql || fail "the uninterrupted run failed"
ref_ms=$((($(date +%s%N) - started) / 1000000))
mkdir ref && mv agg.jsonl big.csv ref/
[ "$(wc -l < ref/agg.jsonl)" -gt 10000 ] || fail "the reference run wrote too little"

# 1. kill -9 at random moments until the run completes.
crash_loop "file pipeline" 12 --state-dir crash.state --checkpoint-interval 50ms p.sql
same_output "file pipeline, kill -9 at random" ref agg.jsonl big.csv

# 2. Deterministic crash points: the run dies there; a restart completes.
#    checkpoint-writing: killed while the writer thread writes a checkpoint
#    the engine has gone on from; the restart is from the one before.
for point in checkpoint-written:3 checkpoint-writing:3 sink-write:4 window-emit:2500; do
  rm -rf point.state agg.jsonl big.csv
  STREAMQ_CRASH_POINT=$point "$streamq" run --quiet --state-dir point.state --checkpoint-interval 20ms p.sql 2> point.log
  status=$?
  [ $status -eq 137 ] || { fail "crash point $point: expected death by SIGKILL, got $status: $(tail -2 point.log)"; continue; }
  "$streamq" run --quiet --state-dir point.state p.sql 2> point.log || { fail "restart after $point: $(tail -2 point.log)"; continue; }
  same_output "crash point ${point%%:*}" ref agg.jsonl big.csv
done

# 2a. A tiny cache (64 KiB): entries are evicted and read back all the
#     time, checkpoints follow each other with one always being written,
#     and in-flight entries are copied when changed; kill -9 at random.
{ echo "SET 'state.cache.bytes' = '65536';"; cat p.sql; } > tiny.sql
rm -f agg.jsonl big.csv
crash_loop "file pipeline, 64 KiB cache" 6 --state-dir tiny.state --checkpoint-interval 50ms tiny.sql
same_output "file pipeline, 64 KiB cache, kill -9 at random" ref agg.jsonl big.csv

# 2b. Join state: a full outer interval join (rows of both sides wait in
#     state for their partner or their expiry), a lookup join in a table
#     (the table is state) and an aggregation over the join. Two inputs
#     interleave differently after a restart, so rows may come out in
#     another order: the outputs must be equal as multisets (no row lost,
#     none twice).
"$gen" 60000 300 21 > jl.jsonl
"$gen" 60000 300 22 > jr.jsonl
awk 'BEGIN { for (i = 0; i < 300; i += 2) printf "{\"k\":\"k%d\",\"tier\":%d}\n", i, i % 5 }' > tiers.jsonl
cat > j.sql <<'SQL'
CREATE SOURCE l (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'file', path = 'jl.jsonl', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE SOURCE r (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'file', path = 'jr.jsonl', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE TABLE tiers (k STRING PRIMARY KEY, tier BIGINT) WITH (connector = 'file', path = 'tiers.jsonl');
CREATE SINK pairs WITH (connector = 'file', path = 'pairs.jsonl');
CREATE SINK counts WITH (connector = 'file', path = 'counts.jsonl');
CREATE STREAM joined AS SELECT l.k AS lk, r.k AS rk, l.v AS lv, r.v AS rv, l.ts AS lts, r.ts AS rts
  FROM l FULL JOIN r WITHIN 2 SECONDS ON l.k = r.k AND l.v < r.v;
INSERT INTO pairs SELECT joined.*, tiers.tier FROM joined LEFT JOIN tiers ON tiers.k = joined.lk;
INSERT INTO counts SELECT lk, WINDOW_START AS ws, COUNT(*) AS n, SUM(rv) AS s FROM joined
  WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY lk;
SQL
started=$(date +%s%N)
"$streamq" run --quiet --state-dir jref.state j.sql || fail "the uninterrupted join run failed"
ref_ms=$((($(date +%s%N) - started) / 1000000))
mkdir jref && mv pairs.jsonl counts.jsonl jref/
[ "$(wc -l < jref/pairs.jsonl)" -gt 50000 ] && [ "$(grep -c '"rk":null' jref/pairs.jsonl)" -gt 1000 ] \
  && [ "$(grep -c '"lk":null' jref/pairs.jsonl)" -gt 1000 ] || fail "the join reference run wrote too little"
crash_loop "join pipeline" 8 --state-dir jcrash.state --checkpoint-interval 50ms j.sql
same_rows "join pipeline, kill -9 at random" jref pairs.jsonl counts.jsonl
# Restarts that checkpoint too (every 20 ms) and die at the 4th: a
# restored store reads the keys it misses from disk while checkpoints
# are being written (a join key's rows expired, created and expired again
# meanwhile once came back from disk and were emitted twice).
rm -f pairs.jsonl counts.jsonl
status=137 runs=0
while [ $status -eq 137 ] && [ $runs -lt 6 ]; do
  STREAMQ_CRASH_POINT=checkpoint-written:4 "$streamq" run --quiet --state-dir jpoint.state --checkpoint-interval 20ms j.sql 2> point.log
  status=$? runs=$((runs + 1))
done
[ $runs -gt 1 ] && { [ $status -eq 0 ] || [ $status -eq 137 ]; } \
  || fail "join crash point: expected death by SIGKILL, got $status in run $runs: $(tail -2 point.log)"
[ $status -eq 0 ] || "$streamq" run --quiet --state-dir jpoint.state j.sql 2> point.log || fail "restart of the join pipeline: $(tail -2 point.log)"
same_rows "join pipeline, $runs runs killed at crash point checkpoint-written" jref pairs.jsonl counts.jsonl

# 3. A pipeline whose stateful queries changed is refused; --reset-state
#    starts over deliberately.
rm -rf agg.jsonl big.csv
STREAMQ_CRASH_POINT=checkpoint-written:2 "$streamq" run --quiet --state-dir changed.state --checkpoint-interval 20ms p.sql 2> /dev/null
sed 's/SUM(v) AS s/SUM(v) + 1 AS s/' p.sql > p2.sql
mv p2.sql p.sql.new && cp p.sql p.sql.orig && mv p.sql.new p.sql
"$streamq" run --quiet --state-dir changed.state p.sql 2> changed.log
status=$?
[ $status -eq 2 ] && grep -q "the pipeline changed since checkpoint .*--reset-state.* operator #1 WindowAggregate: SELECT k,.*SUM(v) AS s" changed.log \
  && grep -q "now #1 WindowAggregate: .*SUM(v) + 1 AS s" changed.log \
  && ok "a changed query is refused, naming it" || fail "changed pipeline: status $status: $(cat changed.log)"
"$streamq" run --quiet --state-dir changed.state --reset-state p.sql 2> changed.log && [ "$(wc -l < agg.jsonl)" = "$(wc -l < ref/agg.jsonl)" ] \
  && ok "--reset-state starts over" || fail "--reset-state: $(cat changed.log)"
mv p.sql.orig p.sql

# 4. A damaged state directory is an error, never a silent fresh start.
damaged() { # damaged NAME DAMAGE_COMMAND PATTERN
  rm -rf dmg.state agg.jsonl big.csv
  STREAMQ_CRASH_POINT=checkpoint-written:3 "$streamq" run --quiet --state-dir dmg.state --checkpoint-interval 20ms p.sql 2> /dev/null
  (cd dmg.state && eval "$2")
  "$streamq" run --quiet --state-dir dmg.state p.sql 2> dmg.log
  local status=$?
  [ $status -eq 2 ] && grep -qi "$3" dmg.log && ok "$1 is reported: $(head -1 dmg.log)" || fail "$1: status $status: $(cat dmg.log)"
}
damaged "a garbled CURRENT file" 'echo garbage > CURRENT' "cannot open the state directory"
damaged "a missing manifest" 'rm -f MANIFEST-*' "cannot open the state directory"
damaged "a corrupted log" 'for f in *.log; do [ "$f" = LOG ] || printf "\xde\xad\xbe\xef%.0s" $(seq 64) | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null; done' "corrupt"
# a kill during the state directory's creation (before LevelDB wrote its
# CURRENT file) leaves only LevelDB's own files: the next run starts afresh
mkdir born.state && touch born.state/LOCK born.state/LOG born.state/000001.dbtmp && echo x > born.state/MANIFEST-000001
"$streamq" run --quiet --state-dir born.state p.sql 2> dmg.log && cmp -s agg.jsonl ref/agg.jsonl \
  && ok "a state directory whose creation was cut short starts afresh" || fail "interrupted creation: $(cat dmg.log)"
mkdir foreign.state && echo notes > foreign.state/notes.txt
"$streamq" run --quiet --state-dir foreign.state p.sql 2> dmg.log
[ $? -eq 2 ] && grep -q "is not a streamq state directory" dmg.log && ok "a foreign directory is refused" || fail "foreign dir: $(cat dmg.log)"

# 5. Disk full (a file size limit): exit 2, the last checkpoint stays
#    valid, and a restart with space completes exactly.
rm -rf full.state agg.jsonl big.csv
(ulimit -f 1024; exec "$streamq" run --quiet --state-dir full.state --checkpoint-interval 50ms p.sql) 2> full.log
status=$?
[ $status -eq 2 ] && grep -q "File too large" full.log && ok "a full disk stops the run: $(tail -1 full.log)" \
  || fail "disk full: status $status: $(cat full.log)"
"$streamq" run --quiet --state-dir full.state p.sql 2> full.log || fail "restart after disk full: $(cat full.log)"
same_output "restart after a full disk" ref agg.jsonl big.csv

# 6. Kafka source: kill -9 at random moments while it consumes a
#    4-partition topic; each restart seeks to the checkpointed offsets
#    (a fresh consumer group each time: positions never come from the group).
mkfifo ctl
"$helper" events:4 < ctl > bootstrap 2> broker.log &
pids+=("$!")
exec 3> ctl
for _ in $(seq 100); do [ -s bootstrap ] && break; sleep 0.1; done
bootstrap=$(head -1 bootstrap)
"$gen" 200000 30 5 > kev.jsonl
for p in 0 1 2 3; do
  awk -v p=$p 'NR % 4 == p' kev.jsonl > part$p
  echo '{"k":"__end","v":0,"d":0,"ts":1767230000000}' >> part$p
  kcat -b "$bootstrap" -P -t events -p $p -l part$p 2>/dev/null
done
kafka_sql() { # kafka_sql GROUP
  cat <<SQL
CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'events', group_id = '$1', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE SINK out WITH (connector = 'file', path = 'kagg.jsonl');
INSERT INTO out SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS hi, LATEST(v) AS l
  FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
}
settled() { # settled FILE: waits until FILE stops growing (and has lines)
  local last=-1 now
  for _ in $(seq 120); do
    now=$( [ -f "$1" ] && wc -l < "$1" || echo 0)
    [ "$now" -gt 0 ] && [ "$now" = "$last" ] && return 0
    last=$now; sleep 1
  done
  return 1
}
kafka_sql ref > k.sql
"$streamq" run --brokers "$bootstrap" --state-dir kref.state k.sql 2> kref.log &
pid=$!; pids+=("$pid")
settled kagg.jsonl || fail "kafka reference run: $(tail -3 kref.log)"
kill -TERM "$pid"; wait "$pid"
mkdir kref && mv kagg.jsonl kref/
n=0
for attempt in $(seq 40); do
  kafka_sql "crash-$attempt" > k.sql
  "$streamq" run --brokers "$bootstrap" --state-dir kcrash.state --checkpoint-interval 50ms k.sql 2> kcrash.log &
  pid=$!; pids+=("$pid")
  for _ in $(seq 200); do grep -q "partitions assigned" kcrash.log && break; sleep 0.05; done
  [ $n -ge 8 ] && break
  sleep "0.$(printf '%02d' $((RANDOM % 30)))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  n=$((n + 1))
done
settled kagg.jsonl || fail "kafka crash run: $(tail -3 kcrash.log)"
kill -TERM "$pid"; wait "$pid"
kills=$((kills + n))
echo "     (kafka pipeline: $n kills)"
same_output "kafka pipeline, kill -9 at random" kref kagg.jsonl
# 7. delivery = 'exactly_once': records go out in one transaction per
#    checkpoint with a progress record. A crash after the checkpoint is
#    durable but before its transaction: the restart sends that
#    checkpoint's records once. Commit errors injected at the broker
#    (EndTxn, API key 26) are retried (retriable) or abort the transaction,
#    whose records then go out with the next checkpoint. librdkafka 2.0.2's
#    mock broker shows aborted records to every reader, so where a
#    transaction aborts this checks that nothing is lost, not that nothing
#    is seen twice (that needs a real cluster's read_committed). Checkpoints
#    every 10 ms: the crash points need several within one run, however
#    fast the run.
eo_sql() { # eo_sql TOPIC
  cat <<SQL
CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = 'events.jsonl', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE SINK out WITH (connector = 'kafka', topic = '$1', delivery = 'exactly_once');
INSERT INTO out SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
}
records() { kcat -b "$bootstrap" -C -t "$1" -e -q 2>/dev/null | wc -l; }
distinct() { kcat -b "$bootstrap" -C -t "$1" -e -q 2>/dev/null | sort -u | wc -l; }
windows=$(wc -l < ref/agg.jsonl)
for t in eo1 eo2 eo3 eo4 eo5 eo6; do echo "topic $t 1" >&3; echo "topic $t.streamq-progress 1" >&3; done
sleep 0.5
eo_sql eo1 > eo1.sql
"$streamq" run --quiet --brokers "$bootstrap" --state-dir eo1.state --checkpoint-interval 10ms eo1.sql 2> eo.log \
  && [ "$(records eo1)" = "$windows" ] && [ "$(distinct eo1)" = "$windows" ] \
  && ok "exactly_once: every window once ($windows records)" || fail "exactly_once run: $(records eo1) records: $(tail -2 eo.log)"
kcat -b "$bootstrap" -C -t eo1.streamq-progress -e -q -f '%k %s\n' 2>/dev/null | tail -1 | grep -q "^streamq-eo1-out [0-9a-f]*:[0-9]" \
  && ok "exactly_once: progress records name the sink and the checkpoint" || fail "no progress record"
eo_sql eo2 > eo2.sql
STREAMQ_CRASH_POINT=checkpoint-written:3 "$streamq" run --quiet --brokers "$bootstrap" --state-dir eo2.state --checkpoint-interval 10ms eo2.sql 2> /dev/null
status=$?
"$streamq" run --quiet --brokers "$bootstrap" --state-dir eo2.state --checkpoint-interval 10ms eo2.sql 2> eo.log
[ $status -eq 137 ] && [ "$(records eo2)" = "$windows" ] && [ "$(distinct eo2)" = "$windows" ] \
  && ok "exactly_once: a crash between checkpoint and commit sends that checkpoint's records once" \
  || fail "exactly_once crash: status $status, $(records eo2) records, $(distinct eo2) distinct of $windows: $(tail -2 eo.log)"
eo_sql eo6 > eo6.sql
STREAMQ_CRASH_POINT=checkpoint-written:1 "$streamq" run --quiet --brokers "$bootstrap" --state-dir eo6.state --checkpoint-interval 1h eo6.sql 2> /dev/null
status=$?
"$streamq" run --quiet --brokers "$bootstrap" --state-dir eo6.state eo6.sql 2> eo.log
[ $status -eq 137 ] && [ "$(records eo6)" = "$windows" ] && [ "$(distinct eo6)" = "$windows" ] \
  && ok "exactly_once: a crash after the final checkpoint, before its transaction: the restart finishes the run, once" \
  || fail "exactly_once final crash: status $status, $(records eo6) records of $windows: $(tail -2 eo.log)"
eo_sql eo3 > eo3.sql
echo "fail 26 15 3" >&3   # EndTxn: COORDINATOR_NOT_AVAILABLE three times
"$streamq" run --quiet --brokers "$bootstrap" --state-dir eo3.state --checkpoint-interval 10ms eo3.sql 2> eo.log \
  && [ "$(records eo3)" = "$windows" ] && [ "$(distinct eo3)" = "$windows" ] \
  && ok "exactly_once: retriable commit errors are retried, every window once" \
  || fail "exactly_once retriable: $(records eo3) records: $(tail -2 eo.log)"
eo_sql eo5 > eo5.sql
echo "fail 26 3 2" >&3   # EndTxn: UNKNOWN_TOPIC_OR_PART for the commit and for its abort
"$streamq" run --brokers "$bootstrap" --state-dir eo5.state --checkpoint-interval 10ms eo5.sql 2> eo.log \
  && grep -q "checkpoint failed: sink 'out': the transaction did not commit" eo.log && [ "$(distinct eo5)" = "$windows" ] \
  && ok "exactly_once: an aborted transaction's records go out with the next checkpoint" \
  || fail "exactly_once abort: $(distinct eo5) distinct of $windows: $(grep -v '^streamq: checkpoint:' eo.log | tail -3)"
eo_sql eo4 > eo4.sql
STREAMQ_CRASH_POINT=transaction-produced:2 "$streamq" run --quiet --brokers "$bootstrap" --state-dir eo4.state --checkpoint-interval 10ms eo4.sql 2> /dev/null
status=$?
"$streamq" run --quiet --brokers "$bootstrap" --state-dir eo4.state --checkpoint-interval 10ms eo4.sql 2> eo.log
[ $status -eq 137 ] && [ "$(distinct eo4)" = "$windows" ] \
  && ok "exactly_once: a crash inside a transaction loses nothing ($(records eo4) records seen)" \
  || fail "exactly_once mid-transaction: status $status, $(distinct eo4) distinct of $windows: $(tail -2 eo.log)"
echo quit >&3

[ $kills -ge 20 ] || fail "only $kills kills in this run"
echo "$kills kills in all"
[ $failures -eq 0 ] && echo "all recovery tests passed" || echo "$failures failures"
exit $((failures > 0))
