#!/usr/bin/env bash
# `streamq status`: two `streamq run` processes of one group share an
# 8-partition keyed topic; status (table and JSON) shows both processes
# by pid, each partition held by one of them, lag 0 once all is read; the
# survivor once one stops; the lag of records produced after both stop;
# both stages of a repartitioned pipeline (tasks in the group, the input
# in <group>.stage1) on one screen; a clear error for a group without
# commits, an unknown topic and an unreachable broker; usage errors for
# bad arguments. The broker is a process of its own; every process is
# stopped by pid.
# Usage: test_status.sh STREAMQ BROKER_HELPER
set -u
streamq=$(realpath "$1") helper=$(realpath "$2") here=$(dirname "$(realpath "$0")")
. "$here/../recovery/kill_lib.sh"
trap 'exit 1' INT TERM # so that the EXIT trap stops every process
until_true() { # until_true SECONDS COMMAND...: true once COMMAND is, polling every 0.2 s
  local i
  for i in $(seq $(($1 * 5))); do "${@:2}" && return 0; sleep 0.2; done
  return 1
}
command -v jq > /dev/null || { echo "FAIL: jq is needed (.ci/install-deps installs it)"; exit 1; }

group=app
rm -f ctl && mkfifo ctl
# rep: a repartitioned pipeline over the unkeyed 4-partition topic raw,
# and its repartition topic, as many partitions (pre-created: the
# development broker cannot create topics on request).
rep=rep
"$helper" events:8 "$group.changelog:8" raw:4 "$rep.changelog:6" "$rep.ev_by_k.repartition:6" < ctl > bootstrap 2> broker.log &
broker_pid=$!
pids+=("$broker_pid")
exec 3> ctl
until_true 30 test -s bootstrap || { echo "FAIL: no broker"; exit 1; }
bootstrap=$(head -1 bootstrap)

# A short session timeout lets a stopped process's partitions move within
# seconds; checkpoints (and so commits) every second.
cat > app.sql <<SQL
CREATE SOURCE ev (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'events', group_id = '$group', timestamp = 'ts', watermark_delay = '1 second',
        partitioned_by = 'k');
CREATE SINK out WITH (connector = 'file', path = '\${OUT}');
INSERT INTO out SELECT k, COUNT(*) AS n FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
# The same query over raw, cut in two stages.
cat > rep.sql <<SQL
SET 'scale.repartition' = 'on';
SET 'scale.partitions' = '6';
CREATE SOURCE ev (k STRING, v BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'raw', group_id = '$rep', timestamp = 'ts', watermark_delay = '1 second');
CREATE SINK out WITH (connector = 'file', path = '\${OUT}');
INSERT INTO out SELECT k, COUNT(*) AS n FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
declare -A pid
start() { # start NAME [PIPELINE]: app.sql by default
  OUT="$dir/$1.jsonl" "$streamq" run --brokers "$bootstrap" --state-dir "$dir/$1.state" --checkpoint-interval 1s \
    --set kafka.session.timeout.ms=6000 --set kafka.heartbeat.interval.ms=500 --set kafka.max.poll.interval.ms=7000 "${2:-app.sql}" 2> "$1.log" &
  pid[$1]=$!
  pids+=("${pid[$1]}")
}
stop() { stop_process "$1" "${pid[$1]}" "$1.log"; } # stop NAME: it must exit 0 (kill_lib.sh)
shown=$group # the group status shows
status() { "$streamq" status --brokers "$bootstrap" --group "$shown" "$@"; }
# q FILTER: jq on the last JSON status
q() { jq -r "$1" status.json; }
# poll SECONDS FILTER: until the JSON status makes FILTER true
holds() { status --format json > status.json 2> status.err && [ "$(q "$filter")" = true ]; }
poll() { filter=$2 && until_true "$1" holds; }

for i in $(seq 1 400); do echo "k$((i % 100)):{\"k\":\"k$((i % 100))\",\"v\":$i,\"ts\":$((1767225600000 + i))}"; done > data.keyed

# 1. Two processes share the topic: both listed, every partition held by one, lag 0.
start a
until_true 30 grep -q 'task assigned' a.log || fail "a: no task assigned: $(tail -2 a.log)"
start b
until_true 40 grep -q 'task assigned' b.log || fail "b: no task assigned: $(tail -2 b.log)"
kcat -b "$bootstrap" -P -t events -K: -l data.keyed 2>/dev/null || fail "kcat could not produce"
a=${pid[a]} b=${pid[b]}
shared="(.partitions | length) == 8 and .lag == 0 and ([.members[].pid] | sort) == ([$a, $b] | sort)
  and all(.partitions[]; (.pid == $a or .pid == $b) and .state == \"running\" and .lag == 0)"
if poll 40 "$shared"; then
  ok "json: members $a and $b, the 8 partitions each held by one of them, running, lag 0"
else
  fail "json after reading everything: $(jq -c '{lag, members: [.members[] | {pid, n: (.tasks | length)}], partitions: [.partitions[] | [.partition, .pid, .state, .lag]]}' status.json 2>/dev/null || cat status.err)"
fi
[ "$(q "[.members[].tasks | length] | add")" = 8 ] && [ "$(q '[.members[].tasks | length] | min')" -ge 1 ] \
  && [ "$(q 'all(.members[]; .host != "" and .uptime_seconds >= 0 and .stale == false)')" = true ] \
  && ok "json: the members' tasks add up to 8, each has some ($(q '[.members[] | "\(.pid): \(.tasks | length)"] | join(", ")'))" \
  || fail "json members: $(jq -c .members status.json)"
[ "$(q '.group_description.unavailable')" != null ] && ok "json: DescribeGroups unavailable on this broker: $(q .group_description.unavailable)" \
  || fail "json: group_description $(q -c .group_description)"
status > status.txt 2>&1
[ $? -eq 0 ] && grep -q "^group $group: 2 members, 8 partitions of 1 topic, lag 0" status.txt \
  && grep -qE "^[^|]+\| $a +\|" status.txt && grep -qE "^[^|]+\| $b +\|" status.txt \
  && [ "$(grep -cE "^events +\| +[0-7] +\|.*\| ($a|$b) +\| running +\|" status.txt)" -eq 8 ] \
  && grep -q "not described" status.txt \
  && ok "table: a summary line, both processes, the 8 partitions running" || fail "table: $(cat status.txt)"
[ "$(q 'has("stage1")')" = false ] && ! grep -q stage status.txt \
  && ok "no $group.stage1 group: no stage1 in the JSON, no stage in the table" || fail "no stage 1: $(jq -c .stage1 status.json) $(grep stage status.txt)"

# 2. One stops: the other is shown holding all 8.
stop b
if poll 40 "all(.partitions[]; .pid == $a and .state == \"running\")"; then ok "after b stops: a holds the 8 partitions"
else fail "after b stops: $(jq -c '[.partitions[] | [.partition, .pid, .state]]' status.json 2>/dev/null || cat status.err)"; fi

# 3. Both stopped, 5 more records in partition 3: its lag is 5.
stop a
for i in 1 2 3 4 5; do echo "x$i:{\"k\":\"x$i\",\"v\":0,\"ts\":1767225700000}"; done > more.keyed
kcat -b "$bootstrap" -P -t events -K: -p 3 -l more.keyed 2>/dev/null || fail "kcat could not produce to partition 3"
status --format json > status.json 2> status.err
[ "$(q ".lag == 5 and all(.partitions[]; .pid == $a and .lag == (if .partition == 3 then 5 else 0 end))")" = true ] \
  && ok "json: lag 5 on partition 3 after 5 more records" || fail "json lag: $(jq -c '[.lag, [.partitions[] | [.partition, .pid, .committed, .end, .lag]]]' status.json)"
status > status.txt 2>&1
grep -q "^group $group: 1 member, 8 partitions of 1 topic, lag 5," status.txt && grep -qE "^events +\| +3 +\|.*\| +5 +\|[^|]*$" status.txt \
  && ok "table: lag 5, partition 3's row" || fail "table lag: $(cat status.txt)"
status --topic events --format json > status.json 2> status.err && [ "$(q '.partitions | length')" = 8 ] \
  && ok "--topic events: its 8 partitions" || fail "--topic events: $(cat status.err)"

# 4. A repartitioned pipeline in two processes: status --group rep shows
#    stage 2 (the tasks: the 6 partitions of the repartition topic, as
#    'scale.partitions' asks) and
#    after it stage 1 (the 4 partitions of raw, in rep.stage1), both
#    processes in each; JSON has stage 1 as "stage1", of the same shape.
start r1 rep.sql
start r2 rep.sql
for p in 0 1 2 3; do # without keys, to each partition (a partition without records would see no commit)
  awk -v p=$p 'NR % 4 == p' data.keyed | cut -d: -f2- | kcat -b "$bootstrap" -P -t raw -p $p 2>/dev/null || fail "kcat could not produce to raw $p"
done
r1=${pid[r1]} r2=${pid[r2]} shown=$rep
by_both="([.members[].pid] | sort) == ([$r1, $r2] | sort)"
stages=".group == \"$rep\" and (.partitions | length) == 6 and $by_both and all(.partitions[]; .topic == \"$rep.ev_by_k.repartition\" and .state == \"running\")
  and .stage1.group == \"$rep.stage1\" and (.stage1.partitions | length) == 4 and (.stage1 | $by_both) and .stage1.lag == 0
  and all(.stage1.partitions[]; .topic == \"raw\" and (.pid == $r1 or .pid == $r2) and .state == \"running\")
  and (.stage1 | keys) == (del(.stage1) | keys) and (.stage1 | has(\"stage1\") | not)"
if poll 60 "$stages"; then
  ok "json: stage 2 in $rep (6 partitions), stage1 in $rep.stage1 (4 partitions of raw, lag 0), members $r1 and $r2 in both"
else
  fail "json of both stages: $(jq -c '[.group, [.members[].pid], (.partitions | length), .stage1.group, [.stage1.members[]?.pid], [.stage1.partitions[]? | [.partition, .pid, .state, .lag]]]' status.json 2>/dev/null || cat status.err)"
fi
status > status.txt 2>&1
[ $? -eq 0 ] && head -1 status.txt | grep -qE "^group $rep: 2 members, 6 partitions of 1 topic, lag [0-9]+, skew ratio [0-9.]+ \(stage 2: the tasks\)$" \
  && grep -qE "^group $rep\.stage1: 2 members, 4 partitions of 1 topic, lag 0, skew ratio [0-9.]+ \(stage 1: the input\)$" status.txt \
  && [ "$(grep -cE "^$rep\.ev_by_k\.repartition +\| +[0-5] +\|.*\| ($r1|$r2) +\| running +\|" status.txt)" -eq 6 ] \
  && [ "$(grep -cE "^raw +\| +[0-3] +\|.*\| ($r1|$r2) +\| running +\|" status.txt)" -eq 4 ] \
  && awk -v s1="group $rep.stage1:" 'index($0, s1) == 1 { at = NR } /^rep\.ev_by_k/ && at || /^raw / && !at { bad = 1 } END { exit bad || !at }' status.txt \
  && ok "table: stage 2's section (6 partitions of the repartition topic), then stage 1's (4 of raw), 2 members in each" || fail "table of both stages: $(cat status.txt)"
shown=$rep.stage1
status > status.txt 2>&1 && status --format json > status.json 2> status.err
head -1 status.txt | grep -qE "^group $rep\.stage1: 2 members, 4 partitions of 1 topic, lag 0, skew ratio [0-9.]+$" \
  && ! grep -q "^group $rep:" status.txt && [ "$(q "has(\"stage1\") or .group != \"$rep.stage1\"")" = false ] \
  && ok "--group $rep.stage1 alone: $(head -1 status.txt)" || fail "--group $rep.stage1: $(head -1 status.txt) $(jq -c .stage1 status.json)"
stop r1
stop r2

# 5. Errors: one line and exit 2 for what cannot be shown, usage and 1 for bad arguments.
expect() { # expect STATUS PATTERN WHAT ARGS...
  "$streamq" status "${@:4}" > err.out 2>&1
  local got=$?
  [ $got -eq "$1" ] && grep -qE -- "$2" err.out && ok "$3: exit $got, '$(head -1 err.out)'" || fail "$3: exit $got (want $1): $(head -3 err.out)"
}
expect 2 "^streamq status: group 'nobody' has no committed offsets$" "a group without commits" --brokers "$bootstrap" --group nobody
expect 2 "^streamq status: no topic 'nosuch'$" "an unknown topic" --brokers "$bootstrap" --group "$group" --topic nosuch
expect 2 "^streamq status: cannot reach the Kafka brokers at 127.0.0.1:1" "an unreachable broker" --brokers 127.0.0.1:1 --group "$group"
expect 1 "missing --group" "no --group" --brokers "$bootstrap"
expect 1 "--format needs table or json" "--format xml" --brokers "$bootstrap" --group "$group" --format xml
expect 1 "^usage: streamq status" "an unknown option" --brokers "$bootstrap" --group "$group" --verbose
STREAMQ_BROKERS= expect 1 "no Kafka brokers" "no brokers" --group "$group"

echo quit >&3
wait "$broker_pid" 2>/dev/null
[ $failures -eq 0 ] && echo "status: all passed"
[ $failures -eq 0 ]
