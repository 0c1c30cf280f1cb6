#!/usr/bin/env bash
# The http sink against a real endpoint on 127.0.0.1 (receiver.py):
# 1. an aggregation delivered gzip'd and signed to an endpoint that is down
#    at start equals sqlite3's; signatures check with Python's hmac; ${ENV}
#    secrets reach the endpoint but no log, state or metric;
# 2. 500s, 429 with Retry-After (seconds, HTTP-date), a request that
#    outlives `timeout`, the endpoint down mid-run, and a 400 for one batch
#    (which goes to the dead-letter file with its rows) lose no other row,
#    and the sink's metrics count what the endpoint answered;
# 3. on_error = 'fail' stops with exit 2 naming the status and the rows;
# 4. kill -9 three times during delivery: deduplicated by Streamq-Sequence,
#    the endpoint holds exactly the rows of an uninterrupted run, and a row
#    sent twice is byte-identical;
# 5. through an outage the sources pause: memory stays bounded.
#   test_http.sh STREAMQ [sanitize]
set -u
streamq=$1 sanitize=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
cd "$dir" || exit 1
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

. "$here/../free_port.sh"
# receiver NAME [--port N] [RULE...]: starts receiver.py logging to NAME.log; sets $rpid and $rport
receiver() {
  local name=$1; shift
  rm -f "$name.port"
  python3 "$here/receiver.py" "$name.port" "$name.log" "$@" & rpid=$!
  pids+=("$rpid")
  for _ in $(seq 100); do [ -s "$name.port" ] && break; sleep 0.05; done
  rport=$(cat "$name.port")
}
# wait_for FILE PATTERN: up to 30 s until FILE holds PATTERN
wait_for() { for _ in $(seq 300); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
metrics() { curl -sf "127.0.0.1:$1/metrics"; }
requests() { wc -l < "$1" 2>/dev/null || echo 0; }

# ---- 1. aggregation, gzip, signing, secret headers, endpoint down at start ----
python3 - <<'PY'
import random
random.seed(7)
with open("ev.jsonl", "w") as j, open("ev.csv", "w") as c:
    for i in range(3000):
        k, v, ts = random.choice("abcde"), random.randint(-50, 500), 1_700_000_000_000 + i * 97
        j.write(f'{{"k":"{k}","v":{v},"ts":{ts}}}\n')
        c.write(f"{k},{v},{ts}\n")
PY
export SQ_HOOK_TOKEN="tok-$RANDOM-hush-$RANDOM" SQ_HOOK_SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
port=$(free_port) mport=$(free_port)
cat > agg.sql <<SQL
CREATE SOURCE ev (k STRING, v BIGINT, ts BIGINT) WITH (connector = 'file', path = '$dir/ev.jsonl', timestamp = 'ts');
CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:$port/hook', batch_size = 7, compression = 'gzip',
                       signing_secret = '\${SQ_HOOK_SECRET}', headers = 'Authorization: Bearer \${SQ_HOOK_TOKEN}
X-Team: data');
INSERT INTO hook SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
"$streamq" run agg.sql --metrics-addr "127.0.0.1:$mport" --log-format json 2> agg.err & spid=$!
pids+=("$spid")
wait_for agg.err 'http endpoint down' || fail "no 'endpoint down' line: $(tail -3 agg.err)"
metrics "$mport" > agg.metrics
curl -sf "127.0.0.1:$mport/health" > agg.health
receiver agg --port "$port"
wait "$spid" || fail "the aggregation run failed: $(tail -3 agg.err)"
grep -q 'http endpoint up' agg.err || fail "no 'endpoint up' line"
python3 "$here/check.py" rows agg.log "$SQ_HOOK_SECRET" > agg.rows || fail "aggregation requests (signatures, keys, duplicates)"
python3 -c 'import json, sys
for l in sys.stdin: print(",".join(str(v) for v in json.loads(l).values()))' < agg.rows | sort > agg.actual
sqlite3 -csv :memory: "CREATE TABLE ev (k TEXT, v INTEGER, ts INTEGER)" ".import ev.csv ev" \
  "SELECT k, ts / 10000 * 10000, count(*), sum(v) FROM ev GROUP BY 1, 2" | sort > agg.expected
[ -s agg.expected ] && diff agg.expected agg.actual > /dev/null && ok "aggregation delivered equals sqlite3 ($(wc -l < agg.expected) rows)" \
  || fail "aggregation differs from sqlite3: $(diff agg.expected agg.actual | head -5)"
python3 - "$SQ_HOOK_TOKEN" <<'PY' || fail "headers, gzip or signature headers missing"
import json, sys
log = [json.loads(l) for l in open("agg.log")]
assert log and all(r["Content-Encoding"] == "gzip" and r["Authorization"] == "Bearer " + sys.argv[1] and r["X-Team"] == "data"
                   and r["webhook-id"] == r["Idempotency-Key"] == "agg.hook." + r["seq"] for r in log), log[0]
PY
! grep -rqF -e "$SQ_HOOK_TOKEN" -e "${SQ_HOOK_SECRET#whsec_}" agg.err agg.metrics agg.health .streamq \
  && ok "secrets absent from logs, metrics, health and state" || fail "a secret leaked"
grep -q '"blocked_sinks":\[\]' agg.health || fail "health: $(cat agg.health)"

# ---- 2. faults: 500s, 429, Retry-After date, a timeout, down mid-run, a 400 to the dead-letter file ----
# Nothing here depends on timing: the receiver scripts its answers by
# request number, the hung request ends only when the sink gives up on it,
# and the outage starts once every row before it is in and rows are
# appended during it; the request timeout is generous, as only the hung
# request should reach it.
seq 0 599 | sed 's/.*/{"n":&,"g":"g&"}/' > rows.jsonl
mport=$(free_port)
receiver faults 3*500 1*429@1 1*503@date:2 1*hang reject:40
cat > faults.sql <<SQL
CREATE SOURCE s (n BIGINT, g STRING) WITH (connector = 'file', path = '$dir/rows.jsonl', follow = true);
CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:$rport/hook', batch_size = 20, max_in_flight = 2,
                       timeout = '10 s', format = 'ndjson', on_error = 'dlq', dlq_path = '$dir/dlq.jsonl');
INSERT INTO hook SELECT n, g FROM s;
SQL
"$streamq" run faults.sql --metrics-addr "127.0.0.1:$mport" 2> faults.err & spid=$!
pids+=("$spid")
delivered() { python3 "$here/check.py" rows faults.log 2>/dev/null | wc -l; }
# the outage comes once the scripted answers are through, the hung request
# is logged (its retry may be in first) and every row but the rejected ones is in
for _ in $(seq 900); do grep -q '"status": -1' faults.log && [ "$(delivered)" -ge 580 ] && break; sleep 0.1; done
python3 "$here/check.py" statuses faults.log > faults.statuses
printf '%s\n' '-1 1' '400 1' '429 1' '500 3' '503 1' > faults.scripted
grep -v '^200 ' faults.statuses | diff -q faults.scripted - > /dev/null \
  && ok "the receiver answered 3 500s, a 429, a 503 and a 400, and the sink gave up on the hung request" \
  || fail "the receiver's answers before the outage: $(echo $(cat faults.statuses))"
kill "$rpid"; wait "$rpid" 2>/dev/null
seq 600 799 | sed 's/.*/{"n":&,"g":"g&"}/' >> rows.jsonl
for _ in $(seq 600); do metrics "$mport" | grep -q 'streamq_http_requests_total{sink="hook",code="error"}' && break; sleep 0.1; done
receiver faults --port "$rport"
# done when every row is in and nothing is queued; then the retries counted, published a round later at most
code_sum() { awk -v codes="$1" 'BEGIN { n = split(codes, c, " "); for (i = 1; i <= n; i++) want["code=\"" c[i] "\"}"] = 1 }
  /^streamq_http_requests_total/ { split($1, p, ","); if (p[2] in want) s += $2 } END { print s + 0 }' faults.metrics; }
retries() { awk '/^streamq_sink_retries_total\{sink="hook"\}/ { print $2 }' faults.metrics; }
for _ in $(seq 900); do
  metrics "$mport" > faults.metrics
  [ "$(delivered)" -ge 780 ] && grep -q 'streamq_sink_queue_rows{sink="hook"} 0$' faults.metrics && break
  sleep 0.1
done
for _ in $(seq 20); do
  [ "$(retries)" = "$(code_sum '500 429 503 timeout error')" ] && break
  sleep 0.1; metrics "$mport" > faults.metrics
done
kill -TERM "$spid"; wait "$spid" || fail "the faults run failed: $(tail -3 faults.err)"
python3 "$here/check.py" rows faults.log > faults.rows || fail "fault requests (keys, duplicates)"
{ seq 0 39; seq 60 799; } | sed 's/.*/{"n":&,"g":"g&"}/' > faults.expected
diff -q faults.expected faults.rows > /dev/null && ok "through 500s, 429, a timeout and an outage every row but the rejected batch arrived" \
  || fail "rows after faults: $(diff faults.expected faults.rows | head -5)"
python3 - <<'PY' && ok "the rejected batch is in the dead-letter file with its status and rows" || fail "dead-letter file: $(cat dlq.jsonl)"
import json
lines = [json.loads(l) for l in open("dlq.jsonl")]
assert len(lines) == 1, lines
d = lines[0]
assert d["sink"] == "hook" and d["status"] == 400 and d["sequence"] == "40-59" and d["response"] == '{"error":"rows refused"}', d
assert d["rows"] == [{"n": n, "g": f"g{n}"} for n in range(40, 60)], d["rows"]
PY
gaps=$(python3 "$here/check.py" gaps faults.log)
[ "$(wc -w <<<"$gaps")" -eq 2 ] && awk '$1 < 0.9 { bad = 1 } END { exit bad }' <<<"$gaps" && ok "Retry-After honoured (waits: $(echo $gaps))" \
  || fail "Retry-After not honoured: $gaps"
# the sink counted what the receiver answered: each scripted status, the
# hung request as a timeout, the outage as errors; each of those a retry
answered() { awk -v s="$1" '$1 == s { print $2 }' faults.statuses; }
python3 "$here/check.py" statuses faults.log > faults.statuses
for code in 500 429 503 400 200; do
  grep -q "streamq_http_requests_total{sink=\"hook\",code=\"$code\"} $(answered $code)$" faults.metrics \
    || fail "requests_total with code $code: $(grep "code=\"$code\"" faults.metrics), the receiver answered $(answered $code)"
done
grep -q 'streamq_http_requests_total{sink="hook",code="timeout"} 1$' faults.metrics || fail "timeouts: $(grep 'code="timeout"' faults.metrics)"
grep -q 'streamq_http_requests_total{sink="hook",code="error"} [1-9]' faults.metrics || fail "no requests_total with code error"
grep -q 'streamq_sink_errors_total{sink="hook"} 20$' faults.metrics || fail "sink errors: $(grep sink_errors faults.metrics)"
[ "$(retries)" = "$(code_sum '500 429 503 timeout error')" ] && [ "$(retries)" -ge 7 ] \
  && ok "retries counted: $(retries), one per 500, 429, 503, timeout and connection error" \
  || fail "retries: $(retries), but 500, 429, 503, timeout and error requests: $(code_sum '500 429 503 timeout error')"
grep -q 'streamq_http_request_duration_seconds_count{sink="hook"} [1-9]' faults.metrics || fail "no request duration histogram"

# ---- 3. on_error = 'fail' ----
receiver failing reject:5
cat > failing.sql <<SQL
CREATE SOURCE s (n BIGINT, g STRING) WITH (connector = 'file', path = '$dir/rows.jsonl');
CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:$rport/hook', batch_size = 5, max_in_flight = 1);
INSERT INTO hook SELECT n, g FROM s;
SQL
"$streamq" run failing.sql 2> failing.err; status=$?
[ $status -eq 2 ] && grep -q 'rejected rows 5-9 with HTTP 400.*first row: {"n":5,"g":"g5"}' failing.err \
  && ok "on_error = 'fail' exits 2 naming the status and the rows" || fail "on_error fail: status $status: $(cat failing.err)"
kill "$rpid"

# ---- 4. kill -9 three times during delivery ----
seq 0 2999 | sed 's/.*/{"n":&,"g":"row &"}/' > many.jsonl
receiver crash delay:0.03
cat > crash.sql <<SQL
CREATE SOURCE s (n BIGINT, g STRING) WITH (connector = 'file', path = '$dir/many.jsonl');
CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:$rport/hook', batch_size = 37, max_in_flight = 2, format = 'ndjson');
INSERT INTO hook SELECT n, g FROM s;
SQL
for at in 10 25 40; do
  "$streamq" run crash.sql --checkpoint-interval 100ms --quiet 2>> crash.err & spid=$!
  pids+=("$spid")
  for _ in $(seq 300); do [ "$(requests crash.log)" -ge "$at" ] && break; sleep 0.05; done
  kill -9 "$spid"; wait "$spid" 2>/dev/null
done
"$streamq" run crash.sql --checkpoint-interval 100ms --quiet 2>> crash.err || fail "the last run after the kills failed: $(tail -3 crash.err)"
python3 "$here/check.py" rows crash.log > crash.rows || fail "rows sent twice differ, or keys are wrong"
diff -q many.jsonl crash.rows > /dev/null && ok "after three kill -9, deduplicated rows equal an uninterrupted run's ($(requests crash.log) requests)" \
  || fail "rows after kills: $(diff many.jsonl crash.rows | head -5)"
kill "$rpid"

# ---- 5. an outage with a fast source: the sources pause, memory stays bounded ----
mport=$(free_port) port=$(free_port)
cat > outage.sql <<SQL
SET 'http.buffer.bytes' = '2000000';
CREATE SOURCE g WITH (connector = 'datagen', kind = 'sequence');
CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:$port/hook');
INSERT INTO hook SELECT seq, ts FROM g;
SQL
"$streamq" run outage.sql --metrics-addr "127.0.0.1:$mport" --quiet 2> outage.err & spid=$!
pids+=("$spid")
for _ in $(seq 300); do curl -sf "127.0.0.1:$mport/health" > outage.health && grep -q '"blocked_sinks":\["hook"\]' outage.health && break; sleep 0.1; done
grep -q '"status":"degraded".*"blocked_sinks":\["hook"\]' outage.health && ok "/health names the blocked sink" || fail "health: $(cat outage.health)"
rss_max=0 ins=()
for _ in 1 2 3 4 5; do
  sleep 0.3
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$spid/status")
  [ "$rss" -gt "$rss_max" ] && rss_max=$rss
  ins+=("$(metrics "$mport" | awk '/^streamq_records_in_total/ { s += $2 } END { print s }')")
done
kill -TERM "$spid"; wait "$spid"
[ "${ins[0]}" = "${ins[4]}" ] && ok "sources paused while the sink is full (${ins[0]} rows read)" || fail "sources kept reading: ${ins[*]}"
if [ "$sanitize" != sanitize ]; then
  [ "$rss_max" -lt 100000 ] && ok "resident memory stayed at ${rss_max} KiB" || fail "resident memory grew to ${rss_max} KiB"
fi

[ $failures -eq 0 ] && echo "http sink: all passed"
[ $failures -eq 0 ]
