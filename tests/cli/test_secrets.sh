#!/usr/bin/env bash
# Secret hygiene: a value that comes from ${ENV} (a Kafka password, an HTTP
# header, in the url of an endpoint that is down) never appears in log lines,
# error messages, EXPLAIN, /metrics, /health or the state directory, in text
# or JSON logs, on success or on failure.
set -u
. "$(dirname "$(realpath "$0")")/../free_port.sh"
streamq=$1
dir=$(mktemp -d)
cd "$dir" || exit 1  # state directories (.streamq/<stem>) land here
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export SQ_SECRET_TOKEN="tok-$RANDOM-s3cr3t-$RANDOM"
clean() { ! grep -rqF -- "$SQ_SECRET_TOKEN" "$@"; }

seq 1 20 | sed 's/.*/{"n":&}/' > "$dir/in.jsonl"
cat > "$dir/p.sql" <<SQL
SET 'kafka.sasl.password' = '\${SQ_SECRET_TOKEN}';
CREATE SOURCE s (n BIGINT) WITH (connector = 'file', path = '$dir/in.jsonl', follow = true);
CREATE SINK out WITH (connector = 'kafka', topic = 'out');
INSERT INTO out SELECT n FROM s;
SQL
port=$(free_port)
"$streamq" run "$dir/p.sql" --embedded-broker --metrics-addr "127.0.0.1:$port" --log-format json 2> "$dir/run.log" &
pid=$!
for _ in $(seq 300); do curl -sf "127.0.0.1:$port/metrics" > "$dir/metrics.txt" && grep -q 'streamq_records_out_total{sink="out"} 20' "$dir/metrics.txt" && break; sleep 0.1; done
curl -sf "127.0.0.1:$port/health" > "$dir/health.json"
kill -TERM "$pid"; wait "$pid"; pid=
grep -q 'streamq_records_out_total{sink="out"} 20' "$dir/metrics.txt" || fail "the pipeline did not run: $(tail -3 "$dir/run.log")"
"$streamq" explain "$dir/p.sql" > "$dir/explain.txt" 2>&1 || fail "explain"

cat > "$dir/hook.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'file', path = '$dir/in.jsonl');
CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:1/\${SQ_SECRET_TOKEN}',
                       headers = 'Authorization: Bearer \${SQ_SECRET_TOKEN}');
INSERT INTO hook SELECT n FROM s;
SQL
# the endpoint is down: the run retries, logs it, checkpoints the undelivered rows, and stops on SIGTERM
"$streamq" run "$dir/hook.sql" --checkpoint-interval 100ms --metrics-addr "127.0.0.1:$port" --log-format json 2> "$dir/hook.log" &
pid=$!
for _ in $(seq 300); do grep -q 'http endpoint down' "$dir/hook.log" && grep -q '"checkpoint"' "$dir/hook.log" && break; sleep 0.1; done
curl -sf "127.0.0.1:$port/metrics" > "$dir/hook_metrics.txt"
curl -sf "127.0.0.1:$port/health" > "$dir/hook_health.json"
kill -TERM "$pid"; wait "$pid"; pid=
grep -q 'http endpoint down' "$dir/hook.log" || fail "the http pipeline did not report its endpoint down: $(tail -3 "$dir/hook.log")"
grep -q 'streamq_sink_queue_rows{sink="hook"} 20' "$dir/hook_metrics.txt" || fail "the http sink does not hold its 20 rows"
[ -d "$dir/.streamq/hook" ] || fail "no state directory for the http pipeline"
"$streamq" explain "$dir/hook.sql" > "$dir/hook_explain.txt" 2>&1
"$streamq" check "$dir/hook.sql" > "$dir/hook_check.txt" 2>&1 || fail "check"
unset SQ_SECRET_TOKEN_MISSING
sed 's/SQ_SECRET_TOKEN/SQ_SECRET_TOKEN_MISSING/g' "$dir/p.sql" > "$dir/missing.sql"
"$streamq" run "$dir/missing.sql" --embedded-broker 2> "$dir/missing.log" && fail "a missing variable should stop the run"
grep -q 'uses ${SQ_SECRET_TOKEN_MISSING}, which is not set' "$dir/missing.log" || fail "missing variable message: $(cat "$dir/missing.log")"

[ -d "$dir/.streamq/p" ] || fail "no state directory to check"
clean "$dir"/*.log "$dir"/*.txt "$dir"/*.json "$dir/.streamq" || fail "the secret appears in: $(grep -lrF -- "$SQ_SECRET_TOKEN" "$dir")"
[ $failures -eq 0 ] && echo "secrets: all passed"
[ $failures -eq 0 ]
