#!/usr/bin/env bash
# Kafka integration tests: the real streamq binary against a real
# Kafka-protocol broker (tests/kafka/broker_helper, a mock cluster in its
# own process), records produced and read back with kcat. Every process a
# test starts is stopped by pid.
# Usage: test_kafka.sh STREAMQ BROKER_HELPER GEN_EVENTS EXAMPLES_DIR
set -u
. "$(dirname "$(realpath "$0")")/../free_port.sh"
streamq=$(realpath "$1") helper=$(realpath "$2") gen=$(realpath "$3") examples=$(realpath "$4")
dir=$(mktemp -d)
cd "$dir" || exit 1  # state directories (.streamq/<stem>) land here
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; kill -CONT "$p" 2>/dev/null; done  # a stopped broker too
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  exec 3>&- 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

# start_broker TOPIC:PARTITIONS... -> $bootstrap; commands with ctl
start_broker() {
  rm -f "$dir/ctl" "$dir/bootstrap" && mkfifo "$dir/ctl" # a bootstrap file of the last broker would be read before the new one writes
  "$helper" "$@" < "$dir/ctl" > "$dir/bootstrap" 2> "$dir/broker.log" &
  broker_pid=$!
  pids+=("$broker_pid")
  exec 3> "$dir/ctl"
  for _ in $(seq 300); do [ -s "$dir/bootstrap" ] && break; sleep 0.1; done
  bootstrap=$(head -1 "$dir/bootstrap")
}
ctl() { echo "$*" >&3; sleep 0.2; }
stop_broker() { ctl quit; exec 3>&-; wait "$broker_pid" 2>/dev/null; }
produce() { # produce TOPIC PARTITION FILE
  kcat -b "$bootstrap" -P -t "$1" -p "$2" -l "$3" 2>/dev/null
}
consume() { # consume TOPIC [FORMAT]: every record so far, one a line
  kcat -b "$bootstrap" -C -t "$1" -o beginning -e -q ${2:+-f "$2"} 2>/dev/null
}
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
wait_lines() { # wait_lines FILE N SECONDS: true once FILE has >= N lines
  for _ in $(seq $(($3 * 10))); do [ "$(lines "$1")" -ge "$2" ] && return 0; sleep 0.1; done
  return 1
}
run_bg() { # run_bg SQL_FILE LOG [OPTION...]: streamq run in the background -> $run_pid
  "$streamq" run --brokers "$bootstrap" "$1" "${@:3}" 2> "$2" &
  run_pid=$!
  pids+=("$run_pid")
}
stop_run() { kill -TERM "$1" 2>/dev/null; wait "$1"; }

# 1. Multi-partition topic, out-of-order data in every partition: windows
#    close on the per-partition watermarks and equal sqlite3's answer.
start_broker events:4
"$gen" 8000 20 11 > "$dir/events.jsonl"
for p in 0 1 2 3; do awk -v p=$p 'NR % 4 == p' "$dir/events.jsonl" > "$dir/part$p"; produce events $p "$dir/part$p"; done
for p in 0 1 2 3; do echo '{"k":"__end","v":0,"d":0,"ts":1767226000000}' > "$dir/end"; produce events $p "$dir/end"; done
cat > "$dir/agg.sql" <<SQL
CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'events', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE SINK out WITH (connector = 'file', path = '$dir/agg.jsonl');
INSERT INTO out SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
FROM ev WHERE k <> '__end' WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
expected=$(sqlite3 :memory: "CREATE TABLE ev(j); " ".mode list" ".separator ~ \\n" ".import $dir/events.jsonl ev" \
  "SELECT k || ' ' || ws || ' ' || count(*) || ' ' || coalesce(sum(v), 'null') || ' ' || coalesce(max(v), 'null') FROM
   (SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ts') / 10000 * 10000 AS ws, json_extract(j, '\$.v') AS v FROM ev)
   GROUP BY k, ws" 2>&1 | sort)
n_expected=$(wc -l <<<"$expected")
run_bg "$dir/agg.sql" "$dir/agg.log"
wait_lines "$dir/agg.jsonl" "$n_expected" 30
stop_run "$run_pid"
actual=$(sed -E 's/\{"k":"([^"]*)","ws":([0-9]+),"n":([0-9]+),"s":([^,]*),"hi":([^}]*)\}/\1 \2 \3 \4 \5/' "$dir/agg.jsonl" | sort)
if [ "$actual" = "$expected" ]; then ok "multi-partition windows equal sqlite3 ($n_expected rows)"; else fail "multi-partition windows: $(diff <(echo "$expected") <(echo "$actual") | head -5)"; fi
grep -q "partitions assigned: source 'ev': topic events partitions 0,1,2,3" "$dir/agg.log" || fail "assignment not logged: $(head -3 "$dir/agg.log")"
stop_broker

# 2. An idle partition holds the watermark back until idle_timeout excludes it.
start_broker idle:4
for p in 0 1 2; do printf '{"k":"a","ts":%d}\n{"k":"a","ts":%d}\n' $((1000 + p)) $((60000 + p)) > "$dir/idle$p"; produce idle $p "$dir/idle$p"; done
idle_sql() {
  cat > "$dir/idle$1.sql" <<SQL
CREATE SOURCE s (k STRING, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'idle', timestamp = 'ts', group_id = 'g$1' $2);
CREATE SINK out WITH (connector = 'file', path = '$dir/idle$1.jsonl');
INSERT INTO out SELECT k, COUNT(*) AS n, WINDOW_START AS ws FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
}
idle_sql 1 ""
run_bg "$dir/idle1.sql" "$dir/idle1.log"
sleep 4
stop_run "$run_pid"
[ "$(lines "$dir/idle1.jsonl")" -eq 0 ] && ok "an empty partition holds windows open" || fail "windows closed despite the empty partition"
idle_sql 2 ", idle_timeout = '3 seconds'"
run_bg "$dir/idle2.sql" "$dir/idle2.log"
wait_lines "$dir/idle2.jsonl" 2 60
stop_run "$run_pid"
[ "$(head -1 "$dir/idle2.jsonl" 2>/dev/null)" = '{"k":"a","n":3,"ws":0}' ] && ok "idle_timeout lets windows close" \
  || fail "idle_timeout output: [$(cat "$dir/idle2.jsonl" 2>/dev/null)] log: $(tail -3 "$dir/idle2.log")"
stop_broker

# 3. The broker goes down for seconds and comes back: a consuming streamq
#    keeps running and resumes, a producing one waits and delivers; nothing
#    is lost. (kcat is no use here: it gives up when every broker is down.)
start_broker flow:2
seq 1 500 | sed 's/.*/{"n":&}/' > "$dir/first"
seq 501 1000 | sed 's/.*/{"n":&}/' > "$dir/second.jsonl"
cat > "$dir/flow.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'kafka', topic = 'flow');
CREATE SINK out WITH (connector = 'file', path = '$dir/flow.jsonl');
INSERT INTO out SELECT n FROM s;
SQL
cat > "$dir/flow_in.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'file', path = '$dir/second.jsonl');
CREATE SINK out WITH (connector = 'kafka', topic = 'flow');
INSERT INTO out SELECT n FROM s;
SQL
produce flow 0 "$dir/first"
run_bg "$dir/flow.sql" "$dir/flow.log"
consumer=$run_pid
wait_lines "$dir/flow.jsonl" 500 30 || fail "first records not read"
ctl down 1
sleep 2
run_bg "$dir/flow_in.sql" "$dir/flow_in.log"
producer=$run_pid
sleep 4
kill -0 "$consumer" 2>/dev/null && kill -0 "$producer" 2>/dev/null && ok "streamq keeps running while the broker is down" \
  || fail "streamq exited while the broker was down"
ctl up 1
wait "$producer" && ok "the producer delivered everything once the broker was back" || fail "producer: $(tail -1 "$dir/flow_in.log")"
wait_lines "$dir/flow.jsonl" 1000 60
stop_run "$consumer"
unique=$(sort -u "$dir/flow.jsonl" | wc -l)
[ "$unique" -eq 1000 ] && ok "no record lost across the outage ($(lines "$dir/flow.jsonl") read, $unique distinct)" || fail "after the outage: $unique distinct of 1000"
stop_broker

# 4. Retriable produce errors: the idempotent producer retries without loss or duplicates.
start_broker results:3
seq 1 2000 | sed 's/.*/{"n":&}/' > "$dir/numbers.jsonl"
cat > "$dir/produce.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'file', path = '$dir/numbers.jsonl');
CREATE SINK out WITH (connector = 'kafka', topic = 'results', key = 'n');
INSERT INTO out SELECT n FROM s;
SQL
ctl fail 0 6 4   # Produce requests fail with NOT_LEADER_FOR_PARTITION (retriable)
ctl fail 0 7 2   # then REQUEST_TIMED_OUT
"$streamq" run --quiet --brokers "$bootstrap" "$dir/produce.sql" || fail "produce run failed"
got=$(consume results)
total=$(wc -l <<<"$got")
unique=$(sort -u <<<"$got" | wc -l)
[ "$total" -eq 2000 ] && [ "$unique" -eq 2000 ] && ok "retried produce errors: 2000 records, no loss, no duplicate" \
  || fail "after produce errors: $total records, $unique distinct"
[ "$(consume results '%k\n' | sort -n | head -1)" = 1 ] && ok "records keyed by the key column" || fail "record keys"
stop_broker

# 5. Poison records go to the dead-letter topic with their error and origin as headers.
start_broker poison:1 poison_dlq:1
printf '{"n":1}\nnot json\n{"n":"two"}\n{"n":4}\n' > "$dir/poison"
produce poison 0 "$dir/poison"
cat > "$dir/poison.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'kafka', topic = 'poison', on_error = 'dlq', dlq_topic = 'poison_dlq');
CREATE SINK out WITH (connector = 'file', path = '$dir/poison.jsonl');
INSERT INTO out SELECT n FROM s;
SQL
run_bg "$dir/poison.sql" "$dir/poison.log"
wait_lines "$dir/poison.jsonl" 2 90
sleep 1
stop_run "$run_pid"
[ "$(cat "$dir/poison.jsonl")" = $'{"n":1}\n{"n":4}' ] && ok "good records pass around poison ones" || fail "poison output: $(cat "$dir/poison.jsonl") (log: $(grep -v 'kafka:' "$dir/poison.log" | tail -3))"
dlq=$(consume poison_dlq '%s|%h\n')
grep -q '^not json|error=invalid JSON at byte 1: expected a value,source_topic=poison,source_partition=0,source_offset=1$' <<<"$dlq" \
  && grep -q "^{\"n\":\"two\"}|error=column 'n': expected an integer, got a string,source_topic=poison,source_partition=0,source_offset=2$" <<<"$dlq" \
  && ok "dead-letter records carry error, topic, partition and offset headers" || fail "dead-letter topic: $dlq"
grep -q "2 bad" "$dir/poison.log" || fail "bad records not counted: $(tail -1 "$dir/poison.log")"
stop_broker

# 6. A second consumer joins the group, then leaves: partitions move, nothing
#    is lost. librdkafka 2.0's mock coordinator waits out member timeouts
#    before completing a rebalance, hence the short ones (set through
#    SET 'kafka.*', which this also tests).
start_broker shared:4
batch() { seq "$1" "$2" | sed 's/.*/{"n":&}/' > "$dir/b"; for p in 0 1 2 3; do awk -v p=$p 'NR % 4 == p' "$dir/b" > "$dir/bp"; produce shared $p "$dir/bp"; done; }
group_sql() {
  cat > "$dir/group$1.sql" <<SQL
SET 'kafka.session.timeout.ms' = '6000';
SET 'kafka.max.poll.interval.ms' = '7000';
SET 'kafka.heartbeat.interval.ms' = '500';
CREATE SOURCE s (n BIGINT) WITH (connector = 'kafka', topic = 'shared', group_id = 'shared-group');
CREATE SINK out WITH (connector = 'file', path = '$dir/group$1.jsonl');
INSERT INTO out SELECT n FROM s;
SQL
}
group_sql a && group_sql b
batch 1 400
run_bg "$dir/groupa.sql" "$dir/groupa.log"
a_pid=$run_pid
wait_lines "$dir/groupa.jsonl" 400 30
run_bg "$dir/groupb.sql" "$dir/groupb.log"
b_pid=$run_pid
for _ in $(seq 300); do grep -q "partitions assigned" "$dir/groupb.log" && break; sleep 0.1; done
batch 401 800
for _ in $(seq 300); do [ "$(lines "$dir/groupb.jsonl")" -gt 0 ] && break; sleep 0.1; done
stop_run "$b_pid"
batch 801 1200
union() { cat "$dir"/group*.jsonl 2>/dev/null | sort -u | wc -l; }
for _ in $(seq 300); do [ "$(union)" -ge 1200 ] && break; sleep 0.1; done
stop_run "$a_pid"
grep -q "partitions revoked" "$dir/groupa.log" && [ "$(lines "$dir/groupb.jsonl")" -gt 0 ] \
  && ok "the group rebalanced (b read $(lines "$dir/groupb.jsonl") records)" || fail "no rebalance seen"
[ "$(union)" -eq 1200 ] && ok "no record lost across the rebalances" || fail "after rebalances: $(union) distinct of 1200"
stop_broker

# 7. streamq broker serves clients on a fixed port; STREAMQ_BROKERS names
#    the cluster when nothing else does.
port=$(free_port)
"$streamq" broker --port "$port" --topic fixed --partitions 3 > "$dir/broker.out" &
pids+=($!)
broker_cmd=$!
for _ in $(seq 50); do [ -s "$dir/broker.out" ] && break; sleep 0.1; done
grep -q "listening on 127.0.0.1:$port" "$dir/broker.out" || fail "streamq broker: $(cat "$dir/broker.out")"
kcat -b "127.0.0.1:$port" -L -t fixed 2>/dev/null | grep -q 'topic "fixed" with 3 partitions' && ok "streamq broker serves metadata on its port" \
  || fail "streamq broker metadata"
seq 1 5 | sed 's/.*/{"n":&}/' > "$dir/env.jsonl"
cat > "$dir/env.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'file', path = '$dir/env.jsonl');
CREATE SINK out WITH (connector = 'kafka', topic = 'fixed');
INSERT INTO out SELECT n FROM s;
SQL
STREAMQ_BROKERS="127.0.0.1:$port" "$streamq" run --quiet "$dir/env.sql" || fail "run with STREAMQ_BROKERS"
[ "$(kcat -b "127.0.0.1:$port" -C -t fixed -o beginning -e -q 2>/dev/null | wc -l)" -eq 5 ] && ok "STREAMQ_BROKERS names the cluster" || fail "STREAMQ_BROKERS"
"$streamq" run "$dir/env.sql" 2> "$dir/nobroker.log"
[ $? -eq 2 ] && grep -q "no Kafka brokers: use --brokers" "$dir/nobroker.log" && ok "no broker configured: exit 2 with the ways to name one" \
  || fail "no broker: $(cat "$dir/nobroker.log")"
sed -i "s/topic = 'fixed')/topic = 'fixed', on_error = 'dlq', dlq_topic = 'x')/" "$dir/env.sql"
"$streamq" run --brokers "127.0.0.1:$port" "$dir/env.sql" 2> "$dir/sinkdlq.log"
[ $? -eq 2 ] && grep -q "on_error = 'dlq' is not supported for Kafka sinks yet" "$dir/sinkdlq.log" && ok "a sink dead-letter queue is refused, not ignored" \
  || fail "sink dlq: $(cat "$dir/sinkdlq.log")"
kill -INT "$broker_cmd"; wait "$broker_cmd"

# 8. The Kafka quick start: datagen into a topic and back out as windows, on
#    the embedded broker.
"$streamq" run "$examples/kafka_quickstart.sql" --embedded-broker 2> quick.log &
quick=$!
pids+=("$quick")
wait_lines "$dir/out/kafka_quickstart.jsonl" 1000 60 && ok "the Kafka quick start writes windows ($(lines "$dir/out/kafka_quickstart.jsonl") so far)" \
  || fail "kafka quick start: $(tail -3 "$dir/quick.log")"
kill -INT "$quick"

# 9. Metrics of a Kafka source: consumer lag per partition, and a hot
#    partition shows in the skew ratio and a warning naming its hot keys
#    (record keys: card-77 is half of partition 0), and in /health while
#    the skew lasts.
start_broker hot:4
mport=$(free_port)
cat > "$dir/hot.sql" <<SQL
SET 'partition.skew.warn_ratio' = '2';
SET 'checkpoint.interval' = '500 ms';
CREATE SOURCE s (n BIGINT) WITH (connector = 'kafka', topic = 'hot');
CREATE SINK out WITH (connector = 'file', path = '$dir/hot.jsonl');
INSERT INTO out SELECT n FROM s;
SQL
"$streamq" run --brokers "$bootstrap" --metrics-addr "127.0.0.1:$mport" "$dir/hot.sql" 2> "$dir/hot.log" &
hot=$!
pids+=("$hot")
for _ in $(seq 200); do grep -q "partitions assigned" "$dir/hot.log" && break; sleep 0.1; done
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "%s:{\"n\":%d}\n", i % 2 ? "card-" i % 100 : "card-77", i }' > "$dir/hot0"
for p in 1 2 3; do seq 1 10 | sed "s/.*/card-$p&:{\"n\":&}/" > "$dir/hot$p"; done
rounds=0 health=
while [ $rounds -lt 20 ]; do
  for p in 0 1 2 3; do kcat -b "$bootstrap" -P -K: -t hot -p $p -l "$dir/hot$p" 2>/dev/null; done
  rounds=$((rounds + 1))
  sleep 0.3
  health=$(curl -sf "127.0.0.1:$mport/health")
  grep -q '"hot_partitions":\[{"partition":0,[^]]*"hot_keys":\[{"key":"card-77","share":0\.[3-6]' <<<"$health" && break
done
grep -q '"hot_partitions":\[{"partition":0,[^]]*"hot_keys":\[{"key":"card-77"' <<<"$health" && ok "/health names the hot partition and its hottest key while the skew lasts" \
  || fail "no hot partition in /health after $rounds rounds: $health"
wait_lines "$dir/hot.jsonl" $((rounds * 3030)) 30
sleep 2.5
metrics=$(curl -sf "127.0.0.1:$mport/metrics")
grep -qx 'streamq_consumer_lag{source="s",partition="0"} 0' <<<"$metrics" && ok "consumer lag is published and reaches 0" || fail "lag: $(grep lag <<<"$metrics")"
grep -qx "streamq_records_in_total{source=\"s\",partition=\"0\"} $((rounds * 3000))" <<<"$metrics" && ok "records in counted per partition" || fail "records in: $(grep records_in <<<"$metrics")"
grep -q "partition skew: source 's': partition 0 carries .*; hot keys: card-77 ([3-6][0-9]%), card-" "$dir/hot.log" && ok "a hot partition is warned about, naming its hot keys" || fail "no skew warning with hot keys: $(grep skew "$dir/hot.log" || tail -3 "$dir/hot.log")"
grep -q '"hot_partitions":\[\]' <<<"$(curl -sf "127.0.0.1:$mport/health")" && ok "the /health note goes once the skew ends" || fail "hot partitions after the skew: $(curl -sf "127.0.0.1:$mport/health")"
checkpoints=$(sed -n 's/^streamq_checkpoint_duration_seconds_count \([0-9]*\)$/\1/p' <<<"$metrics")
[ "${checkpoints:-0}" -ge 2 ] && ok "the checkpoint histogram moves ($checkpoints checkpoints)" || fail "checkpoints: [$checkpoints]"
stop_run "$hot"
stop_broker

# 9b. Per-partition tasks (partitioned_by): a hot task's hot keys are the
#     values of the partitioned_by column, not the record key (there is
#     none here). Only partition 1 gets records: tasks start at different
#     times, and a second of one other task's first rows alone would be
#     skew too.
start_broker cards:4
mport=$(free_port)
cat > "$dir/cards.sql" <<SQL
SET 'partition.skew.warn_ratio' = '2';
CREATE SOURCE c (card STRING, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'cards', timestamp = 'ts', partitioned_by = 'card');
CREATE SINK out WITH (connector = 'file', path = '$dir/cards.jsonl');
INSERT INTO out SELECT card, COUNT(*) AS n FROM c WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY card;
SQL
run_bg "$dir/cards.sql" "$dir/cards.log" --metrics-addr "127.0.0.1:$mport"
for _ in $(seq 200); do grep -q "partitions assigned" "$dir/cards.log" && break; sleep 0.1; done
awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "{\"card\":\"%s\",\"ts\":%d}\n", i % 2 ? "c-" i % 40 : "card-77", 1767225600000 + i }' > "$dir/cards1"
health=
for _ in $(seq 20); do
  produce cards 1 "$dir/cards1"
  sleep 0.3
  health=$(curl -sf "127.0.0.1:$mport/health")
  grep -q '"hot_partitions":\[{"partition":1,[^]]*"hot_keys":\[{"key":"card-77"' <<<"$health" && break
done
grep -q '"hot_partitions":\[{"partition":1,[^]]*"hot_keys":\[{"key":"card-77"' <<<"$health" && grep -q '"tasks":' <<<"$health" \
  && ok "tasks: /health names the hot task's partition and its hottest partitioned_by value" || fail "tasks: no hot partition in /health: $health"
for _ in $(seq 30); do grep -q "partition skew" "$dir/cards.log" && break; sleep 0.1; done
grep -q "partition skew: source 'c': partition 1 carries .*; hot keys: card-77 ([3-6][0-9]%), c-" "$dir/cards.log" \
  && ok "tasks: the skew warning names the hot key" || fail "tasks: skew warning: $(grep skew "$dir/cards.log" || tail -3 "$dir/cards.log")"
stop_run "$run_pid"
stop_broker

# 10. A table over a compacted-style topic: keyed rows, updates and
#     tombstones. It is read to its end before the first click is joined
#     (every click sees the table as it stood at start), later changes
#     apply as they arrive, and a restart has the table from its state.
start_broker users:2 clicks:1
awk 'BEGIN {
  for (round = 0; round < 20; round++)
    for (i = 0; i < 500; i++) printf "%d u%d:{\"id\":\"u%d\",\"tier\":%d}\n", i % 2, i, i, round * 1000 + i;
  for (i = 0; i < 500; i += 7) printf "%d u%d:\n", i % 2, i;
}' > "$dir/users.all"
for p in 0 1; do sed -n "s/^$p //p" "$dir/users.all" > "$dir/users$p"; kcat -b "$bootstrap" -P -K: -Z -t users -p $p -l "$dir/users$p" 2>/dev/null; done
awk 'BEGIN { for (i = 0; i < 500; i++) printf "{\"user\":\"u%d\",\"ts\":%d}\n", i, 1767225600000 + i }' > "$dir/clicks1"
produce clicks 0 "$dir/clicks1"
enrich_sql() { # enrich_sql GROUP: a fresh group per run (positions come from the checkpoint)
  cat > "$dir/enrich.sql" <<SQL
CREATE SOURCE clicks (user STRING, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'clicks', timestamp = 'ts', group_id = '$1');
CREATE TABLE users (id STRING PRIMARY KEY, tier BIGINT) WITH (connector = 'kafka', topic = 'users');
CREATE SINK out WITH (connector = 'file', path = '$dir/enriched.jsonl');
INSERT INTO out SELECT c.user, u.tier FROM clicks AS c LEFT JOIN users AS u ON u.id = c.user;
SQL
}
enrich_sql enrich-1
rm -f "$dir/enriched.jsonl"
run_bg "$dir/enrich.sql" "$dir/enrich.log"
enrich=$run_pid
wait_lines "$dir/enriched.jsonl" 500 20 || fail "table join: $(lines "$dir/enriched.jsonl") of 500 clicks joined: $(tail -3 "$dir/enrich.log")"
expected_tiers=$(awk 'BEGIN { for (i = 0; i < 500; i++) if (i % 7) n++; print n }')
[ "$(grep -c '"tier":19[0-9][0-9]' "$dir/enriched.jsonl")" = "$expected_tiers" ] \
  && [ "$(grep -c '"tier":null' "$dir/enriched.jsonl")" = $((500 - expected_tiers)) ] \
  && grep -q "table loaded: table 'users': 10072 records" "$dir/enrich.log" \
  && ok "table join: every click saw the table's latest rows at start ($expected_tiers), deleted keys none" \
  || fail "table join at start: $(sort "$dir/enriched.jsonl" | uniq -c | sort -rn | head -3) $(grep 'table loaded' "$dir/enrich.log")"
printf 'u1:{"id":"u1","tier":7}\nu3:\n' > "$dir/users_change"
kcat -b "$bootstrap" -P -K: -Z -t users -p 1 -l "$dir/users_change" 2>/dev/null
sleep 2
printf '{"user":"u1","ts":1767225601000}\n{"user":"u3","ts":1767225601001}\n' > "$dir/clicks2"
produce clicks 0 "$dir/clicks2"
wait_lines "$dir/enriched.jsonl" 502 20
[ "$(tail -2 "$dir/enriched.jsonl" | tr -d '\n')" = '{"user":"u1","tier":7}{"user":"u3","tier":null}' ] \
  && ok "table join: an update and a tombstone apply as they arrive" || fail "table changes: $(tail -2 "$dir/enriched.jsonl")"
stop_run "$enrich"
enrich_sql enrich-2
run_bg "$dir/enrich.sql" "$dir/enrich2.log"
enrich=$run_pid
printf '{"user":"u1","ts":1767225602000}\n{"user":"u4","ts":1767225602001}\n' > "$dir/clicks3"
produce clicks 0 "$dir/clicks3"
wait_lines "$dir/enriched.jsonl" 504 20
[ "$(tail -2 "$dir/enriched.jsonl" | tr -d '\n')" = '{"user":"u1","tier":7}{"user":"u4","tier":19004}' ] \
  && grep -q "table loaded: table 'users': 0 records" "$dir/enrich2.log" \
  && ok "table join after a restart: the table comes back from state, nothing re-read" \
  || fail "table after restart: $(tail -2 "$dir/enriched.jsonl") $(grep 'table loaded' "$dir/enrich2.log")"
stop_run "$enrich"
stop_broker

# 11. /health and streamq_broker_up follow whether the cluster answers,
#     not the records: degraded within seconds of the broker going
#     down or hanging (stopped: it accepts connections and never answers),
#     ok within seconds of its return, with no record needed.
start_broker live:1
hport=$(free_port)
cat > "$dir/live.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'kafka', topic = 'live');
CREATE SINK out WITH (connector = 'file', path = '$dir/live.jsonl');
INSERT INTO out SELECT n FROM s;
SQL
run_bg "$dir/live.sql" "$dir/live.log" --metrics-addr "127.0.0.1:$hport"
live=$run_pid
health_is() { # health_is STATUS UP: true once /health and the metric say so, within 15 s
  for _ in $(seq 150); do
    curl -sf "127.0.0.1:$hport/health" | grep -q "^{\"status\":\"$1\"" && curl -sf "127.0.0.1:$hport/metrics" | grep -qx "streamq_broker_up $2" \
      && return 0
    sleep 0.1
  done
  return 1
}
for _ in $(seq 300); do grep -q "partitions assigned" "$dir/live.log" && break; sleep 0.1; done
health_is ok 1 || fail "health with the broker up: $(curl -s "127.0.0.1:$hport/health")"
kill -STOP "$broker_pid"
health_is degraded 0 && ok "a hung broker turns /health degraded" || fail "broker hung: $(curl -s "127.0.0.1:$hport/health")"
kill -CONT "$broker_pid"
health_is ok 1 && ok "a hung broker that resumes turns /health ok" || fail "broker resumed: $(curl -s "127.0.0.1:$hport/health")"
ctl down 1
health_is degraded 0 && ok "a broker that goes down turns /health degraded" || fail "broker down: $(curl -s "127.0.0.1:$hport/health")"
ctl up 1
health_is ok 1 && ok "a broker that comes back turns /health ok without a record" || fail "broker back: $(curl -s "127.0.0.1:$hport/health")"
grep -q "broker down" "$dir/live.log" && grep -q "broker up" "$dir/live.log" || fail "broker state changes not logged: $(grep broker "$dir/live.log")"
stop_run "$live"
stop_broker

[ $failures -eq 0 ] && echo "kafka: all passed"
[ $failures -eq 0 ]
