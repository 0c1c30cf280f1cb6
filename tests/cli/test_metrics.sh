#!/usr/bin/env bash
# --metrics-addr: /metrics in the Prometheus text format with the values
# of a running pipeline (records in by partition, records out, bad records,
# watermarks), /health as JSON, 404 elsewhere; a taken port is an error.
set -u
. "$(dirname "$(realpath "$0")")/../free_port.sh"
streamq=$1
dir=$(mktemp -d)
cd "$dir" || exit 1  # state directories (.streamq/<stem>) land here
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
has() { grep -qxF -- "$2" <<<"$1" || fail "missing line: $2"; }

port=$(free_port)
printf '{"n":1,"ts":1000}\n{"n":2,"ts":2000}\nnot json\n' > "$dir/in.jsonl"
cat > "$dir/p.sql" <<SQL
CREATE SOURCE s (n BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/in.jsonl', follow = true, timestamp = 'ts', on_error = 'skip');
CREATE SINK out WITH (connector = 'file', path = '$dir/out.jsonl');
INSERT INTO out SELECT n, COUNT(*) AS c FROM s GROUP BY n EMIT CHANGES;
SQL
"$streamq" run "$dir/p.sql" --metrics-addr "127.0.0.1:$port" 2> "$dir/log" &
pid=$!
for _ in $(seq 300); do curl -sf "127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
printf '{"n":1,"ts":3000}\n' >> "$dir/in.jsonl"
for _ in $(seq 300); do [ "$(wc -l < "$dir/out.jsonl" 2>/dev/null)" = 3 ] && break; sleep 0.1; done
metrics=$(curl -sf "127.0.0.1:$port/metrics") || fail "GET /metrics"
has "$metrics" '# TYPE streamq_records_in_total counter'
has "$metrics" 'streamq_records_in_total{source="s",partition="0"} 3'
has "$metrics" 'streamq_records_out_total{sink="out"} 3'
has "$metrics" 'streamq_bad_records_total{source="s",action="skip"} 1'
has "$metrics" 'streamq_watermark_seconds{operator="1_WindowAggregate"} 3'
has "$metrics" 'streamq_late_records_total{operator="1_WindowAggregate"} 0'
has "$metrics" 'streamq_broker_up -1'
has "$metrics" 'streamq_operator_records_total{operator="1_WindowAggregate"} 3'
has "$metrics" 'streamq_state_keys{operator="1_WindowAggregate"} 2'
has "$metrics" 'streamq_state_keys{operator="2_Sink"} 0'
grep -qE '^streamq_operator_busy_seconds_total\{operator="1_WindowAggregate"\} [0-9.e-]+$' <<<"$metrics" || fail "no busy seconds"
grep -qE '^streamq_state_bytes\{operator="1_WindowAggregate"\} [1-9][0-9]*$' <<<"$metrics" || fail "no state bytes"
grep -qE '^process_resident_memory_bytes [1-9][0-9]+$' <<<"$metrics" || fail "no process memory"
# per-source state is published about once a second
for _ in $(seq 40); do health=$(curl -sf "127.0.0.1:$port/health"); grep -q '"records_in":3,"lag"' <<<"$health" && break; sleep 0.1; done
grep -qE '^\{"status":"ok","broker_connected":null,"uptime_seconds":[0-9.]+,"records_in":3,"records_out":3,"seconds_since_checkpoint":null,"lag":0,"sources":\[\{"source":"s","connector":"file","partitions":1,"records_in":3,"lag":0,"watermark_ms":3000,"ended":false,"hot_partitions":\[\]\}\],"blocked_sinks":\[\]\}$' <<<"$health" \
  || fail "health: $health"
[ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/nope")" = 404 ] || fail "unknown path is not 404"
# a taken port is a runtime failure (exit 2), found before the pipeline starts
# (timeouts only bound a regression that would run on)
timeout 30 "$streamq" run "$dir/p.sql" --state-dir "$dir/other" --metrics-addr "127.0.0.1:$port" 2> "$dir/log2"
[ $? -eq 2 ] && grep -q "cannot serve metrics on 127.0.0.1:$port" "$dir/log2" && ! grep -q "start:" "$dir/log2" \
  || fail "taken port: $(cat "$dir/log2")"
# a malformed address is a bad argument: exit 1 with usage, nothing started
for bad in "localhost:x" 999999 "127.0.0.1:0" "127.0.0.1:65536" "127.0.0.1:80x" "1.2.3:80" ":"; do
  timeout 30 "$streamq" run "$dir/p.sql" --state-dir "$dir/other2" --metrics-addr "$bad" 2> "$dir/log3"
  [ $? -eq 1 ] && grep -q "needs \[HOST:\]PORT" "$dir/log3" && grep -q "^usage: streamq run" "$dir/log3" && ! grep -q "start:" "$dir/log3" \
    || fail "bad address $bad: $(cat "$dir/log3")"
done
[ -e "$dir/other2" ] && fail "a bad address created the state directory"
kill -TERM "$pid"
wait "$pid" || fail "SIGTERM did not stop cleanly"
pid=

# A source name with a quote and a backslash: /health stays valid JSON and
# the exposition valid Prometheus text.
cat > "$dir/odd.sql" <<SQL
CREATE SOURCE "b""i\ds" (n BIGINT) WITH (connector = 'file', path = '$dir/in.jsonl', follow = true, on_error = 'skip');
CREATE SINK out WITH (connector = 'file', path = '$dir/odd.jsonl');
INSERT INTO out SELECT n FROM "b""i\ds";
SQL
"$streamq" run "$dir/odd.sql" --metrics-addr "127.0.0.1:$port" 2> "$dir/log4" &
pid=$!
for _ in $(seq 100); do health=$(curl -sf "127.0.0.1:$port/health") && grep -q '"sources":\[{' <<<"$health" && break; sleep 0.1; done
python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["sources"][0]["source"] == "b\"i\\ds", d' "$health" \
  || fail "health with an odd source name: $health"
curl -sf "127.0.0.1:$port/metrics" > "$dir/odd.prom" || fail "GET /metrics"
promtool check metrics < "$dir/odd.prom" > "$dir/promtool.log" 2>&1 || fail "promtool check metrics: $(cat "$dir/promtool.log")"
[ ! -s "$dir/promtool.log" ] || fail "promtool check metrics: $(cat "$dir/promtool.log")"
grep -qF 'streamq_records_in_total{source="b\"i\\ds",partition="0"} 3' "$dir/odd.prom" || fail "odd label: $(grep records_in "$dir/odd.prom")"
kill -TERM "$pid"
wait "$pid" || fail "SIGTERM did not stop cleanly"
pid=
[ $failures -eq 0 ] && echo "metrics: all passed"
[ $failures -eq 0 ]
