#!/usr/bin/env bash
# State benchmarks (LevelDB store): how long a checkpoint of 1M dirty keys
# takes, and how long a restart takes from a large state directory to its
# first processed batch (restore, read, process, checkpoint), at two state
# sizes: recovery reads one checkpoint record and replays nothing, so it
# should not grow with the state. Figures come from streamq's own
# checkpoint log lines (what streamq_checkpoint_duration_seconds observes).
# Usage: bench/state.sh [RUNS]   (after bench/run has built build-bench/)
set -u
cd "$(dirname "$0")/.."
runs=${1:-3}
work=build-bench
streamq=$PWD/$work/streamq
[ -x "$streamq" ] || { echo "build first: bench/run --quick" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | sed -n "$(( (runs + 1) / 2 ))p"; }

# 1M keys, each updated once: the final checkpoint writes all of them.
cat > "$tmp/dirty.sql" <<'SQL'
SET 'state.cache.bytes' = '4294967296';
CREATE SOURCE seqs (seq BIGINT, ts TIMESTAMP) WITH (connector = 'datagen', kind = 'sequence', count = 1000000, timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT seq, COUNT(*) AS n, SUM(seq) AS s FROM seqs GROUP BY seq HAVING COUNT(*) > 1 EMIT CHANGES;
SQL
for _ in $(seq "$runs"); do
  (cd "$tmp" && "$streamq" run --state-dir dirty.state --checkpoint-interval 1h dirty.sql 2>&1) |
    sed -n 's/.*checkpoint [0-9]*: \([0-9.]*\) s, \([0-9]*\) bytes, \([0-9]*\) entries.*/\1 \2 \3/p' | tail -1
done > "$tmp/ckpt"
read -r secs bytes entries <<<"$(sort -g "$tmp/ckpt" | sed -n "$(( (runs + 1) / 2 ))p")"
echo "checkpoint of $entries dirty keys ($((bytes / 1048576)) MiB written): median ${secs} s over $runs runs"

# A large state: unique keys from an endless source, stopped with SIGTERM
# (an unfinished run), then restarted until its first checkpoint.
cat > "$tmp/big.sql" <<'SQL'
SET 'state.cache.bytes' = '268435456';
CREATE SOURCE seqs (seq BIGINT, ts TIMESTAMP) WITH (connector = 'datagen', kind = 'sequence', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT seq, COUNT(*) AS n, MIN(CAST(seq AS STRING) || ' a value of some sixty bytes that makes the state larger') AS v
  FROM seqs GROUP BY seq HAVING COUNT(*) > 1 EMIT CHANGES;
SQL
for seconds in 10 40; do
  rm -rf "$tmp/big.state"
  (cd "$tmp" && exec "$streamq" run --quiet --state-dir big.state big.sql) &
  pid=$!
  sleep "$seconds"
  kill -TERM "$pid"; wait "$pid"
  size=$(du -sm "$tmp/big.state" | cut -f1)
  for _ in $(seq "$runs"); do
    (cd "$tmp" && STREAMQ_CRASH_POINT=checkpoint-written:1 /usr/bin/time -f %e -o restart.time \
      "$streamq" run --quiet --state-dir big.state --checkpoint-interval 1ms big.sql 2> /dev/null)
    cat "$tmp/restart.time"
  done > "$tmp/restart"
  echo "restart from ${size} MiB of state to the first checkpointed batch: median $(grep -v '^Command' "$tmp/restart" | median) s"
done

# Checkpoints must not stall the engine: 6M records into 2M groups of a
# 1-hour window, default settings (256 MiB cache, 10 s interval) against
# all in memory with no checkpoint until the end. Reports the wall time,
# peak RSS, the checkpoint count and the longest stall (from the log).
cat > "$tmp/win.sql" <<'SQL'
CREATE SOURCE seqs (seq BIGINT, ts TIMESTAMP) WITH (connector = 'datagen', kind = 'sequence', count = 6000000, timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT seq % 2000000 AS k, COUNT(*) AS n, SUM(seq) AS s FROM seqs WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY seq % 2000000;
SQL
{ echo "SET 'state.cache.bytes' = '17179869184';"; cat "$tmp/win.sql"; } > "$tmp/win_mem.sql"
for variant in "win.sql default settings" "win_mem.sql all in memory, one checkpoint at the end"; do
  read -r file label <<<"$variant"
  interval=10s; [ "$file" = win_mem.sql ] && interval=1h
  for _ in $(seq "$runs"); do
    rm -rf "$tmp/win.state"
    (cd "$tmp" && /usr/bin/time -f '%e %M' -o win.time "$streamq" run --state-dir win.state --checkpoint-interval "$interval" "$file" 2> win.log)
    read -r secs rss < "$tmp/win.time"
    stall=$(sed -n 's/.*engine stalled \([0-9.]*\) s.*/\1/p' "$tmp/win.log" | sort -g | tail -1)
    echo "$secs $rss $(grep -c 'checkpoint [0-9]*[: ]' "$tmp/win.log") ${stall:-0}"
  done > "$tmp/win.runs"
  read -r secs rss count stall <<<"$(sort -g "$tmp/win.runs" | sed -n "$(( (runs + 1) / 2 ))p")"
  echo "2M-key window, $label: median ${secs} s, peak RSS $((rss / 1024)) MB, $count checkpoints, longest stall ${stall} s"
done
