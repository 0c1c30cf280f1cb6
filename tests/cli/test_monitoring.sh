#!/usr/bin/env bash
# examples/monitoring against real tools: promtool checks the alert rules,
# the scrape config and a live /metrics scrape; a real Prometheus server
# (Debian's) scrapes a running pipeline and answers a query; the examples
# use only the metric names of docs/ARCHITECTURE.md §7.
# Usage: test_monitoring.sh STREAMQ EXAMPLES_DIR
set -u
. "$(dirname "$(realpath "$0")")/../free_port.sh"
streamq=$1 monitoring=$2/monitoring
dir=$(mktemp -d)
cd "$dir" || exit 1  # state directories (.streamq/<stem>) land here
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

promtool check rules "$monitoring/alerts.yml" > "$dir/rules.out" 2>&1 || fail "promtool check rules: $(cat "$dir/rules.out")"
(cd "$monitoring" && promtool check config prometheus.yml) > "$dir/config.out" 2>&1 || fail "promtool check config: $(cat "$dir/config.out")"

normative="streamq_records_in_total streamq_records_out_total streamq_bad_records_total streamq_late_records_total
streamq_consumer_lag streamq_watermark_seconds streamq_checkpoint_duration_seconds streamq_checkpoint_failures_total
streamq_last_checkpoint_timestamp_seconds streamq_state_keys streamq_state_bytes streamq_sink_retries_total
streamq_sink_errors_total streamq_broker_up streamq_operator_records_total streamq_operator_busy_seconds_total
streamq_partition_skew_ratio streamq_http_requests_total streamq_http_request_duration_seconds streamq_sink_queue_rows"
for name in $(grep -ohE 'streamq_[a-z_]+' "$monitoring"/alerts.yml "$monitoring"/grafana-dashboard.json | sed 's/_bucket$//' | sort -u); do
  grep -qw "$name" <<<"$normative" || fail "examples/monitoring uses $name, which is not a streamq metric"
done

port=$(free_port)
seq 1 50 | sed 's/.*/{"n":&}/' > "$dir/in.jsonl"
cat > "$dir/p.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'file', path = '$dir/in.jsonl', follow = true);
CREATE SINK out WITH (connector = 'file', path = '$dir/out.jsonl');
INSERT INTO out SELECT n FROM s;
SQL
"$streamq" run "$dir/p.sql" --metrics-addr "127.0.0.1:$port" --checkpoint-interval 200ms 2> "$dir/run.log" &
pids+=($!)
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/metrics" > "$dir/metrics.txt" && grep -q '^streamq_records_in_total.* 50$' "$dir/metrics.txt" && break; sleep 0.1; done
# every metric in base units: promtool's lint finds nothing in the whole exposition
promtool check metrics < "$dir/metrics.txt" > "$dir/lint.out" 2>&1 || fail "promtool check metrics: $(cat "$dir/lint.out")"
[ ! -s "$dir/lint.out" ] || fail "promtool check metrics: $(cat "$dir/lint.out")"
grep -q '^streamq_watermark_seconds' "$dir/metrics.txt" || fail "no streamq_watermark_seconds in the scrape"

# checkpoint health: the histogram moves, the last success is recent, /health knows its age
sleep 1
curl -sf "127.0.0.1:$port/metrics" > "$dir/metrics2.txt"
count=$(sed -n 's/^streamq_checkpoint_duration_seconds_count \([0-9]*\)$/\1/p' "$dir/metrics2.txt")
last=$(sed -n 's/^streamq_last_checkpoint_timestamp_seconds \([0-9.e+]*\)$/\1/p' "$dir/metrics2.txt")
[ "${count:-0}" -ge 2 ] && awk -v t="$last" -v now="$(date +%s)" 'BEGIN { exit !(now - t < 5) }' \
  && grep -q '^streamq_checkpoint_duration_seconds_bucket{le="+Inf"} '"$count"'$' "$dir/metrics2.txt" \
  && grep -q '^streamq_checkpoint_failures_total 0$' "$dir/metrics2.txt" \
  && echo "ok   checkpoint metrics: $count checkpoints, the last at $last" || fail "checkpoint metrics: count [$count] last [$last]"
# the engine's part of each checkpoint: one observation per checkpoint, within its duration
stall_count=$(sed -n 's/^streamq_checkpoint_stall_seconds_count \([0-9]*\)$/\1/p' "$dir/metrics2.txt")
stall_sum=$(sed -n 's/^streamq_checkpoint_stall_seconds_sum \([0-9.e+-]*\)$/\1/p' "$dir/metrics2.txt")
sum=$(sed -n 's/^streamq_checkpoint_duration_seconds_sum \([0-9.e+-]*\)$/\1/p' "$dir/metrics2.txt")
[ "${stall_count:-x}" = "$count" ] && awk -v a="$stall_sum" -v b="$sum" 'BEGIN { exit !(a != "" && a <= b) }' \
  && echo "ok   checkpoint stall: $stall_count observations, $stall_sum s of $sum s" \
  || fail "checkpoint stall: count [$stall_count] of [$count], sum [$stall_sum] of [$sum]"
curl -sf "127.0.0.1:$port/health" | grep -qE '"seconds_since_checkpoint":[0-9.]+' \
  && echo "ok   /health reports the checkpoint age" || fail "/health: $(curl -s "127.0.0.1:$port/health")"

prom_port=$(free_port)
cat > "$dir/prom.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: streamq
    static_configs: [{targets: ["127.0.0.1:$port"]}]
YML
prometheus --config.file="$dir/prom.yml" --storage.tsdb.path="$dir/tsdb" --web.listen-address="127.0.0.1:$prom_port" > "$dir/prom.log" 2>&1 &
pids+=($!)
answer=
for _ in $(seq 200); do
  answer=$(curl -sf "127.0.0.1:$prom_port/api/v1/query?query=streamq_records_in_total" 2>/dev/null)
  grep -q '"value":\[[0-9.]*,"50"\]' <<<"$answer" && break
  sleep 0.2
done
grep -q '"source":"s"' <<<"$answer" && grep -q '"value":\[[0-9.]*,"50"\]' <<<"$answer" \
  && echo "ok   Prometheus scraped streamq_records_in_total = 50" || fail "Prometheus query: $answer $(tail -3 "$dir/prom.log")"

[ $failures -eq 0 ] && echo "monitoring: all passed"
[ $failures -eq 0 ]
