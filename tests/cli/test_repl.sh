#!/usr/bin/env bash
# Ad-hoc statements: `streamq query` and `streamq repl` against a real
# broker (tests/kafka/broker_helper, records produced with kcat) and, for
# the shell, a real terminal (tmux). Output formats are asserted exactly;
# a bounded aggregation over a topic equals sqlite3's answer. Every
# process started is stopped by pid; every wait is bounded.
# Usage: test_repl.sh STREAMQ BROKER_HELPER GEN_EVENTS
set -u
streamq=$(realpath "$1") helper=$(realpath "$2") gen=$(realpath "$3")
dir=$(mktemp -d)
cd "$dir" || exit 1
export HOME=$dir # the shell's history file lands here
pids=()
session=streamq-repl-test-$$
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
expect() { # expect NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1"$'\n'"$(diff <(echo "$2") <(echo "$3") | head -20)"; fi
}

# ---- without a broker: file sources, formats, diagnostics ----------------
printf '%s\n' '{"k":"a","v":1,"ts":1000}' '{"k":"b","v":2,"ts":2000}' '{"k":"a","v":5,"ts":61000}' > e.jsonl
src="CREATE SOURCE e (k STRING, v BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = 'e.jsonl', timestamp = 'ts');"
q="SELECT k, WINDOW_START AS ws, SUM(v) AS s FROM e WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k"
expect "query prints a bounded windowed result as a table" "k | ws                      | s
--+-------------------------+--
a | 1970-01-01 00:00:00.000 | 1
b | 1970-01-01 00:00:00.000 | 2
a | 1970-01-01 00:01:00.000 | 5
(3 rows)" "$("$streamq" query "$src $q" 2>&1)"
expect "query --format json" '{"k":"a","ws":0,"s":1}
{"k":"b","ws":0,"s":2}
{"k":"a","ws":60000,"s":5}' "$("$streamq" query --format json "$src $q" 2>&1)"
expect "query --format csv" 'k,ws,s
a,0,1
b,0,2
a,60000,5' "$("$streamq" query --format csv "$src $q" 2>&1)"
expect "SET 'output.format' and the op column of EMIT CHANGES" '{"op":"+I","k":"a","n":1}
{"op":"+I","k":"b","n":1}
{"op":"+U","k":"a","n":2}' "$("$streamq" query "$src SET 'output.format' = 'json'; SELECT k, COUNT(*) AS n FROM e GROUP BY k EMIT CHANGES LIMIT 3" 2>&1)"
long=$(printf 'x%.0s' $(seq 60))
printf '{"k":"%s","v":%d,"ts":1}\n' "$long" 1 > long.jsonl
for i in $(seq 2 1005); do printf '{"k":"s","v":%d,"ts":1}\n' "$i"; done >> long.jsonl
out=$("$streamq" query "CREATE SOURCE l (k STRING, v BIGINT) WITH (connector = 'file', path = 'long.jsonl'); SELECT k, v FROM l" 2>&1)
expect "a long value is cut with …" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… |  1" "$(sed -n 3p <<<"$out")"
expect "a bounded table stops at 1000 rows with a note" "… 5 more rows (at most 1000 are shown as a table; json or csv output shows all)
(1005 rows)" "$(tail -2 <<<"$out")"
expect "DESCRIBE masks credentials, SHOW lists" "column | type      | details
-------+-----------+-----------
k      | STRING    | 
v      | BIGINT    | 
ts     | TIMESTAMP | event time
(3 rows)
source 'e' WITH connector = 'file', path = 'e.jsonl', timestamp = 'ts'
name | connector | options
-----+-----------+--------------------------------------
hook | http      | url=http://127.0.0.1:9/, headers=****
(1 row)" "$(HOOK_TOKEN=sekrit "$streamq" query "$src CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:9/', headers = 'Authorization: Bearer \${HOOK_TOKEN}'); DESCRIBE e; SHOW SINKS" 2>&1)"
out=$("$streamq" query "$src
SELECT k, nope FROM e;" 2>&1); status=$?
expect "a bad statement: exit 1 and a caret at <query>:LINE:COL" "1 <query>:2:11: error: unknown column 'nope'
SELECT k, nope FROM e;
          ^~~~" "$status $out"
out=$("$streamq" query "SELECT FROM e" 2>&1); status=$?
[ $status -eq 1 ] && grep -q '^<query>:1:8: error: syntax error' <<<"$out" && ok "a syntax error: exit 1" || fail "syntax error: $status $out"
out=$("$streamq" query --brokers 127.0.0.1:1 "SHOW TOPICS" 2>&1); status=$?
[ $status -eq 2 ] && grep -q "cannot reach the Kafka brokers at 127.0.0.1:1" <<<"$out" && ok "a broker that is down: exit 2 with the reason" \
  || fail "broker down: $status $out"

# ---- a broker -------------------------------------------------------------
rm -f ctl && mkfifo ctl
"$helper" pay:3 events:2 < ctl > bootstrap 2> broker.log &
pids+=($!)
exec 3> ctl
for _ in $(seq 300); do [ -s bootstrap ] && break; sleep 0.1; done
b=$(head -1 bootstrap)
cat > p0.jsonl <<'EOF'
{"id":1,"amount":10,"card":{"number":"4111","brand":"visa"},"paid_at":"2026-01-01T00:00:01Z","ok":true}
{"id":2,"amount":12.5,"card":{"number":"4222"},"paid_at":"2026-01-01T00:00:02Z","ok":false,"note":"x"}
EOF
cat > p1.jsonl <<'EOF'
{"id":3,"amount":7,"card":{"number":"4111"},"paid_at":"2026-01-01T00:01:03Z","ok":true,"note":5}
not json
EOF
kcat -b "$b" -P -t pay -p 0 -K: -l <(sed 's/^/k:/' p0.jsonl) 2>/dev/null
kcat -b "$b" -P -t pay -p 1 -l p1.jsonl 2>/dev/null
expect "SHOW TOPICS: partitions and records" "topic  | partitions | records
-------+------------+--------
events |          2 |       0
pay    |          3 |       4
(2 rows)" "$("$streamq" query --brokers "$b" "LIST TOPICS" 2>&1)"
expect "DESCRIBE TOPIC: offsets and the inferred CREATE SOURCE (mixed types, missing fields, nesting, ISO times)" "partition | start_offset | end_offset | records
----------+--------------+------------+--------
        0 |            0 |          2 |       2
        1 |            0 |          2 |       2
        2 |            0 |          0 |       0
(3 rows)
-- inferred from 4 records (some not JSON objects)
CREATE SOURCE pay (
  id BIGINT,
  amount DOUBLE,
  card_number STRING PATH '\$.card.number',
  card_brand STRING PATH '\$.card.brand',
  paid_at TIMESTAMP,
  ok BOOLEAN,
  note STRING
) WITH (connector = 'kafka', topic = 'pay', format = 'json', timestamp = 'paid_at');" \
  "$("$streamq" query --brokers "$b" "DESCRIBE TOPIC 'pay' SAMPLE 10" 2>&1)"
out=$("$streamq" query --brokers "$b" --format csv "PRINT 'pay' FROM OFFSET 1 LIMIT 2" 2>&1)
expect "PRINT FROM OFFSET n LIMIT n" 'partition,offset,key,value
0,1,k,"{""id"":2,""amount"":12.5,""card"":{""number"":""4222""},""paid_at"":""2026-01-01T00:00:02Z"",""ok"":false,""note"":""x""}"
1,1,,not json' "$(cut -d, -f1,2,4- <<<"$out" | { read -r h; echo "$h"; sort -t, -k1,1 -s; })"
out=$("$streamq" query --brokers "$b" --format json "PRINT pay FROM BEGINNING INTERVAL 2 LIMIT 2" 2>&1)
expect "PRINT INTERVAL n: every nth record" "2" "$(grep -c '"offset"' <<<"$out")"
# an undeclared topic, queried: the inferred schema, in one line of notice
out=$("$streamq" query --brokers "$b" --format csv "SET 'start' = 'earliest'; SELECT card_number, COUNT(*) AS n, SUM(amount) AS total FROM pay WHERE ok GROUP BY card_number EMIT CHANGES LIMIT 2" 2>err)
# partitions are read in any order: the first row is 10 or 7, the second their sum
expect "an undeclared topic is queried with its inferred schema" "op,card_number,n,total
+U,4111,2,17" "$(sed 2d <<<"$out")"
grep -q "^-- no source 'pay': reading topic 'pay' with the schema DESCRIBE TOPIC 'pay' infers$" err && ok "and says so in one line" || fail "no notice: $(cat err)"

# bounded aggregation over a 2-partition topic equals sqlite3
"$gen" 3000 20 5 > ev.jsonl
awk 'NR % 2 == 0' ev.jsonl > ev0; awk 'NR % 2 == 1' ev.jsonl > ev1
kcat -b "$b" -P -t events -p 0 -l ev0 2>/dev/null; kcat -b "$b" -P -t events -p 1 -l ev1 2>/dev/null
actual=$("$streamq" query --brokers "$b" --format csv "CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'events', timestamp = 'ts', watermark_delay = '5 seconds');
SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k" 2>&1 | tail -n +2 | sort)
expected=$(sqlite3 :memory: "CREATE TABLE ev(j);" ".mode list" ".separator ~ \\n" ".import $dir/ev.jsonl ev" \
  "SELECT k || ',' || ws || ',' || count(*) || ',' || coalesce(sum(v), '') || ',' || coalesce(max(v), '') FROM
   (SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ts') / 10000 * 10000 AS ws, json_extract(j, '\$.v') AS v FROM ev)
   GROUP BY k, ws" 2>&1 | sort)
[ -n "$expected" ] && [ "$actual" = "$expected" ] && ok "a bounded windowed aggregation over a topic equals sqlite3 ($(wc -l <<<"$expected") rows, every window closed at the end)" \
  || fail "bounded aggregation: $(diff <(echo "$expected") <(echo "$actual") | head -5)"
out=$("$streamq" query --brokers "$b" "EXPLAIN ANALYZE SELECT k, COUNT(*) AS n FROM events WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k" 2>/dev/null)
grep -q "^    rows in 3000, out [0-9]*; [0-9]* rows/s; busy [0-9.]* ms; state" <<<"$out" && grep -q "^3000 records read" <<<"$out" \
  && ok "EXPLAIN ANALYZE: rows, rate, busy time and state per operator" || fail "EXPLAIN ANALYZE: $out"

# ---- streamq repl: piped input is a script ---------------------------------
out=$(printf '%s\n' "$src" "SELECT k, v" "FROM e WHERE v > 1;" '\format csv' "SELECT COUNT(*) AS n FROM e WINDOW TUMBLING (SIZE 1 HOUR);" \
  | "$streamq" repl 2>&1); status=$?
expect "repl < script: multi-line statements, \\format, no prompts" "0 k | v
--+--
b | 2
a | 5
(2 rows)
n
3" "$status $out"
printf 'SELECT nope FROM e;\n' > bad.sql
out=$(printf 'SHOW SOURCES;\n' | "$streamq" repl bad.sql 2>&1); status=$?
[ $status -eq 1 ] && grep -q "^bad.sql:1:18: error" <<<"$out" && ok "repl FILE.sql runs the file first; its error names the file" || fail "repl FILE: $status $out"

# ---- streamq repl in a terminal --------------------------------------------
screen() { tmux capture-pane -p -t "$session" -S -200; }
wait_screen() { # wait_screen PATTERN: true once the screen shows it (bounded)
  for _ in $(seq 100); do screen | grep -q -- "$1" && return 0; sleep 0.1; done
  return 1
}
wait_prompt() { # wait_prompt: true once the last line is an empty prompt (bounded)
  for _ in $(seq 100); do [ "$(screen | grep -v '^$' | tail -1 | sed 's/ *$//')" = "streamq>" ] && return 0; sleep 0.1; done
  return 1
}
type_line() { tmux send-keys -t "$session" -l "${1%;}"; tmux send-keys -t "$session" '\;' Enter; }
printf '{"seq":%d}\n' 1 2 3 > orders.jsonl
kcat -b "$b" -P -t orders_eu -l orders.jsonl 2>/dev/null
tmux new-session -d -s "$session" -x 160 -y 50 "HOME='$dir' '$streamq' repl --brokers '$b'; echo REPL-EXITED \$?; sleep 60"
wait_screen 'streamq>' || fail "no prompt: $(screen)"
type_line "SET 'start' = 'earliest';"
type_line "SELECT seq FROM orders_eu EMIT CHANGES;"
wait_screen '^  3$' && ok "a live query in the terminal shows its rows" || fail "live rows: $(screen | tail -5)"
printf '{"seq":%d}\n' 42 | kcat -b "$b" -P -t orders_eu 2>/dev/null
wait_screen '^ 42$' && ok "a record produced while it runs appears" || fail "live record: $(screen | tail -5)"
tmux send-keys -t "$session" C-c
wait_screen '^cancelled$' && ok "Ctrl-C cancels the query" || fail "Ctrl-C: $(screen | tail -5)"
type_line "SHOW TOPICS;"
wait_screen '^orders_eu |' && ok "the prompt is back and takes another statement" || fail "after Ctrl-C: $(screen | tail -5)"
tmux send-keys -t "$session" -l "PRINT 'orders_"; tmux send-keys -t "$session" Tab
wait_screen "PRINT 'orders_eu'" && ok "Tab completes a topic name" || fail "completion: $(screen | tail -3)"
tmux send-keys -t "$session" C-c
# Ctrl-C clears the half-typed line: type the next one at the fresh prompt
wait_prompt || fail "no empty prompt after Ctrl-C: $(screen | grep -v '^$' | tail -3)"
type_line "SELECT x FROM nowhere;"
wait_screen "^<repl>:1:15: error: unknown source, table or stream 'nowhere'" && ok "an error in the shell points at what was typed" || fail "repl error: $(screen | grep -v "^$" | tail -8)"
tmux send-keys -t "$session" C-d
wait_screen '^REPL-EXITED 0$' && ok "Ctrl-D leaves with status 0" || fail "Ctrl-D: $(screen | tail -5)"
grep -q 'SELECT\\040seq\\040FROM\\040orders_eu\\040EMIT\\040CHANGES;' "$dir/.streamq_history" && ok "history is kept in ~/.streamq_history" || fail "no history"
tmux kill-session -t "$session" 2>/dev/null

echo quit >&3; exec 3>&-
[ $failures -eq 0 ] && echo "all passed" && exit 0
echo "$failures failures"; exit 1
