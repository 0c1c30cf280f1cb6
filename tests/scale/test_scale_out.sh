#!/usr/bin/env bash
# Scale-out end to end: several `streamq run` processes with one pipeline
# file and group share an 8-partition topic of keyed records (a source
# with partitioned_by), while processes start, join, stop and are killed
# -9. The union of their output files must equal sqlite3's answer on the
# same data, each (key, window) once with one value. Restore times are
# printed, never asserted. The broker is a process of its own; every
# process is stopped by pid.
# Usage: test_scale_out.sh STREAMQ BROKER_HELPER GEN_EVENTS [full|repartition|quick|restart]
# full: the scenarios over a keyed topic (partitioned_by);
# repartition: those over an unkeyed topic, cut at repartition topics;
# restart: the kill -9 and the SIGTERM-and-restart scenarios alone.
# quick (the sanitizer build): only the kill -9 scenarios (keyed and
# repartitioned), which move tasks through every phase (assigned,
# restored from the changelog, revoked and left).
set -u
streamq=$(realpath "$1") helper=$(realpath "$2") gen=$(realpath "$3") here=$(dirname "$(realpath "$0")") mode=${4:-full}
. "$here/../recovery/kill_lib.sh"
. "$here/../free_port.sh"
trap 'exit 1' INT TERM # so that the EXIT trap stops every process
note() { echo "     $*"; }
until_true() { # until_true SECONDS COMMAND...: true once COMMAND is, polling every 0.2 s
  local i
  for i in $(seq $(($1 * 5))); do "${@:2}" && return 0; sleep 0.2; done
  return 1
}

partitions=8 records=40000 chunks=4
oracle=oracle.db chunk_prefix=chunk # the answer check_output compares with, the chunks produce_chunk sends

# The data: 2,000 keys (some hot), event times 10 ms apart and out of
# order by less than 5 s, so no record is late with watermark_delay 6 s;
# produced in chunks keyed by k (librdkafka's partitioner sends a key
# always to one partition). Then sqlite3's answer.
"$gen" $records 2000 7 > data.jsonl
sed -E 's/^\{"k":"([^"]*)".*/\1:&/' data.jsonl > data.keyed
split -n l/$chunks -d -a 1 data.keyed chunk.
sqlite3 oracle.db "CREATE TABLE raw(j)" ".mode list" ".separator ~ \\n" ".import data.jsonl raw" \
  "CREATE TABLE expected AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ts') / 10000 * 10000 AS ws,
     count(*) AS n, sum(json_extract(j, '\$.v')) AS total FROM raw GROUP BY 1, 2" "DROP TABLE raw"
expected=$(sqlite3 oracle.db "SELECT count(*) FROM expected")

# start_broker GROUP [TOPIC:N...]: a fresh broker with the input topic and the group's
# changelog topic (pre-created: the mock cluster may refuse to create it).
start_broker() {
  rm -f ctl bootstrap && mkfifo ctl # a bootstrap file of the last broker would be read before the new one writes
  "$helper" events:$partitions "$1.changelog:$partitions" "${@:2}" < ctl > bootstrap 2> broker.log &
  broker_pid=$!
  pids+=("$broker_pid")
  exec 3> ctl
  until_true 30 test -s bootstrap
  bootstrap=$(head -1 bootstrap)
}
stop_broker() { echo quit >&3; exec 3>&-; wait "$broker_pid" 2>/dev/null; }
produce() { # produce FILE [KCAT_OPTION...]: KEY:VALUE lines
  kcat -b "$bootstrap" -P -t events -K: "${@:2}" -l "$1" 2>/dev/null || fail "kcat could not produce $*"
}

# The pipeline of group GROUP; each process names its own output file
# with OUT. The short session timeout lets a killed process's partitions
# move within seconds; the short poll interval bounds how long the mock
# coordinator waits for members during a rebalance.
partitioned_by=", partitioned_by = 'k'"
settings="SET 'kafka.session.timeout.ms' = '6000';
SET 'kafka.heartbeat.interval.ms' = '500';
SET 'kafka.max.poll.interval.ms' = '7000';
SET 'checkpoint.interval' = '1s';"
pipeline() {
  cat > "$1.sql" <<SQL
$settings
CREATE SOURCE ev (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'events', group_id = '$1', timestamp = 'ts', watermark_delay = '6 seconds'$partitioned_by);
CREATE SINK out WITH (connector = 'file', path = '\${OUT}');
INSERT INTO out SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS total
FROM ev WHERE k <> 'end' WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
}

# The same query over the topic produced without keys: the GROUP BY goes
# through a repartition topic (stage 1 writes rows keyed by k to
# <group>.ev_by_k.repartition, stage 2 runs a task per partition of it).
rep_pipeline() {
  pipeline "$1"
  sed -i "s/, partitioned_by = 'k'//; 1i SET 'scale.repartition' = 'on';" "$1.sql"
}
make_pipeline=pipeline unkeyed=false

# start NAME GROUP [LOG]: process NAME (state NAME.state, output NAME.jsonl,
# log LOG or NAME.log, metrics on port[NAME]) -> pid[NAME]
declare -A pid port logf
start() {
  local name=$1 group=$2 log=${3:-$1.log}
  port[$name]=$(free_port)
  OUT="$dir/$name.jsonl" "$streamq" run --brokers "$bootstrap" --state-dir "$dir/$name.state" \
    --metrics-addr "127.0.0.1:${port[$name]}" "$dir/$group.sql" 2> "$dir/$log" &
  pid[$name]=$!
  logf[$name]=$log
  pids+=("${pid[$name]}")
}
stop() { stop_process "$1" "${pid[$1]}" "${logf[$1]}"; } # stop NAME: it must exit 0 (kill_lib.sh)
metrics() { curl -sf --max-time 2 "127.0.0.1:${port[$1]}/metrics"; }
produced=0
produce_chunk() {
  local file="$chunk_prefix.$1"
  if $unkeyed; then cut -d: -f2- "$file" > chunk.u && kcat -b "$bootstrap" -P -t events -l chunk.u 2>/dev/null || fail "kcat: chunk $1"
  else produce "$file"; fi
  produced=$((produced + $(wc -l < "$file")))
}
# rep_topic GROUP: the repartition topic of the unkeyed runs (pre-created:
# the mock cluster cannot create topics on request)
rep_topic() { $unkeyed && echo "$1.ev_by_k.repartition:$partitions"; }
# metric_sum METRIC LABEL NAME...: METRIC's lines with LABEL (name="value"),
# summed over the live processes NAME...
metric_sum() {
  local name sum=0 n
  for name in "${@:3}"; do
    n=$(metrics "$name" | awk -v m="$1{" -v l="$2" 'index($0, m) == 1 && index($0, l) { s += $NF } END { printf "%d", s }')
    sum=$((sum + ${n:-0}))
  done
  echo $sum
}
# stage2_caught_up NAME...: stage 2 has read at least what the live
# processes' stage 1 wrote (rows and partial aggregates; more after a
# kill -9: a survivor writes a dead process's rows again)
stage2_caught_up() {
  [ "$(metric_sum streamq_records_in_total 'source="ev__by_k"' "$@")" -ge "$(metric_sum streamq_records_out_total 'sink="ev__by_k__out"' "$@")" ]
}
# processed SECONDS NAME...: wait until the processes have read what was
# produced (through both stages), then for a checkpoint to have covered it
processed() {
  local names=("${@:2}")
  until_true "$1" eval '[ "$(metric_sum streamq_records_in_total "source=\"ev\"" "${names[@]}")" -ge $produced ]' ||
    note "only $(metric_sum streamq_records_in_total 'source="ev"' "${names[@]}") of $produced records read"
  if $unkeyed; then until_true "$1" stage2_caught_up "${names[@]}" || note "stage 2 is behind stage 1"; fi
  sleep 2.5
}
# A pipeline without tasks logs "partitions assigned" instead.
assigned_lines() { grep -cE 'task assigned|partitions assigned' "$1" 2>/dev/null; }
assigned() { local log; for log in "$@"; do [ -f "$log" ] && [ "$(assigned_lines "$log")" -gt 0 ] || return 1; done; }
# windows FILE...: (key, window) pairs written so far
windows() { cat "$@" 2>/dev/null | sed 's/,"n":.*//' | sort -u | wc -l; }
# finish SECONDS NAME...: a record far beyond the data in every partition
# (every window closes), then wait for every window
echo 'end:{"k":"end","v":0,"ts":1767230000000}' > end.keyed
finish() {
  local files=() name p
  for name in "${@:2}"; do files+=("$name.jsonl"); done
  for p in $(seq 0 $((partitions - 1))); do produce end.keyed -p $p; done
  until_true "$1" eval '[ "$(windows "${files[@]}")" -ge $expected ]' || note "$(windows "${files[@]}") of $expected windows written"
  sleep 1.5 # let a stray repeat or conflicting row show
}

# check_output NAME REPEATS NAME...: the union of the processes' output
# files against sqlite3: every expected row present, no other row, no
# (key, window) with two values; identical repeats only if REPEATS = yes.
check_output() {
  local what=$1 repeats=$2 name
  : > union.jsonl
  for name in "${@:3}"; do cat "$name.jsonl" >> union.jsonl 2>/dev/null; done
  local r
  r=$(sqlite3 "$oracle" "CREATE TEMP TABLE raw(j)" ".mode list" ".separator ~ \\n" ".import union.jsonl raw" ".separator ' '" \
    "CREATE TEMP TABLE got AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ws') AS ws,
       json_extract(j, '\$.n') AS n, json_extract(j, '\$.total') AS total FROM raw" \
    "CREATE TEMP TABLE rows AS SELECT DISTINCT * FROM got" \
    "CREATE TEMP TABLE missing AS SELECT * FROM expected EXCEPT SELECT * FROM rows" \
    "SELECT (SELECT count(*) FROM got), (SELECT count(*) FROM rows), (SELECT count(*) FROM missing),
       (SELECT count(*) FROM (SELECT * FROM rows EXCEPT SELECT * FROM expected)),
       (SELECT count(*) FROM (SELECT 1 FROM rows GROUP BY k, ws HAVING count(*) > 1))" \
    "SELECT 'e.g. ' || k || ' ' || ws || ': ' || group_concat(n || '/' || total) FROM rows GROUP BY k, ws HAVING count(*) > 1 LIMIT 1" \
    "SELECT 'e.g. missing ' || k || ' ' || ws || ' ' || n || '/' || total FROM missing LIMIT 1" 2>&1)
  local total distinct missing wrong conflicts
  read -r total distinct missing wrong conflicts <<<"$(head -1 <<<"$r")"
  local repeated=$((${total:-0} - ${distinct:-0})) detail
  detail="$total rows, $distinct distinct, $missing of $expected missing, $wrong not in sqlite3's answer, $conflicts (key, window) with two values, $repeated repeated"
  if [ "$missing" = 0 ] && [ "$wrong" = 0 ] && [ "$conflicts" = 0 ] && { [ "$repeats" = yes ] || [ "$repeated" = 0 ]; }; then
    ok "$what: the union equals sqlite3 ($expected rows$([ "$repeated" -gt 0 ] && echo ", $repeated identical repeats"))"
  else
    fail "$what: $detail $(tail -n +2 <<<"$r" | tr '\n' ' ')"
  fi
}
worked() { # worked WHAT NAME...: every process wrote output
  local name idle=()
  for name in "${@:2}"; do [ -s "$name.jsonl" ] || idle+=("$name"); done
  [ ${#idle[@]} -eq 0 ] && ok "$1: every process wrote rows ($(for name in "${@:2}"; do echo -n "$name $(wc -l < "$name.jsonl") "; done))" \
    || fail "$1: no output from ${idle[*]}"
}

# A task's restore is logged on one line, as "task restored ...", with
# its records ("N records" or records=N), its duration ("S s" or
# seconds=S) and "local" or "changelog" in it.
restores() { # restores LABEL LOG: print each restore's size, duration and origin
  local line n t
  grep 'task restored' "$2" | while IFS= read -r line; do
    n=$(sed -nE 's/.*(records[=: "]+([0-9]+)|[^0-9.]([0-9]+) records).*/\2\3/p' <<<"$line")
    t=$(sed -nE 's/.*(seconds[=: "]+([0-9.]+)|[^0-9.]([0-9]+(\.[0-9]+)?) ?s(econds?)?\b).*/\2\3/p' <<<"$line")
    note "$1 restore: ${n:-?} records in ${t:-?} s from $(grep -q changelog <<<"$line" && echo the changelog || echo local state)" \
      "[${line#*task restored}]"
  done
}
# The tasks process NAME runs, from its /health.
task_labels() {
  curl -sf --max-time 2 "127.0.0.1:${port[$1]}/health" | grep -oE '"task":[0-9]+,"state":"running"' | sed -E 's/"task":([0-9]+).*/\1/' | sort -u
}

# 0. The pipeline is valid with partitioned_by. If streamq refuses it, the
#    scenarios still run without it, to show what they find.
pipeline check
if "$streamq" check check.sql > check.out 2>&1; then ok "a Kafka source takes partitioned_by"
else fail "partitioned_by refused: $(head -1 check.out); going on without it"; partitioned_by=""; fi
note "($records records of 2000 keys in $chunks chunks, $partitions partitions, $expected (key, window) rows expected)"

# held_once NAME...: every task runs in exactly one of the processes
held_once() {
  local name t all=() held=0
  for name in "$@"; do
    t=$(task_labels "$name")
    [ -n "$t" ] && held=$((held + $(wc -l <<<"$t"))) && all+=($t)
  done
  [ "$held" -eq $partitions ] && [ "$(printf '%s\n' "${all[@]}" | sort -u | grep -c .)" -eq $partitions ]
}
# status_shows GROUP N: `streamq status` sees N processes on all the
# partitions of the group's one topic
status_shows() {
  "$streamq" status --brokers "$bootstrap" --group "$1" 2>&1 | head -1 > status.line
  grep -q "^group $1: $2 members, $partitions partitions of 1 topic" status.line
}
# from_start GROUP NAME...: processes NAME... in the group from the
# start (scenarios 2 and 7): the partitions' tasks spread over them, each
# held by one process; one answer.
from_start() {
  local group=$1 name logs=(); shift
  produced=0
  start_broker "$group" $(rep_topic "$group") && $make_pipeline "$group"
  for name in "$@"; do start "$name" "$group"; logs+=("$name.log"); done
  until_true 40 assigned "${logs[@]}" || fail "$group: not every process was assigned partitions"
  for c in $(seq 0 $((chunks - 1))); do produce_chunk $c; sleep 0.3; done
  finish 40 "$@"
  for name in "$@"; do
    curl -sf --max-time 2 "127.0.0.1:${port[$name]}/health" | grep -q '"tasks"' || fail "$group: /health of $name lists no tasks"
  done
  # a rebalance may still be settling (on a loaded machine, after the last window)
  until_true 30 held_once "$@" && ok "$group: the $partitions tasks are held once each ($(for name in "$@"; do echo -n "$name $(task_labels "$name" | wc -l) "; done))" \
    || fail "$group: the tasks are not held once each: $(for name in "$@"; do echo -n "$name [$(task_labels "$name" | tr '\n' ' ')] "; done)"
  if $unkeyed; then # streamq status: the tasks in the group, the source's partitions in <group>.stage1
    until_true 30 status_shows "$group" $# && until_true 30 status_shows "$group.stage1" $# &&
      ok "$group: streamq status shows the $# processes in both stages" || fail "$group: streamq status: $(cat status.line)"
  fi
  if $unkeyed; then # marks go to the repartition topic only, never to the input or the changelog
    local in_topic in_changelog in_repartition
    in_topic=$(marks_in events) in_changelog=$(marks_in "$group.changelog") in_repartition=$(marks_in "$group.ev_by_k.repartition")
    [ "$in_repartition" -gt 0 ] && [ "$in_topic" -eq 0 ] && [ "$in_changelog" -eq 0 ] &&
      ok "$group: $in_repartition watermark marks in the repartition topic, none in the input topic or the changelog" ||
      fail "$group: watermark marks: $in_repartition in the repartition topic, $in_topic in the input, $in_changelog in the changelog"
  fi
  for name in "$@"; do stop "$name"; done
  check_output "$group" no "$@"
  worked "$group" "$@"
  stop_broker
}
# marks_in TOPIC: its records with the watermark mark header
marks_in() { kcat -b "$bootstrap" -C -t "$1" -o beginning -e -q -f '%h\n' 2>/dev/null | grep -c 'streamq\.mark'; }
if [ "$mode" = full ]; then
# 1. One process.
start_broker one && pipeline one
start a1 one
until_true 30 assigned a1.log || fail "one: no assignment: $(tail -2 a1.log)"
for c in $(seq 0 $((chunks - 1))); do produce_chunk $c; done
finish 40 a1
stop a1
check_output "one process" no a1
grep -q 'task assigned' a1.log && ok "one process: $(grep -c 'task assigned' a1.log) 'task assigned' lines" || fail "one process: no 'task assigned' line"
stop_broker

fi
if [ "$mode" = full ]; then
# 2. Two, then three processes from the start.
from_start two b1 b2
from_start three c1 c2 c3
fi

# two_running GROUP A B: a fresh broker, A and B in the group, half of
# the input read and checkpointed
two_running() {
  produced=0
  start_broker "$1" $(rep_topic "$1") && $make_pipeline "$1"
  start "$2" "$1" && start "$3" "$1"
  until_true 40 assigned "$2.log" "$3.log" || fail "$1: not both assigned"
  produce_chunk 0 && produce_chunk 1
  processed 30 "$2" "$3"
}

# 3. Two processes; one is killed -9 mid-stream. The survivor takes over
#    its tasks from the changelog after the session timeout and finishes.
#    Identical repeats are allowed: the dead one's rows after its last
#    checkpoint are written again by the survivor.
killed() { # killed GROUP A B
  local group=$1 d1=$2 d2=$3
  two_running "$group" "$d1" "$d2"
  [ -s "$d1.jsonl" ] || note "the process to be killed has written no rows yet"
  kill -9 "${pid[$d1]}" && wait "${pid[$d1]}" 2>/dev/null
  killed_at=$(wc -l < "$d2.log")
  produce_chunk 2 && produce_chunk 3
  finish 60 "$d1" "$d2" # the dead one wrote windows before its last checkpoint: the union counts
  tail -n +$((killed_at + 1)) "$d2.log" > "$d2.after"
  grep 'task restored' "$d2.after" | grep -q changelog && ok "$group: kill -9: the survivor restored the dead process's tasks from the changelog ($(grep 'task restored' "$d2.after" | grep -c changelog) tasks)" \
    || fail "$group: kill -9: no restore from the changelog in the survivor's log: $(grep -E 'task|partitions' "$d2.after" | head -3)"
  restores survivor "$d2.after"
  remaining=$(metrics "$d2" | grep '^streamq_restore_records_remaining{')
  [ -n "$remaining" ] && ! grep -qv ' 0$' <<<"$remaining" && ok "$group: kill -9: restore_records_remaining is 0 for its $(wc -l <<<"$remaining") tasks" \
    || fail "$group: kill -9: restore_records_remaining: [$(head -3 <<<"$remaining")]"
  stop "$d2"
  check_output "$group: kill -9" yes "$d1" "$d2"
  stop_broker
}
if [ "$mode" != repartition ]; then killed killed d1 d2; fi

if [ "$mode" = full ] || [ "$mode" = restart ]; then
# 4. A process holding every task reads the first chunk; a second joins
#    and takes half (from the changelog); the first is stopped (SIGTERM:
#    a final checkpoint, it leaves at once) and restarted on its state
#    directory while nothing new arrives: whatever tasks it gets back, its
#    own state is current, so it restores them locally, with no replay.
produced=0
start_broker restart && pipeline restart
start e1 restart
until_true 30 assigned e1.log || fail "restart: no assignment"
produce_chunk 0
processed 30 e1
start e2 restart
until_true 40 assigned e2.log || fail "restart: the second process got no tasks"
until_true 20 grep -q 'task revoked' e1.log && ok "restart: the first process logged its tasks revoked when the second joined" \
  || fail "restart: no 'task revoked' in the first process's log"
processed 20 e1 e2
stop e1
before=$(assigned_lines e2.log)
until_true 30 eval '[ "$(assigned_lines e2.log)" -gt $before ]' || note "the tasks of the stopped process did not move"
start e1 restart e1.again.log
until_true 30 grep -qs 'task restored' e1.again.log || fail "restart: the restarted process restored no task: $(tail -2 e1.again.log)"
sleep 1
restores restarted e1.again.log
local_n=$(grep 'task restored' e1.again.log | grep -vc changelog)
replayed=$(grep 'task restored' e1.again.log | grep -c changelog)
[ "$local_n" -gt 0 ] && [ "$replayed" -eq 0 ] && ok "restart: the restarted process restored $local_n tasks from its own state, none from the changelog" \
  || fail "restart: $local_n tasks restored locally, $replayed from the changelog (its state was current)"
restores "took over" e2.log
for c in $(seq 1 $((chunks - 1))); do produce_chunk $c; sleep 0.3; done
finish 40 e1 e2
stop e1 && stop e2
check_output "SIGTERM and restart" no e1 e2
stop_broker

fi
if [ "$mode" = full ]; then
# 5. A third process joins mid-stream: its tasks come from the others,
#    nothing is lost and no (key, window) gets two values.
two_running join f1 f2
start f3 join
until_true 40 assigned f3.log || fail "join: the third process got no tasks"
produce_chunk 2 && produce_chunk 3
finish 40 f1 f2 f3
restores joined f3.log
for name in f1 f2 f3; do stop $name; done
check_output "a process joins" yes f1 f2 f3
worked "a process joins" f1 f2 f3
stop_broker
fi

# 6. A join of two topics keyed alike, on two processes, one killed -9
#    mid-stream: partition p of both sides meets in one task (the second
#    source follows the first's assignment), and the pairs equal sqlite3's.
if [ "$mode" = full ] || [ "$mode" = repartition ]; then
head -8000 data.keyed > left.keyed
"$gen" 8000 2000 8 | sed -E 's/^\{"k":"([^"]*)".*/\1:&/' > right.keyed
cut -d: -f2- left.keyed > left.jsonl
cut -d: -f2- right.keyed > right.jsonl
sqlite3 oracle.db "CREATE TABLE lraw(j)" "CREATE TABLE rraw(j)" ".mode list" ".separator ~ \\n" ".import left.jsonl lraw" ".import right.jsonl rraw" \
  "CREATE TABLE pairs AS SELECT json_extract(l.j, '\$.k') AS k, json_extract(l.j, '\$.ts') AS lts, json_extract(r.j, '\$.ts') AS rts,
     json_extract(l.j, '\$.v') AS lv, json_extract(r.j, '\$.v') AS rv FROM lraw l JOIN rraw r
     ON json_extract(l.j, '\$.k') = json_extract(r.j, '\$.k') AND abs(json_extract(l.j, '\$.ts') - json_extract(r.j, '\$.ts')) <= 1000"
pairs=$(sqlite3 oracle.db "SELECT count(*) FROM pairs")
# join_run GROUP KIND A B: the join on processes A and B, B killed -9
# mid-stream; both topics keyed by k with partitioned_by (KIND = keyed),
# or (mixed) the left one so and the right one produced without keys
# and with half the partitions, so that they are not co-partitioned: with
# repartitioning on, both sides are repartitioned by the join key into
# topics of the wider side's count (the left one's partitioned_by set
# aside, as check says)
join_run() {
  local group=$1 kind=$2 a=$3 b=$4 pb=", partitioned_by = 'k'" rpb="" set="" topics=() side right_parts=$partitions
  if [ "$kind" = keyed ]; then rpb=$pb
  else set="SET 'scale.repartition' = 'on';" topics=("$group.l_by_k.repartition:$partitions" "$group.r_by_k.repartition:$partitions") right_parts=$((partitions / 2)); fi
  start_broker "$group" right:$right_parts "${topics[@]}"
  cat > "$group.sql" <<SQL
$set
$settings
CREATE SOURCE l (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'events', group_id = '$group', timestamp = 'ts', watermark_delay = '6 seconds'$pb);
CREATE SOURCE r (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'right', group_id = '$group', timestamp = 'ts', watermark_delay = '6 seconds'$rpb);
CREATE SINK out WITH (connector = 'file', path = '\${OUT}');
INSERT INTO out SELECT l.k AS k, l.ts AS lts, r.ts AS rts, l.v AS lv, r.v AS rv
FROM l JOIN r WITHIN INTERVAL '1' SECOND ON l.k = r.k WHERE l.k <> 'end';
SQL
  start "$a" "$group"; start "$b" "$group"
  until_true 40 assigned "$a.log" "$b.log" || fail "$group: not every process was assigned partitions"
  send() { # send SIDE FILE: to the left (events: keyed) or right topic (keyed unless mixed)
    if [ "$1" = events ] || [ "$kind" = keyed ]; then kcat -b "$bootstrap" -P -t "$1" -K: -l "$2" 2>/dev/null
    else cut -d: -f2- "$2" > send.u && kcat -b "$bootstrap" -P -t "$1" -l send.u 2>/dev/null; fi
  }
  if [ "$kind" = mixed ]; then
    "$streamq" check "$group.sql" 2>&1 | grep -q "partitioned_by of l set aside: its join with r (not partitioned_by) is not co-partitioned, so both sides are repartitioned by k" &&
      ok "$group: check says both sides of the join are repartitioned, l's partitioned_by set aside" || fail "$group: check: $("$streamq" check "$group.sql" 2>&1 | tail -2)"
  fi
  send events l.0; send right r.0
  until_true 30 test -s "$b.jsonl" || note "$group: $b wrote no rows before it was killed"
  sleep 1
  kill -9 "${pid[$b]}"; wait "${pid[$b]}" 2>/dev/null
  send events l.1; send right r.1
  for p in $(seq 0 $((partitions - 1))); do kcat -b "$bootstrap" -P -t events -K: -p $p -l end.keyed 2>/dev/null; done
  for p in $(seq 0 $((right_parts - 1))); do kcat -b "$bootstrap" -P -t right -K: -p $p -l end.keyed 2>/dev/null; done
  pairs_written() { cat "$a.jsonl" "$b.jsonl" 2>/dev/null | sort -u | wc -l; }
  until_true 60 eval '[ "$(pairs_written)" -ge $pairs ]' || note "$(pairs_written) of $pairs pairs written"
  sleep 1.5
  cat "$a.jsonl" "$b.jsonl" > union.jsonl 2>/dev/null
  r=$(sqlite3 oracle.db "CREATE TEMP TABLE raw(j)" ".mode list" ".separator ~ \\n" ".import union.jsonl raw" ".separator ' '" \
    "CREATE TEMP TABLE got AS SELECT DISTINCT json_extract(j, '\$.k') AS k, json_extract(j, '\$.lts') AS lts, json_extract(j, '\$.rts') AS rts,
       json_extract(j, '\$.lv') AS lv, json_extract(j, '\$.rv') AS rv FROM raw" \
    "SELECT (SELECT count(*) FROM (SELECT * FROM pairs EXCEPT SELECT * FROM got)), (SELECT count(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM pairs))")
  read -r missing wrong <<<"$r"
  [ "$missing" = 0 ] && [ "$wrong" = 0 ] && [ -s "$b.jsonl" ] && grep 'task restored' "$a.log" | grep -q changelog \
    && ok "$group: join over two processes, one killed -9: the $pairs pairs equal sqlite3's ($(wc -l < union.jsonl) rows written)" \
    || fail "$group: $missing of $pairs pairs missing, $wrong not in sqlite3's answer ($b wrote $(wc -l < "$b.jsonl" 2>/dev/null) rows; $a restored: $(grep -c 'task restored' "$a.log"))"
  stop "$a"
  stop_broker
}
head -4000 left.keyed > l.0; tail -n +4001 left.keyed > l.1; head -4000 right.keyed > r.0; tail -n +4001 right.keyed > r.1
if [ "$mode" = full ]; then join_run join keyed g1 g2; else join_run rjoin mixed h1 h2; fi
fi

# 7. Repartitioning: the topic is produced without keys, so rows of a k
#    are in every partition; with SET 'scale.repartition' = 'on' the
#    GROUP BY k goes through a repartition topic. Three processes from the
#    start, then two with one killed -9 mid-stream (stage-1 partitions
#    move and are read again from the group's committed offsets: the
#    repeats they write are dropped by stage 2, so every (key, window) has
#    the one right value).
make_pipeline=rep_pipeline unkeyed=true
if [ "$mode" = repartition ]; then from_start rthree r1 r2 r3; fi
if [ "$mode" = repartition ] || [ "$mode" = quick ]; then killed rkilled s1 s2; fi

# 8. Every kind of aggregation through repartition topics, by two keys
#    (two topics, whose tasks share partition numbers): hopping and
#    session windows, COUNT DISTINCT and APPROX_PERCENTILE by k, and a
#    tumbling count by v. Two processes give the rows one process gives,
#    and the hopping counts equal sqlite3's.
if [ "$mode" = repartition ]; then
kinds_pipeline() {
  cat > "$1.sql" <<SQL
SET 'scale.repartition' = 'on';
$settings
CREATE SOURCE ev (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'events', group_id = '$1', timestamp = 'ts', watermark_delay = '6 seconds');
CREATE SINK hop WITH (connector = 'file', path = '\${OUT}.hop');
CREATE SINK ses WITH (connector = 'file', path = '\${OUT}.ses');
CREATE SINK dis WITH (connector = 'file', path = '\${OUT}.dis');
CREATE SINK byv WITH (connector = 'file', path = '\${OUT}.byv');
INSERT INTO hop SELECT k, WINDOW_START AS ws, COUNT(*) AS n FROM ev WHERE k <> 'end'
  WINDOW HOPPING (SIZE 20 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY k;
INSERT INTO ses SELECT k, WINDOW_START AS ws, WINDOW_END AS we, COUNT(*) AS n, SUM(v) AS total FROM ev WHERE k <> 'end'
  WINDOW SESSION (GAP 15 SECONDS) GROUP BY k;
INSERT INTO dis SELECT k, WINDOW_START AS ws, COUNT(DISTINCT v) AS dv, APPROX_PERCENTILE(v, 0.5) AS median FROM ev
  WHERE k <> 'end' WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY k;
INSERT INTO byv SELECT v, WINDOW_START AS ws, COUNT(*) AS n FROM ev WHERE k <> 'end' WINDOW TUMBLING (SIZE 60 SECONDS) GROUP BY v;
SQL
}
kinds() { # kinds GROUP NAME...: the four outputs of the processes NAME..., each sorted into GROUP.<kind>
  local group=$1 name kind files=(); shift
  produced=0
  start_broker "$group" "$group.ev_by_k.repartition:$partitions" "$group.ev_by_v.repartition:$partitions" && kinds_pipeline "$group"
  for name in "$@"; do start "$name" "$group"; files+=("$name.jsonl.hop"); done
  local logs=()
  for name in "$@"; do logs+=("$name.log"); done
  until_true 40 assigned "${logs[@]}" || fail "$group: not every process was assigned"
  for c in $(seq 0 $((chunks - 1))); do produce_chunk $c; sleep 0.3; done
  for p in $(seq 0 $((partitions - 1))); do produce end.keyed -p $p; done
  until_true 60 eval '[ "$(cat "${files[@]}" 2>/dev/null | sort -u | wc -l)" -ge $hop_expected ]' || note "$group: hopping rows short"
  sleep 3
  for name in "$@"; do stop "$name"; done
  for kind in hop ses dis byv; do
    for name in "$@"; do cat "$name.jsonl.$kind" 2>/dev/null; done | sort -u > "$group.$kind"
  done
  stop_broker
}
sqlite3 oracle.db "CREATE TABLE raw(j)" ".mode list" ".separator ~ \n" ".import data.jsonl raw"   "CREATE TABLE hop AS SELECT k, ws, count(*) AS n FROM
     (SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ts') / 10000 * 10000 AS ws FROM raw
      UNION ALL SELECT json_extract(j, '\$.k'), json_extract(j, '\$.ts') / 10000 * 10000 - 10000 FROM raw) GROUP BY k, ws" "DROP TABLE raw"
hop_expected=$(sqlite3 oracle.db "SELECT count(*) FROM hop")
kinds kone k1
kinds ktwo k2a k2b
for kind in hop ses dis byv; do
  if [ -s kone.$kind ] && cmp -s kone.$kind ktwo.$kind; then ok "$kind through a repartition: two processes write the $(wc -l < kone.$kind) rows of one"
  else fail "$kind through a repartition: one process wrote $(wc -l < kone.$kind 2>/dev/null) rows, two $(wc -l < ktwo.$kind 2>/dev/null), $(comm -3 kone.$kind ktwo.$kind 2>/dev/null | wc -l) differ"; fi
done
r=$(sqlite3 oracle.db "CREATE TEMP TABLE raw(j)" ".mode list" ".separator ~ \n" ".import ktwo.hop raw" ".separator ' '" \
  "CREATE TEMP TABLE got AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ws') AS ws, json_extract(j, '\$.n') AS n FROM raw" \
  "SELECT (SELECT count(*) FROM (SELECT * FROM hop EXCEPT SELECT * FROM got)), (SELECT count(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM hop))")
[ "$r" = "0 0" ] && ok "hopping through a repartition on two processes equals sqlite3 ($hop_expected rows)" \
  || fail "hopping through a repartition: missing, wrong against sqlite3: $r"
fi

# 9. Late rows: after all the data (and a checkpoint over it), 200 of its
#    first rows again, with v = 1000000: their windows closed long ago, in
#    every partition. One process without repartitioning and two with it
#    both drop exactly those 200 as late and write sqlite3's answer.
if [ "$mode" = repartition ]; then
head -200 data.keyed | sed 's/"v":[^,]*/"v":1000000/' > late.keyed
cp late.keyed chunk.late
late_run() { # late_run GROUP REPARTITION NAME...
  local group=$1 name logs=() late=0 n; unkeyed=$2
  produced=0
  start_broker "$group" $(rep_topic "$group") && if $unkeyed; then rep_pipeline "$group"; else pipeline "$group"; fi
  $unkeyed || sed -i "s/, partitioned_by = 'k'//" "$group.sql"
  for name in "${@:3}"; do start "$name" "$group"; logs+=("$name.log"); done
  until_true 40 assigned "${logs[@]}" || fail "$group: not every process was assigned"
  for c in $(seq 0 $((chunks - 1))); do produce_chunk $c; done
  processed 40 "${@:3}"
  produce_chunk late
  finish 60 "${@:3}"
  for name in "${@:3}"; do stop "$name"; done
  for name in "${@:3}"; do
    n=$(sed -n 's/.* \([0-9]*\) late, .*/\1/p' "$name.log" | tail -1)
    late=$((late + ${n:-0}))
  done
  [ "$late" -eq 200 ] && ok "$group: the 200 late rows were dropped as late" || fail "$group: $late rows counted late (want 200)"
  check_output "$group: late rows" no "${@:3}"
  stop_broker
}
late_run lone false l1
late_run rlate true m1 m2
unkeyed=true
fi

# 10. A skewed stream: key "hot" carries half the records. Stage 1 folds
#     a hot key's rows into partial aggregates per input partition and
#     window (scale.preaggregate, on by default), so stage 2 reads about
#     half the records, and the answer stays sqlite3's:
#     - one process whose input partitions fall silent at the end instead
#       of reading end records (idle_timeout: the last windows close once
#       the open partials are cut); stage 2's records are counted, and
#       must drop below 0.6x of the records produced (what it reads
#       without pre-aggregation: every row once);
#     - 200 late rows on two processes, counted late as in scenario 9;
#     - two processes with one killed -9: the survivor reads the dead
#       one's partitions again from their committed offsets (the starts of
#       their segments), writes the same partials at the same origin
#       positions, and stage 2 drops them as repeats.
if [ "$mode" = repartition ] || [ "$mode" = quick ]; then
awk 'NR % 2 == 0 { sub(/^[^:]*:/, "hot:"); sub(/"k":"[^"]*"/, "\"k\":\"hot\"") } 1' data.keyed > skew.keyed
split -n l/$chunks -d -a 1 skew.keyed skew.
cut -d: -f2- skew.keyed > skew.jsonl
sqlite3 skew.db "CREATE TABLE raw(j)" ".mode list" ".separator ~ \\n" ".import skew.jsonl raw" \
  "CREATE TABLE expected AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ts') / 10000 * 10000 AS ws,
     count(*) AS n, sum(json_extract(j, '\$.v')) AS total FROM raw GROUP BY 1, 2" "DROP TABLE raw"
whole_expected=$expected expected=$(sqlite3 skew.db "SELECT count(*) FROM expected") oracle=skew.db chunk_prefix=skew
if [ "$mode" = repartition ]; then
  produced=0
  start_broker spre $(rep_topic spre) && rep_pipeline spre
  sed -i "s/watermark_delay = '6 seconds'/&, idle_timeout = '2 seconds'/" spre.sql
  start t1 spre
  until_true 40 assigned t1.log || fail "spre: no assignment"
  for c in $(seq 0 $((chunks - 1))); do produce_chunk $c; done
  until_true 90 eval '[ "$(windows t1.jsonl)" -ge $expected ]' || note "spre: $(windows t1.jsonl) of $expected windows written"
  stage2=$(metric_sum streamq_records_in_total 'source="ev__by_k"' t1)
  stop t1
  check_output "spre (skewed, pre-aggregated, ended by idleness)" no t1
  stop_broker
  [ "$stage2" -gt 0 ] && [ $((stage2 * 10)) -le $((produced * 6)) ] &&
    ok "skewed: pre-aggregation cut stage 2's input from the $produced records produced to $stage2 ($(awk "BEGIN { printf \"%.2f\", $stage2 / $produced }")x)" ||
    fail "skewed: stage 2 read $stage2 records of the $produced produced"
  # late rows, half of them the hot key's: late in their partition's own
  # view, they go as they are and stage 2 drops them, on two processes
  # as on one without repartitioning
  head -200 skew.keyed | sed 's/"v":[^,]*/"v":1000000/' > skew.late
  late_run slate true v1 v2
fi
killed skilled u1 u2
expected=$whole_expected oracle=oracle.db chunk_prefix=chunk
fi

[ $failures -eq 0 ] && echo "scale out: all passed"
[ $failures -eq 0 ]
