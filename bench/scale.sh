#!/usr/bin/env bash
# Scale-out benchmarks (bench/README.md "Scale-out"): pipelines whose Kafka
# source is partitioned_by, so each of a 16-partition topic's partitions
# runs as a task, on the development broker.
#  1. one process, state changelogs on against off ('scale.changelog'), at
#     the default checkpoint interval and at 1 s: records/s, CPU-s per M;
#  2. restore rate: a process checkpoints 1M keys of an open window and is
#     killed with -9; a second one, with an empty state directory, in the
#     same group restores them from the changelog;
#  3. failover: two processes share the partitions, one is killed with -9:
#     time until the survivor runs the dead one's tasks, at two
#     'kafka.session.timeout.ms';
#  4. repartition: the same aggregation without partitioned_by, through a
#     repartition topic ('scale.repartition'), on one and on two processes,
#     against the keyed one: records/s and CPU-s per M (streamq's and the
#     broker's: stage 1 writes every row to the broker once more);
#  5. skew: the repartitioned aggregation (COUNT, MAX) over a topic whose
#     one key carries half the records, spread over every partition, with
#     stage 1's pre-aggregation of hot keys off and on ('scale.preaggregate'):
#     records/s, CPU-s per M, and the records stage 2 reads.
# Times come from streamq's JSON log lines; every figure is a median of
# several runs, printed with the load average (the machine may be shared).
# Logs stay in build-bench/scale/ for a look at what went wrong.
#   bench/scale.sh [--runs N] [--only throughput|restore|failover|repartition|skew]
#   (N throughput runs, default 5; the restore and failover scenarios run
#   min(N, 3) times; --only runs one of the three)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5 sections="throughput restore failover repartition skew"
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift ;;
    --only) sections=$2; shift ;;
    *) echo "usage: bench/scale.sh [--runs N] [--only throughput|restore|failover|repartition|skew]" >&2; exit 1 ;;
  esac
  shift
done
slow_runs=$((runs < 3 ? runs : 3))
# The mock broker keeps about 5 MiB per partition and drops older records:
# 600k payments of ~100 bytes and 1M key records of ~55 bytes over 16
# partitions stay under that, and so does a changelog of 1M keys.
records=600000 users=100000 keys=1000000 partitions=16

.ci/install-deps
work=build-bench dir=build-bench/scale
cmake -S . -B "$work" -DCMAKE_BUILD_TYPE=Release -DSQ_TESTS=OFF > /dev/null
cmake --build "$work" -j"$(nproc)" > /dev/null
cc -O2 -o "$work/gen_payments" bench/gen_payments.c
streamq=$PWD/$work/streamq
rm -rf "$dir"; mkdir -p "$dir"

# On the way out the streamq processes still running are killed outright
# (their state is thrown away), then the broker: a streamq given SIGTERM
# as its broker goes away can wait a long time in its Kafka client.
started=() broker=""
trap 'for p in "${started[@]}"; do kill -9 "$p" 2> /dev/null || true; done; [ -z "$broker" ] || kill "$broker"' EXIT
fail() {
  echo "bench/scale.sh: $1 (logs: $dir/*.log)" >&2
  exit 1
}
free_port() {
  local port=$1 used
  used=$(ss -Htan | awk '{ sub(/.*:/, "", $4); print $4 }')
  while grep -qx "$port" <<<"$used"; do port=$((port + 1)); done
  echo "$port"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
# column FILE N [KEY]...: field N of FILE's lines whose first fields are KEY...
column() {
  local file=$1 n=$2
  shift 2
  awk -v n="$n" -v keys="$*" 'BEGIN { k = split(keys, key, " ") } { for (i = 1; i <= k; i++) if ($i != key[i]) next; print $n }' "$file"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- The broker: every topic made up front (it cannot create one on
# request), a changelog for each consumer group that will write one.
groups=()
for run in $(seq "$runs"); do groups+=("tp-default-$run" "tp-1s-$run"); done
for run in $(seq "$slow_runs"); do groups+=("rs-$run" "fo6000-$run" "fo45000-$run"); done
for run in $(seq "$slow_runs"); do groups+=("rp-keyed-$run" "rp-one-$run" "rp-two-$run" "sk-off-$run" "sk-on-$run" "sk-on2-$run"); done
topic_args=(--topic payments --topic live --topic keys --topic skewed)
for g in "${groups[@]}"; do topic_args+=(--topic "$g.changelog"); done
for g in "${groups[@]}"; do [[ $g == rp-[ot]* || $g == sk-* ]] && topic_args+=(--topic "$g.payments_by_user_id.repartition"); done
port=$(free_port 29292)
"$streamq" broker --port "$port" --partitions $partitions "${topic_args[@]}" > "$dir/broker.out" 2>&1 &
broker=$!
for _ in $(seq 50); do [ -s "$dir/broker.out" ] && break; sleep 0.1; done
bootstrap=127.0.0.1:$port

# produce TOPIC FILE [END [SPREAD]]: FILE's records into TOPIC, keyed by
# user (partition = user_id % 16; with SPREAD, line number % 16), then
# with END a record per partition far in the future that closes its
# windows; fails if the broker dropped any.
produce() {
  local p n=0 by='$2'
  [ -n "${4:-}" ] && by=NR
  for p in $(seq 0 $((partitions - 1))); do
    awk -F'[:,]' -v p="$p" -v n=$partitions "$by % n == p" "$2" > "$dir/part.jsonl"
    [ -n "${3:-}" ] && echo "{\"user_id\":$((90000000 + p)),\"amount\":0,\"ts\":4102444800000}" >> "$dir/part.jsonl"
    n=$((n + $(wc -l < "$dir/part.jsonl")))
    kcat -b "$bootstrap" -P -t "$1" -p "$p" -l "$dir/part.jsonl"
  done
  [ "$(kcat -b "$bootstrap" -C -t "$1" -o beginning -e -q -f '\n' | wc -l)" -eq "$n" ] ||
    fail "topic $1 holds fewer than the $n records produced (the mock broker's 5 MiB per partition)"
}
# pipeline NAME TOPIC GROUP WINDOW [SETTING=VALUE]...: $dir/NAME.sql, rows to $dir/NAME.jsonl
pipeline() {
  local name=$1 topic=$2 group=$3 window=$4 kv
  shift 4
  for kv in "$@"; do echo "SET '${kv%%=*}' = '${kv#*=}';"; done > "$dir/$name.sql"
  sed -e "s|@TOPIC@|$topic|" -e "s|@GROUP@|$group|" -e "s|@WINDOW@|$window|" -e "s|@OUT@|$PWD/$dir/$name.jsonl|" \
    bench/scale_payments.sql.in >> "$dir/$name.sql"
  rm -f "$dir/$name.jsonl"
}
# start NAME [OPTION]...: streamq runs $dir/NAME.sql from an empty state
# directory, JSON log to $dir/NAME.log, under /usr/bin/time (user s,
# system s, peak RSS KB to $dir/NAME.time); sets $pid (streamq's), $tpid
start() {
  local name=$1
  shift
  /usr/bin/time -f '%U %S %M' -o "$dir/$name.time" "$streamq" run --log-format json --brokers "$bootstrap" \
    --state-dir "$dir/$name.state" --reset-state "$@" "$dir/$name.sql" 2> "$dir/$name.log" &
  tpid=$!
  pid=""
  for _ in $(seq 200); do
    pid=$(pgrep -P "$tpid" || true)
    [ -n "$pid" ] && break
    sleep 0.01
  done
  [ -n "$pid" ] || fail "streamq did not start ($dir/$name.log)"
  started+=("$pid")
}
# await SECONDS WHAT COMMAND...: until COMMAND succeeds; fails when a pid
# in $watch exits or after SECONDS
await() {
  local deadline=$(($(date +%s) + $1)) what=$2 p
  shift 2
  until "$@"; do
    for p in "${watch[@]}"; do kill -0 "$p" 2> /dev/null || fail "streamq (pid $p) exited while waiting for $what"; done
    [ "$(date +%s)" -lt "$deadline" ] || fail "waited too long for $what"
    sleep 0.05
  done
}
# count LOG EVENT: its lines of EVENT; checkpoints LOG: its checkpoint lines
count() { grep -c "\"event\":\"$2\"" "$1" || true; }
checkpoints() { grep -cE '"event":"(slow )?checkpoint"' "$1" || true; }
at_least() { [ "$("${@:2}")" -ge "$1" ]; }
rows() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
# when LINE: a JSON log line's time in seconds since the epoch
when() { date -d "$(sed -n 's/^{"ts":"\([^"]*\)".*/\1/p' <<<"$1")" +%s.%N; }
# records_in PORT...: records read by the processes serving /health there
# (its total: streamq_records_in_total{partition} starts again from 0 when
# a partition's task is restored a second time in one process)
records_in() {
  local p
  for p in "$@"; do curl -s "127.0.0.1:$p/health" | grep -o '"records_in":[0-9]*' | head -1; done |
    awk -F: '{ n += $2 } END { print n + 0 }'
}
# held LOG: the partitions a process holds, from its assigned/revoked lines
held() {
  sed -n 's/.*"event":"partitions \(assigned\|revoked\)","message":"[^"]*partitions \([0-9,]*\)".*/\1 \2/p' "$1" |
    awk '{ n = split($2, ps, ","); for (i = 1; i <= n; i++) if ($1 == "assigned") h[ps[i]] = 1; else delete h[ps[i]] }
         END { for (p in h) print p }' | sort -n | tr '\n' ' '
}
# restored LOG AFTER PARTITIONS: "task restored" lines after the ISO time
# AFTER of the given partitions ("P P ..."), the last one per partition
restored() {
  awk -v after="$2" -v want=" $3" '/"event":"task restored"/ && substr($0, 8, 24) > after {
      if (match($0, /task [^\/]*\/[0-9]+:/)) { p = substr($0, RSTART, RLENGTH); sub(/.*\//, "", p); sub(/:/, "", p)
        if (index(want, " " p " ")) last[p] = $0 } }
    END { for (p in last) print last[p] }' "$1" | sort
}
# applied LINES: "records seconds" of each "task restored" line
applied() { sed -n 's/.* \([0-9]*\) records applied in \([0-9.]*\) s.*/\1 \2/p' <<<"$1"; }

"$work/gen_payments" $records $users > "$dir/payments.jsonl"
produce payments "$dir/payments.jsonl" end
produce live "$dir/payments.jsonl"
m1=$(free_port 29400)
m2=$(free_port $((m1 + 1)))

# --- 1. Throughput, changelogs on and off: payments per user (100k
# users), 10 s tumbling COUNT/SUM per user, one process holding all 16
# tasks. Timed from partition assignment to the end of the final
# checkpoint (SIGTERM as soon as the last window's rows are written), so
# the changelog's share of each checkpoint counts even when the run is
# shorter than the interval. Each run's rows must equal a file run's.
throughput() {
  cat > "$dir/expected.sql" <<SQL
CREATE SOURCE payments (user_id BIGINT, amount DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = '$PWD/$dir/payments.jsonl', timestamp = 'ts', watermark_delay = '1 second');
CREATE SINK out WITH (connector = 'file', path = '$PWD/$dir/expected.jsonl');
INSERT INTO out SELECT user_id, WINDOW_START AS window_start, COUNT(*) AS payments, SUM(amount) AS total
FROM payments WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY user_id;
SQL
  "$streamq" run --quiet --state-dir "$dir/expected.state" --reset-state "$dir/expected.sql"
  sort "$dir/expected.jsonl" > "$dir/expected.sorted"
  expected_rows=$(wc -l < "$dir/expected.sorted")

  : > "$dir/throughput.runs"
  load_before=$(loadavg)
  for run in $(seq "$runs"); do
    for interval in default 1s; do
      for changelog in on off; do
        # a group of its own: one that a process just left waits the mock's
        # rebalance delay (the session timeout) before a new member joins
        group=tp-$interval-$run
        [ $changelog = on ] || group=$group-off
        pipeline "$group" payments "$group" "10 SECONDS" "scale.changelog=$changelog"
        interval_args=()
        [ $interval = default ] || interval_args=(--checkpoint-interval $interval)
        start "$group" "${interval_args[@]}"
        watch=("$pid")
        await 300 "the throughput run's $expected_rows rows" at_least "$expected_rows" rows "$dir/$group.jsonl"
        kill -TERM "$pid"
        wait "$tpid" || fail "streamq failed at SIGTERM"
        sort "$dir/$group.jsonl" | cmp -s - "$dir/expected.sorted" || fail "the rows of $dir/$group.jsonl differ from $dir/expected.jsonl"
        from=$(when "$(grep -m1 '"event":"partitions assigned"' "$dir/$group.log")")
        to=$(when "$(grep -E '"event":"(slow )?checkpoint"' "$dir/$group.log" | tail -1)")
        n_ckpt=$(awk '/"event":"partitions assigned"/ { on = 1 } on && /"event":"(slow )?checkpoint"/ { n++ } END { print n + 0 }' "$dir/$group.log")
        cl_records=0
        [ $changelog = off ] || cl_records=$(kcat -b "$bootstrap" -C -t "$group.changelog" -o beginning -e -q -f '\n' | wc -l)
        read -r user sys rss < "$dir/$group.time"
        echo "$interval $changelog $(awk -v a="$from" -v b="$to" -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f %.2f", b - a, u + s }') $rss $n_ckpt $cl_records" \
          >> "$dir/throughput.runs"
        rm -rf "${dir:?}/$group.jsonl" "${dir:?}/$group.state"
      done
    done
  done
  echo
  echo "Scale-out, one process: payments per user ($users users), 10 s tumbling COUNT/SUM per user, $records records over $partitions partitions (one task each) on the development broker, $runs runs interleaved; timed from partition assignment to the end of the final checkpoint; load average $load_before before, $(loadavg) after"
  echo
  echo "| changelog | checkpoint interval | median s (min-max) | records/s | CPU s per M records | peak RSS MB | checkpoints per run | changelog records per run | records/s on ÷ off |"
  echo "|---|---|---|---|---|---|---|---|---|"
  tp_runs() { column "$dir/throughput.runs" "$1" "$interval" "$changelog"; }
  for interval in default 1s; do
    off_secs=$(column "$dir/throughput.runs" 3 "$interval" off | median)
    for changelog in on off; do
      secs=$(tp_runs 3 | median)
      awk -v i="$([ $interval = default ] && echo "10 s (default)" || echo 1 s)" -v c=$changelog -v s="$secs" -v r="$(tp_runs 3 | range)" \
        -v cpu="$(tp_runs 4 | median)" -v rss="$(tp_runs 5 | sort -g | tail -1)" -v ck="$(tp_runs 6 | median)" -v cl="$(tp_runs 7 | median)" \
        -v off="$off_secs" -v n=$records 'BEGIN {
          printf "| %s | %s | %.3f (%s) | %.2f M | %.2f | %.1f | %s | %s | %.2f× |\n", c, i, s, r, n / s / 1e6, cpu / n * 1e6, rss / 1024,
            ck, cl, off / s }'
    done
  done
}

# --- 2. Restore rate: 1M users with one payment each, all in one open
# 1-hour window; the first process reads them and checkpoints them (one
# changelog record per key), is killed with -9, and a second one with an
# empty state directory joins the same group. Rate: the records its
# "task restored" lines applied over the wall time from its first "task
# assigned" to its last "task restored". A 6 s session timeout only
# shortens the wait for the dead member to leave the group.
restore() {
  awk -v n=$keys 'BEGIN { for (i = 0; i < n; i++) printf "{\"user_id\":%d,\"amount\":%d.%02d,\"ts\":%.0f}\n", 1000000 + i, i % 200, i % 100, 1767225600000 + i }' \
    > "$dir/keys.jsonl"
  produce keys "$dir/keys.jsonl"
  : > "$dir/restore.runs"
  load_before=$(loadavg)
  for run in $(seq "$slow_runs"); do
    a=rs-$run-a b=rs-$run-b
    pipeline "$a" keys "rs-$run" "1 HOUR" kafka.session.timeout.ms=6000
    start "$a" --checkpoint-interval 2s --metrics-addr "$m1"
    watch=("$pid")
    await 300 "the first process to read $keys records" at_least $keys records_in "$m1"
    n=$(checkpoints "$dir/$a.log")
    await 120 "a checkpoint after the last record" at_least $((n + 2)) checkpoints "$dir/$a.log"
    kill -9 "$pid"
    wait "$tpid" 2> /dev/null || true
    pipeline "$b" keys "rs-$run" "1 HOUR" kafka.session.timeout.ms=6000
    start "$b" --metrics-addr "$m2"
    watch=("$pid")
    await 300 "every task restored" at_least $partitions count "$dir/$b.log" "task restored"
    lines=$(grep '"event":"task restored"' "$dir/$b.log")
    from=$(when "$(grep -m1 '"event":"task assigned"' "$dir/$b.log")")
    to=$(when "$(tail -1 <<<"$lines")")
    total=$(applied "$lines" | awk '{ n += $1 } END { print n }')
    [ "$total" -eq $keys ] || fail "the restore applied $total changelog records, not the $keys keys checkpointed ($dir/$b.log)"
    echo "$(awk -v a="$from" -v b="$to" 'BEGIN { printf "%.3f", b - a }') $total $(applied "$lines" | cut -d' ' -f2 | median)" \
      >> "$dir/restore.runs"
    kill -TERM "$pid"
    wait "$tpid" || fail "streamq failed at SIGTERM after its restore ($dir/$b.log)"
    rm -rf "${dir:?}/$a.state" "${dir:?}/$b.state"
  done
  echo
  echo "Scale-out, restore from the changelog: $keys keys in one open window over $partitions partitions, checkpointed by a process killed with -9, restored by a process with an empty state directory, $slow_runs runs; load average $load_before before, $(loadavg) after"
  echo
  echo "| records restored | wall s, first task assigned to last task restored, median (min-max) | records/s | per task: records, median s |"
  echo "|---|---|---|---|"
  secs=$(column "$dir/restore.runs" 1 | median)
  awk -v s="$secs" -v r="$(column "$dir/restore.runs" 1 | range)" -v n=$keys -v p=$partitions -v t="$(column "$dir/restore.runs" 3 | median)" \
    'BEGIN { printf "| %d | %.3f (%s) | %.0f k | %d, %.3f |\n", n, s, r, n / s / 1e3, n / p, t }'
}

# --- 3. Failover: two processes share the 16 tasks of the payments
# topic (without the closing records: each task keeps its open windows);
# once both have read every record and the first has checkpointed, it is
# killed with -9. Timed from the kill to the survivor's partition
# assignment and to its last "task restored" of the dead one's tasks.
failover() {
  : > "$dir/failover.runs"
  # shared: processes $a and $b each hold some partitions, together all of them
  shared() {
    local na nb
    na=$(held "$dir/$a.log" | wc -w) nb=$(held "$dir/$b.log" | wc -w)
    [ "$na" -gt 0 ] && [ "$nb" -gt 0 ] && [ $((na + nb)) -eq $partitions ]
  }
  # back: the survivor $b has restored every partition in $dead since $after
  back() { [ "$(restored "$dir/$b.log" "$after" "$dead" | wc -l)" -eq "$(wc -w <<<"$dead")" ]; }
  load_before=$(loadavg)
  for timeout in 6000 45000; do
    for run in $(seq "$slow_runs"); do
      a=fo$timeout-$run-a b=fo$timeout-$run-b
      pipeline "$a" live "fo$timeout-$run" "10 SECONDS" kafka.session.timeout.ms=$timeout
      pipeline "$b" live "fo$timeout-$run" "10 SECONDS" kafka.session.timeout.ms=$timeout
      start "$a" --metrics-addr "$m1"
      pa=$pid ta=$tpid
      start "$b" --metrics-addr "$m2"
      pb=$pid tb=$tpid
      watch=("$pa" "$pb")
      await $((timeout / 1000 * 3 + 60)) "the two processes to share the partitions" shared
      await 300 "both processes to read $records records" at_least $records records_in "$m1" "$m2"
      n=$(checkpoints "$dir/$a.log")
      await 60 "a checkpoint after the last record" at_least $((n + 2)) checkpoints "$dir/$a.log"
      dead=$(held "$dir/$a.log")
      killed=$(date +%s.%N)
      kill -9 "$pa"
      wait "$ta" 2> /dev/null || true
      after=$(date -u -d "@$killed" +%Y-%m-%dT%H:%M:%S.%3NZ)
      watch=("$pb")
      await $((timeout / 1000 * 3 + 60)) "the survivor to restore the dead one's tasks" back
      lines=$(restored "$dir/$b.log" "$after" "$dead")
      assigned=$(awk -v after="$after" '/"event":"partitions assigned"/ && substr($0, 8, 24) > after { print; exit }' "$dir/$b.log")
      last=$(awk '{ print substr($0, 8, 24), $0 }' <<<"$lines" | sort | tail -1 | cut -d' ' -f2-)
      # on the mock, commits sent during the rebalance can fail with an old
      # generation id: the survivor then loses its own partitions too, and
      # the group rebalances once more
      lost=$(awk -v after="$after" '/"event":"partitions revoked"/ && substr($0, 8, 24) > after { n++ } END { print n + 0 }' "$dir/$b.log")
      echo "$timeout $(awk -v k="$killed" -v a="$(when "$assigned")" -v r="$(when "$last")" 'BEGIN { printf "%.3f %.3f", a - k, r - k }') $(applied "$lines" | awk '{ n += $1 } END { print n }') $((lost > 0))" \
        >> "$dir/failover.runs"
      kill -TERM "$pb"
      wait "$tb" || fail "streamq failed at SIGTERM after taking over ($dir/$b.log)"
      rm -rf "${dir:?}/$a.state" "${dir:?}/$b.state" "${dir:?}/$a.jsonl" "${dir:?}/$b.jsonl"
    done
  done
  echo
  echo "Scale-out, failover: two processes share $partitions tasks (payments per user, 10 s windows, $records records read), one is killed with -9; times from the kill, $slow_runs runs each; load average $load_before before, $(loadavg) after"
  echo
  echo "| kafka.session.timeout.ms | to the survivor's partition assignment, median s (min-max) | to its last task restored, median s (min-max) | changelog records restored (dead one's tasks), median | runs where the survivor lost its own partitions too |"
  echo "|---|---|---|---|---|"
  for timeout in 6000 45000; do
    fo_runs() { column "$dir/failover.runs" "$1" "$timeout"; }
    echo "| $timeout | $(fo_runs 2 | median) ($(fo_runs 2 | range)) | $(fo_runs 3 | median) ($(fo_runs 3 | range)) | $(fo_runs 4 | median) | $(fo_runs 5 | awk '{ n += $1 } END { print n + 0 }') of $slow_runs |"
  done
}

# --- 4. Repartition: the throughput run's aggregation (one process, all
# tasks) against the same without partitioned_by, cut at a repartition
# topic, on one process and on two. Timed from the first partition
# assignment to the last window's rows; CPU of streamq's processes and of
# the broker over the same span (the broker's from /proc, in ticks).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# unkeyed NAME: $dir/NAME.sql without partitioned_by, repartitioned
unkeyed() {
  sed -i -z "s/,\s*partitioned_by = 'user_id'//" "$dir/$1.sql"
  sed -i "1i SET 'scale.repartition' = 'on';" "$dir/$1.sql"
  grep -q "partitioned_by =" "$dir/$1.sql" && fail "the repartition pipeline still says partitioned_by"
  return 0
}
# timed_run RUNS KIND NAME N EXPECTED [SORTED]: N processes run $dir/NAME.sql (a
# copy each, writing $dir/NAME[-i].jsonl) until their union holds EXPECTED
# rows (equal to SORTED's, when given); appends "KIND seconds streamq-CPU-s
# broker-CPU-s stage-2-records" to RUNS, timed from the first partition
# assignment. Stage 2's records (source <src>__by_<columns>) are read
# from /metrics just before the SIGTERM.
timed_run() {
  local runs_file=$1 kind=$2 name=$3 n=$4 expected=$5 sorted=${6:-} hz i from to b0 bt cpu stage2 names=() pids=() tpids=() ports=()
  hz=$(getconf CLK_TCK)
  b0=$(cpu_ticks "$broker")
  for i in $(seq "$n"); do
    [ "$i" = 1 ] || cp "$dir/$name.sql" "$dir/$name-$i.sql"
    [ "$i" = 1 ] || sed -i "s|$name.jsonl|$name-$i.jsonl|" "$dir/$name-$i.sql"
    names+=("$name$([ "$i" = 1 ] || echo "-$i")")
    ports+=("$(free_port $((m2 + i)))")
    start "${names[-1]}" --metrics-addr "127.0.0.1:${ports[-1]}"
    pids+=("$pid") tpids+=("$tpid")
  done
  watch=("${pids[@]}")
  union() { cat "$dir/$name"*.jsonl 2> /dev/null | sort -u | wc -l; }
  await 300 "the $name run's $expected rows" at_least "$expected" union
  to=$(date +%s.%N)
  bt=$(( $(cpu_ticks "$broker") - b0 ))
  stage2=$(for i in "${ports[@]}"; do curl -s "127.0.0.1:$i/metrics"; done |
    awk '/^streamq_records_in_total\{source="[^"]*__by_/ { n += $NF } END { print n + 0 }')
  kill -TERM "${pids[@]}"
  for i in "${tpids[@]}"; do wait "$i" || fail "streamq failed at SIGTERM ($name)"; done
  [ -z "$sorted" ] || [ ! -f "$sorted" ] || cat "$dir/$name"*.jsonl | sort -u | cmp -s - "$sorted" ||
    fail "the rows of $name differ from those of $sorted"
  from=$(for i in "${names[@]}"; do when "$(grep -m1 '"event":"partitions assigned"' "$dir/$i.log")"; done | sort -g | head -1)
  cpu=$(for i in "${names[@]}"; do cat "$dir/$i.time"; done | awk '{ c += $1 + $2 } END { print c }')
  echo "$kind $(awk -v a="$from" -v b="$to" -v c="$cpu" -v bt="$bt" -v hz="$hz" 'BEGIN { printf "%.3f %.2f %.2f", b - a, c, bt / hz }') $stage2" >> "$runs_file"
  rm -rf "${dir:?}/$name"*.state
}
repartition() {
  [ -n "${expected_rows:-}" ] || expected_rows=$(awk -F'[:,]' '{ u = $2; w = int($10 / 10000); k[u " " w] = 1 } END { print length(k) }' "$dir/payments.jsonl")
  : > "$dir/repartition.runs"
  load_before=$(loadavg)
  local kind n name run
  for run in $(seq "$slow_runs"); do
    for kind in keyed one two; do
      name=rp-$kind-$run
      pipeline "$name" payments "$name" "10 SECONDS"
      [ $kind = keyed ] || unkeyed "$name"
      n=1; [ $kind = two ] && n=2
      timed_run "$dir/repartition.runs" $kind "$name" $n "$expected_rows" "$dir/expected.sorted"
      rm -f "${dir:?}/$name"*.jsonl
    done
  done
  echo
  echo "Scale-out, repartition: payments per user ($users users), 10 s tumbling COUNT/SUM per user, $records records over $partitions partitions, keyed (partitioned_by) against cut at a repartition topic of $partitions partitions, $slow_runs runs; timed from the first partition assignment to the last window's rows; load average $load_before before, $(loadavg) after"
  echo
  echo "| pipeline | processes | median s (min-max) | records/s | streamq CPU s per M records | broker CPU s per M records | records/s ÷ keyed |"
  echo "|---|---|---|---|---|---|---|"
  keyed_secs=$(column "$dir/repartition.runs" 2 keyed | median)
  for kind in keyed one two; do
    secs=$(column "$dir/repartition.runs" 2 $kind | median)
    awk -v k=$kind -v s="$secs" -v r="$(column "$dir/repartition.runs" 2 $kind | range)" -v c="$(column "$dir/repartition.runs" 3 $kind | median)" \
      -v b="$(column "$dir/repartition.runs" 4 $kind | median)" -v n=$records -v ks="$keyed_secs" 'BEGIN {
        printf "| %s | %d | %.3f (%s) | %.2f M | %.2f | %.2f | %.2f× |\n", k == "keyed" ? "partitioned_by user_id" : "repartitioned",
          k == "two" ? 2 : 1, s, r, n / s / 1e6, c / (n / 1e6), b / (n / 1e6), ks / s }'
  done
}

# --- 5. Skew: one user carries every second payment (spread over every
# partition, as a payment id key would), through a repartition topic;
# COUNT and MAX per user, which stage 1 may pre-aggregate; off against on
# (one process), and on over two processes. All three write the same rows.
skew() {
  awk 'NR % 2 == 0 { sub(/"user_id":[0-9]+/, "\"user_id\":7") } 1' "$dir/payments.jsonl" > "$dir/skewed.jsonl"
  produce skewed "$dir/skewed.jsonl" end spread
  local skew_rows kind n name run
  skew_rows=$(awk -F'[:,]' '{ u = $2; w = int($10 / 10000); k[u " " w] = 1 } END { print length(k) }' "$dir/skewed.jsonl")
  : > "$dir/skew.runs"
  load_before=$(loadavg)
  for run in $(seq "$slow_runs"); do
    for kind in off on on2; do
      name=sk-$kind-$run
      pipeline "$name" skewed "$name" "10 SECONDS"
      unkeyed "$name"
      sed -i 's/SUM(amount) AS total/MAX(amount) AS top/' "$dir/$name.sql"
      [ $kind = off ] && sed -i "1i SET 'scale.preaggregate' = 'off';" "$dir/$name.sql"
      n=1; [ $kind = on2 ] && n=2
      timed_run "$dir/skew.runs" $kind "$name" $n "$skew_rows" "$dir/skew.sorted"
      [ -f "$dir/skew.sorted" ] || cat "$dir/$name"*.jsonl | sort -u > "$dir/skew.sorted"
      rm -f "${dir:?}/$name"*.jsonl
    done
  done
  echo
  echo "Scale-out, skew: $records payments, every second one by one user (the rest over $users users), spread over $partitions partitions, repartitioned by user; 10 s tumbling COUNT/MAX per user; stage 1's pre-aggregation of hot keys off and on; $slow_runs runs; timed from the first partition assignment to the last window's rows; load average $load_before before, $(loadavg) after"
  echo
  echo "| pre-aggregation | processes | median s (min-max) | records/s | streamq CPU s per M records | broker CPU s per M records | stage 2 records | records/s ÷ off |"
  echo "|---|---|---|---|---|---|---|---|"
  local off_secs
  off_secs=$(column "$dir/skew.runs" 2 off | median)
  for kind in off on on2; do
    awk -v k=$kind -v s="$(column "$dir/skew.runs" 2 $kind | median)" -v r="$(column "$dir/skew.runs" 2 $kind | range)" \
      -v c="$(column "$dir/skew.runs" 3 $kind | median)" -v b="$(column "$dir/skew.runs" 4 $kind | median)" \
      -v in2="$(column "$dir/skew.runs" 5 $kind | median)" -v n=$records -v os="$off_secs" 'BEGIN {
        printf "| %s | %d | %.3f (%s) | %.2f M | %.2f | %.2f | %d | %.2f× |\n", k == "off" ? "off" : "on", k == "on2" ? 2 : 1,
          s, r, n / s / 1e6, c / (n / 1e6), b / (n / 1e6), in2, os / s }'
  done
}

for section in $sections; do "$section"; done
