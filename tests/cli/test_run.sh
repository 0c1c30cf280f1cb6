#!/usr/bin/env bash
# `streamq run` end to end on files: bad records under each on_error mode,
# CSV input and output, late records, LIMIT and DISTINCT, runtime errors.
set -u
streamq=$1
dir=$(mktemp -d)
cd "$dir" || exit 1  # state directories (.streamq/<stem>) land here
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"; }

cat > "$dir/in.jsonl" <<'DATA'
{"id": 1, "name": "a", "ts": 1000}
{"id": "two", "name": "b", "ts": 2000}
not json at all
{"id": 3, "name": "c\"q\u00e9", "ts": 3000}

[1, 2]
{"id": 5, "name": null, "ts": null}
{"id": 6, "ts": 6000, "extra": {"deep": [1, 2]}}
DATA
pipeline() { # pipeline ON_ERROR_OPTIONS
  cat > "$dir/p.sql" <<SQL
CREATE SOURCE s (id BIGINT, name STRING, ts TIMESTAMP)
  WITH (connector = 'file', path = '$dir/in.jsonl', timestamp = 'ts' $1);
CREATE SINK out WITH (connector = 'file', path = '$dir/out/result.jsonl');
INSERT INTO out SELECT id, name FROM s;
SQL
}

# on_error = fail (the default): exit 2, the message names file and line
pipeline ""
"$streamq" run "$dir/p.sql" 2> "$dir/err"
expect_eq "$?" 2 "on_error fail exit status"
grep -q "bad record in source 's' at $dir/in.jsonl:2: column 'id': expected an integer, got a string" "$dir/err" \
  || fail "on_error fail message: $(cat "$dir/err")"

# skip: good records pass, every bad one is counted
pipeline ", on_error = 'skip'"
"$streamq" run "$dir/p.sql" 2> "$dir/err" || fail "on_error skip exit status"
expect_eq "$(cat "$dir/out/result.jsonl")" $'{"id":1,"name":"a"}\n{"id":3,"name":"c\\"q\u00e9"}\n{"id":6,"name":null}' "skip output"
grep -q "3 records in, 3 out, 0 late, 4 bad" "$dir/err" || fail "skip counts: $(cat "$dir/err")"
grep -q "bad records: source 's': 4 bad records skipped (4 in all)" "$dir/err" || fail "bad records log line: $(cat "$dir/err")"
grep -q "start: pipeline $dir/p.sql (streamq [0-9.]*): sources: s; sinks: out; state: .streamq/p" "$dir/err" \
  || fail "start log line: $(cat "$dir/err")"

# dlq: the raw record, its error and place, one JSON line each
pipeline ", on_error = 'dlq', dlq_path = '$dir/dlq.jsonl'"
"$streamq" run --quiet "$dir/p.sql" || fail "on_error dlq exit status"
expect_eq "$(wc -l < "$dir/dlq.jsonl")" 4 "dlq lines"
expect_eq "$(sed -n 2p "$dir/dlq.jsonl")" "{\"source\":\"s\",\"place\":\"$dir/in.jsonl:3\",\"error\":\"invalid JSON at byte 1: expected a value\",\"record\":\"not json at all\"}" "dlq line"
grep -q '"error":"the event-time column is NULL"' "$dir/dlq.jsonl" || fail "dlq NULL event time"
grep -q '"error":"expected a JSON object"' "$dir/dlq.jsonl" || fail "dlq non-object"

# input that is not JSON (RFC 8259) is a bad record saying so, wherever the
# fault; a dead-letter line is JSON even for a record that is not UTF-8
# (stray bytes as U+FFFD, the exact bytes in record_base64); a UTF-8
# byte-order mark at the start of a file is skipped
printf '\xef\xbb\xbf{"k":"a","amt":1,"ts":1000}\n{"k":"b" "amt":2,"ts":2000}\n{"k":"c","amt":3,,"ts":3000}\n{"k":"d","amt":010,"ts":4000}\n{"k":"e\x01","amt":5,"ts":5000}\n{"k":"\xff\xfe","amt":6,"ts":6000}\n{"k":"\\ud800","amt":7,"ts":7000}\n{"k":"h","amt":8,"ts":8000,}\n{"k":"i","amt":9,"ts":9000,"n":[1,]}\n{"k":"j","amt":10,"ts":10000,"n":{"x":NaN}}\n{"k":"l","amt":11,"ts":11000,"n":[{"x":"\xc3\xa9"}]}\n{"k":"m","amt":"x","ts":12000,"z":"\xfe"}\n' > "$dir/strict.jsonl"
printf "CREATE SOURCE s (k STRING, amt BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/strict.jsonl', timestamp = 'ts', %s);
CREATE SINK out WITH (connector = 'file', path = '$dir/strict.out.jsonl');
INSERT INTO out SELECT k, amt FROM s;\n" "on_error = 'skip'" > "$dir/strict.sql"
"$streamq" run "$dir/strict.sql" 2> "$dir/err" || fail "strict JSON skip run: $(cat "$dir/err")"
expect_eq "$(cat "$dir/strict.out.jsonl")" $'{"k":"a","amt":1}\n{"k":"l","amt":11}' "strict JSON skip output"
grep -q "2 records in, 2 out, 0 late, 10 bad" "$dir/err" || fail "strict JSON skip counts: $(cat "$dir/err")"
sed -i "s|on_error = 'skip'|on_error = 'dlq', dlq_path = '$dir/strict.dlq.jsonl'|" "$dir/strict.sql"
"$streamq" run --quiet "$dir/strict.sql" || fail "strict JSON dlq run"
expect_eq "$(grep -c '"error":"invalid JSON at byte [0-9]*: ' "$dir/strict.dlq.jsonl")" 10 "strict JSON dlq errors"
grep -q '"place":"[^"]*strict.jsonl:2","error":"invalid JSON at byte 10: expected '"','"' or '"'}'"'"' "$dir/strict.dlq.jsonl" \
  || fail "missing comma message: $(head -1 "$dir/strict.dlq.jsonl")"
python3 -c 'import json,sys; [json.loads(l.decode("utf-8")) for l in sys.stdin.buffer]' < "$dir/strict.dlq.jsonl" \
  || fail "dead-letter lines are not strict JSON"
python3 -c '
import base64, json, sys
rows = [json.loads(l.decode("utf-8")) for l in sys.stdin.buffer]
binary = [r for r in rows if "record_base64" in r]
assert len(binary) == 2, rows
assert base64.b64decode(binary[0]["record_base64"]) == b"{\"k\":\"\xff\xfe\",\"amt\":6,\"ts\":6000}", binary
assert binary[0]["record"] == "{\"k\":\"\ufffd\ufffd\",\"amt\":6,\"ts\":6000}", binary
' < "$dir/strict.dlq.jsonl" || fail "record_base64: $(grep record_base64 "$dir/strict.dlq.jsonl")"
printf '\xef\xbb\xbfts,name,id\n1000,x,1\n2000,\xc3\xa9,2\n3000,\xe9,3\n' > "$dir/bom.csv"
cat > "$dir/bom.sql" <<SQL
CREATE SOURCE s (id BIGINT, name STRING, ts TIMESTAMP)
  WITH (connector = 'file', path = '$dir/bom.csv', format = 'csv', timestamp = 'ts', on_error = 'dlq', dlq_path = '$dir/bom.dlq.jsonl');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT id, name, ts FROM s;
SQL
expect_eq "$("$streamq" run --quiet "$dir/bom.sql")" $'{"id":1,"name":"x","ts":1000}\n{"id":2,"name":"\u00e9","ts":2000}' "BOM CSV output"
grep -qF "\"error\":\"invalid UTF-8 at byte 6\",\"record\":\"3000,$(printf '\xef\xbf\xbd'),3\",\"record_base64\":\"MzAwMCzpLDM=\"" "$dir/bom.dlq.jsonl" \
  || fail "CSV invalid UTF-8: $(cat "$dir/bom.dlq.jsonl")"

# CSV in and out: header by name, quoted fields, empty field is NULL
printf 'ts,name,id\n1000,"x, y",1\n2000,"say ""hi""",2\n3000,,3\n' > "$dir/in.csv"
cat > "$dir/csv.sql" <<SQL
CREATE SOURCE s (id BIGINT, name STRING, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/in.csv', format = 'csv', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = '$dir/out.csv', format = 'csv');
INSERT INTO out SELECT id, name, ts FROM s;
SQL
"$streamq" run --quiet "$dir/csv.sql" || fail "csv run"
expect_eq "$(cat "$dir/out.csv")" $'id,name,ts\n1,"x, y",1000\n2,"say ""hi""",2000\n3,,3000' "csv output"

# late records: with no watermark delay, a record behind a closed window is dropped and counted
printf '{"k":"a","ts":1000}\n{"k":"a","ts":12000}\n{"k":"a","ts":5000}\n{"k":"a","ts":13000}\n' > "$dir/late.jsonl"
cat > "$dir/late.sql" <<SQL
CREATE SOURCE s (k STRING, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/late.jsonl', timestamp = 'ts');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT k, COUNT(*) AS n, WINDOW_START AS ws FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
out=$("$streamq" run "$dir/late.sql" 2> "$dir/err")
expect_eq "$out" $'{"k":"a","n":1,"ws":0}\n{"k":"a","n":2,"ws":10000}' "late output"
grep -q "1 late" "$dir/err" || fail "late count: $(cat "$dir/err")"
grep -q "late records: operator #1 WindowAggregate: 1 records dropped as late (1 in all)" "$dir/err" || fail "late log line: $(cat "$dir/err")"

# only the columns some query reads are decoded: a bad value in a column no
# query reads does not make its record bad; once a query reads it, it does.
# The event-time column is decoded even when no query names it.
printf '{"k":"a","extra":"oops","ts":1000}\n{"k":"b","extra":7,"ts":12000}\n' > "$dir/unread.jsonl"
cat > "$dir/unread.sql" <<SQL
CREATE SOURCE s (k STRING, extra BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/unread.jsonl', timestamp = 'ts', on_error = 'skip');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT k, WINDOW_START AS ws FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
SQL
expect_eq "$("$streamq" run --quiet "$dir/unread.sql")" $'{"k":"a","ws":0}\n{"k":"b","ws":10000}' "unread column not decoded"
sed -i 's/SELECT k, WINDOW_START/SELECT k, MAX(extra) AS x, WINDOW_START/' "$dir/unread.sql"
expect_eq "$("$streamq" run --quiet "$dir/unread.sql")" '{"k":"b","x":7,"ws":10000}' "read column decoded and checked"

# grace period keeps the window open for it
sed -i 's/SIZE 10 SECONDS/SIZE 10 SECONDS, GRACE PERIOD 5 SECONDS/' "$dir/late.sql"
expect_eq "$("$streamq" run --quiet "$dir/late.sql")" $'{"k":"a","n":2,"ws":0}\n{"k":"a","n":2,"ws":10000}' "grace output"

# A session row is judged against the watermark in force when it arrives:
# the session at 0 s closed when the row at 100 s came (GAP 10 s, no
# delay), so the row at 5 s is late, in one batch as when it comes later
# through a pipe.
printf '{"k":"a","ts":1767225600000}\n{"k":"a","ts":1767225700000}\n' > "$dir/sess_a.jsonl"
printf '{"k":"a","ts":1767225605000}\n' > "$dir/sess_b.jsonl"
cat > "$dir/sess.sql" <<SQL
CREATE SOURCE ev (k STRING, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/sess.jsonl', timestamp = 'ts');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT k, WINDOW_START AS ws, COUNT(*) AS n FROM ev WINDOW SESSION (GAP 10 SECONDS) GROUP BY k;
SQL
sessions=$'{"k":"a","ws":1767225600000,"n":1}\n{"k":"a","ws":1767225700000,"n":1}'
cat "$dir/sess_a.jsonl" "$dir/sess_b.jsonl" > "$dir/sess.jsonl"
expect_eq "$("$streamq" run --quiet "$dir/sess.sql" 2> "$dir/sess.log")" "$sessions" "session lateness in one batch"
grep -q '1 records dropped as late' "$dir/sess.log" || fail "session lateness in one batch: $(tail -1 "$dir/sess.log")"
rm "$dir/sess.jsonl" && mkfifo "$dir/sess.jsonl"
(cat "$dir/sess_a.jsonl"; sleep 0.5; cat "$dir/sess_b.jsonl") > "$dir/sess.jsonl" &
expect_eq "$("$streamq" run --quiet "$dir/sess.sql" 2> "$dir/sess.log")" "$sessions" "session lateness through a pipe"
kill $! 2> /dev/null; wait $!
grep -q '1 records dropped as late' "$dir/sess.log" || fail "session lateness through a pipe: $(tail -1 "$dir/sess.log")"

# LIMIT and DISTINCT
cat > "$dir/ld.sql" <<SQL
CREATE SOURCE g WITH (connector = 'datagen', kind = 'sequence', count = 1000);
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT DISTINCT seq % 3 AS r FROM g LIMIT 2;
SQL
expect_eq "$("$streamq" run --quiet "$dir/ld.sql")" $'{"r":0}\n{"r":1}' "distinct + limit"

# a missing input file is a runtime failure: exit 2 and a one-line reason
sed -i "s|$dir/in.csv|$dir/missing.csv|" "$dir/csv.sql"
"$streamq" run "$dir/csv.sql" 2> "$dir/err"
expect_eq "$?" 2 "missing file exit status"
grep -q "cannot open $dir/missing.csv: No such file or directory" "$dir/err" || fail "missing file message: $(cat "$dir/err")"

# an unset ${VAR} in an option is an error that names the variable, not a value
cat > "$dir/env.sql" <<SQL
CREATE SOURCE g WITH (connector = 'datagen', kind = 'sequence', count = 1);
CREATE SINK out WITH (connector = 'file', path = '\${SQ_TEST_UNSET_DIR}/x.jsonl');
INSERT INTO out SELECT seq FROM g;
SQL
unset SQ_TEST_UNSET_DIR
"$streamq" run "$dir/env.sql" 2> "$dir/err"
expect_eq "$?" 2 "unset variable exit status"
grep -q 'uses ${SQ_TEST_UNSET_DIR}, which is not set' "$dir/err" || fail "unset variable message: $(cat "$dir/err")"
SQ_TEST_UNSET_DIR=$dir/envdir "$streamq" run --quiet "$dir/env.sql" || fail "set variable run"
expect_eq "$(cat "$dir/envdir/x.jsonl")" '{"seq":0}' "variable substituted"

# --log-format json: one JSON object per log line, with ts, level, event
"$streamq" run --log-format json "$dir/ld.sql" > /dev/null 2> "$dir/json.log" || fail "json log run"
grep -qE '^\{"ts":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z","level":"info","event":"done","message":"1000 records in, 2 out, 0 late, 0 bad, 0 divisions by zero"\}$' "$dir/json.log" \
  || fail "json log line: $(cat "$dir/json.log")"
"$streamq" run --log-format xml "$dir/ld.sql" 2> /dev/null
expect_eq "$?" 1 "unknown log format exit status"

# the live status line: on a terminal only, never with --quiet or into a file
printf '{"n":1}\n' > "$dir/tail.jsonl"
cat > "$dir/tail.sql" <<SQL
CREATE SOURCE s (n BIGINT) WITH (connector = 'file', path = '$dir/tail.jsonl', follow = true);
CREATE SINK out WITH (connector = 'file', path = '$dir/tail.out');
INSERT INTO out SELECT n FROM s;
SQL
timeout -s INT 3 script -qc "$streamq run $dir/tail.sql" /dev/null > "$dir/tty.out" 2>&1
grep -qa 'in [0-9]*/s  out [0-9]*/s  lag 0  watermark ' "$dir/tty.out" || fail "no status line on a terminal: $(cat -v "$dir/tty.out" | head -3)"
timeout -s INT 3 script -qc "$streamq run --quiet $dir/tail.sql" /dev/null > "$dir/tty_quiet.out" 2>&1
grep -qa '/s  out' "$dir/tty_quiet.out" && fail "status line despite --quiet"
timeout -s INT 3 "$streamq" run "$dir/tail.sql" 2> "$dir/notty.err"
grep -q '/s  out' "$dir/notty.err" && fail "status line written to a file"

# a setting taken from the environment is checked when the run starts
printf "SET 'checkpoint.warn_share' = '\${SQ_SHARE}';\n" | cat - "$dir/late.sql" > "$dir/share.sql"
SQ_SHARE=lots "$streamq" run --quiet "$dir/share.sql" 2> "$dir/share.err"
[ $? -eq 2 ] && grep -q "invalid value for 'checkpoint.warn_share'" "$dir/share.err" || fail "bad setting from the environment: $(cat "$dir/share.err")"
SQ_SHARE=0.25 "$streamq" run --quiet "$dir/share.sql" > /dev/null 2> "$dir/share.err" || fail "good setting from the environment: $(cat "$dir/share.err")"

# --set KEY=VALUE is a SET after the file's own: it wins, and it is
# checked like one (diagnostics name --set)
printf '{"k":"a","ts":1000}\n' > "$dir/set.jsonl"
cat > "$dir/set.sql" <<SQL
SET 'checkpoint.interval' = '1 hour';
CREATE SOURCE s (k STRING, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/set.jsonl', timestamp = 'ts', follow = 'true');
CREATE SINK out WITH (connector = 'file', path = '$dir/set.out');
INSERT INTO out SELECT k FROM s;
SQL
timeout -s INT 2 "$streamq" run --state-dir "$dir/set.state" --set checkpoint.interval=100ms "$dir/set.sql" 2> "$dir/set.err"
n=$(grep -c "checkpoint:" "$dir/set.err")
[ "$n" -ge 5 ] || fail "--set checkpoint.interval=100ms: $n checkpoints in 2 s"
timeout -s INT 2 "$streamq" run --state-dir "$dir/set.state" "$dir/set.sql" 2> "$dir/set.err"
n=$(grep -c "checkpoint:" "$dir/set.err")
[ "$n" -le 2 ] || fail "the file's SET of an hour: $n checkpoints in 2 s"
"$streamq" run --set checkpont.interval=5s "$dir/set.sql" 2> "$dir/set.err"
expect_eq "$?" 1 "unknown --set exit status"
grep -q "^--set:1:5: error: unknown setting 'checkpont.interval'.*did you mean 'checkpoint.interval'" "$dir/set.err" || fail "unknown --set: $(cat "$dir/set.err")"
"$streamq" run --set "state.cache.bytes=it's" "$dir/set.sql" 2> "$dir/set.err"
grep -q "'state.cache.bytes' must be a positive number" "$dir/set.err" || fail "bad --set value: $(cat "$dir/set.err")"
"$streamq" run --set novalue "$dir/set.sql" 2> "$dir/set.err"
expect_eq "$?" 1 "--set without '=' exit status"
grep -q "^streamq run: --set needs KEY=VALUE, got 'novalue'" "$dir/set.err" || fail "--set without '=': $(head -1 "$dir/set.err")"

# A pause longer than idle_timeout in data from the past (a replay): the
# idle watermark moves on by the pause, not to the wall clock, so the
# records after it are not late; the windows equal sqlite3's.
awk 'BEGIN { for (i = 0; i < 500; i++) printf "{\"k\":\"k%d\",\"ts\":%d}\n", i % 3, i * 200 }' > "$dir/replay1"
awk 'BEGIN { for (i = 500; i < 1500; i++) printf "{\"k\":\"k%d\",\"ts\":%d}\n", i % 3, i * 200 }' > "$dir/replay2"
cp "$dir/replay1" "$dir/replay.jsonl"
cat > "$dir/replay.sql" <<SQL
CREATE SOURCE s (k STRING, ts TIMESTAMP)
  WITH (connector = 'file', path = '$dir/replay.jsonl', follow = true, timestamp = 'ts', idle_timeout = '1 second');
CREATE SINK out WITH (connector = 'file', path = '$dir/replay.out');
INSERT INTO out SELECT k, WINDOW_START AS ws, COUNT(*) AS n FROM s WHERE k <> 'end' WINDOW TUMBLING (SIZE 60 SECONDS) GROUP BY k;
SQL
"$streamq" run --state-dir "$dir/replay.state" "$dir/replay.sql" 2> "$dir/replay.err" &
holder=$!
# the first minute closes while the first part is read; then a pause
for _ in $(seq 300); do [ "$(wc -l < "$dir/replay.out" 2>/dev/null)" = 3 ] && break; sleep 0.1; done
sleep 3
{ cat "$dir/replay2"; echo '{"k":"end","ts":10000000}'; } >> "$dir/replay.jsonl"
expected=$(cat "$dir/replay1" "$dir/replay2" | sqlite3 :memory: "CREATE TABLE ev(j)" ".mode list" ".separator ~ \n" ".import /dev/stdin ev" \
  "SELECT k || ' ' || ws || ' ' || count(*) FROM (SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ts') / 60000 * 60000 AS ws FROM ev)
   GROUP BY k, ws" | sort)
for _ in $(seq 300); do [ "$(wc -l < "$dir/replay.out")" -ge "$(wc -l <<<"$expected")" ] && break; sleep 0.1; done
kill -TERM "$holder"; wait "$holder"; holder=
actual=$(sed -E 's/\{"k":"([^"]*)","ws":([0-9]+),"n":([0-9]+)\}/\1 \2 \3/' "$dir/replay.out" | sort)
grep -q "1501 records in, [0-9]* out, 0 late" "$dir/replay.err" || fail "replay after a pause: $(grep -E 'done|late' "$dir/replay.err")"
expect_eq "$actual" "$expected" "replay after a pause: windows"

# The state directory: one in use by a running streamq is refused as in
# use; a read-only one as read-only, not as in use.
"$streamq" run --state-dir "$dir/sd.state" "$dir/tail.sql" 2> "$dir/sd1.err" &
holder=$!
for _ in $(seq 100); do grep -q "start:" "$dir/sd1.err" && break; sleep 0.1; done
timeout 30 "$streamq" run --state-dir "$dir/sd.state" "$dir/tail.sql" 2> "$dir/sd.err"
expect_eq "$?" 2 "state directory in use: exit status"
grep -q "the state directory $dir/sd.state is in use by another streamq process" "$dir/sd.err" || fail "in use: $(cat "$dir/sd.err")"
kill -TERM "$holder"; wait "$holder"; holder=
# Read-only: a read-only bind mount in a mount namespace of our own, which
# also stops root (CI runs as root, and chmod does not stop root); without
# namespaces, chmod for other users, else the check is skipped.
ro_run() { timeout 30 "$streamq" run --state-dir "$dir/sd.state" "$dir/tail.sql" 2> "$dir/sd.err"; }
if unshare -rm sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && ! touch "$1/probe" 2>/dev/null' sh "$dir/sd.state" 2>/dev/null; then
  ro_run() {
    timeout 30 unshare -rm sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"' sh "$dir/sd.state" \
      "$streamq" run --state-dir "$dir/sd.state" "$dir/tail.sql" 2> "$dir/sd.err"
  }
elif [ "$(id -u)" -ne 0 ]; then
  chmod -R a-w "$dir/sd.state"
else
  ro_run() { echo "skipped: running as root without mount namespaces, no way to make a directory read-only" >&2; return 99; }
fi
ro_run
status=$?
if [ $status -eq 99 ]; then
  echo "SKIP: read-only state directory: $(cat "$dir/sd.err")"
else
  expect_eq "$status" 2 "read-only state directory: exit status"
  grep -q "the state directory $dir/sd.state is read-only" "$dir/sd.err" && ! grep -q "in use" "$dir/sd.err" \
    || fail "read-only state directory: $(cat "$dir/sd.err")"
fi
chmod -R u+w "$dir/sd.state"

# A file of many blocks, read and decoded a block ahead of the engine: a
# line longer than a block, CRLF line ends, blank and bad lines, a last
# line without a newline. Every good record is counted once (sqlite3 over
# the same values is the oracle), and the first bad line, past the long
# one, is named by its line number.
awk -v values="$dir/blocks.csv" -v first_bad="$dir/blocks.bad" 'BEGIN {
  big = "x"; while (length(big) < 1500000) big = big big
  print "k,v" > values
  for (i = 1; i <= 60000; i++) {
    if (i % 3001 == 0) { printf "\n\r\n"; line += 2 }
    line++
    if (i > 20000 && i % 4999 == 0) { print "{\"k\": broken"; if (!bad++) print line > first_bad; continue }
    printf "{\"k\":\"k%d\",\"v\":%d,\"s\":\"%s\",\"ts\":%d}%s", i % 7, i, i == 20000 ? big : "a\\u00e9", i,
      i == 60000 ? "" : i % 5 ? "\n" : "\r\n"
    print "k" i % 7 "," i > values
  }
}' > "$dir/blocks.jsonl"
blocks_sql() { # ON_ERROR
  cat > "$dir/blocks.sql" <<SQL
CREATE SOURCE b (k STRING, v BIGINT, s STRING, ts TIMESTAMP)
  WITH (connector = 'file', path = '$dir/blocks.jsonl', timestamp = 'ts', on_error = '$1');
CREATE SINK out WITH (connector = 'file', path = '$dir/blocks_out.csv', format = 'csv');
INSERT INTO out SELECT k, COUNT(*) AS n, SUM(v) AS total FROM b WINDOW TUMBLING (SIZE 1 DAY) GROUP BY k;
SQL
}
blocks_sql skip
"$streamq" run --quiet --state-dir "$dir/blocks.state" "$dir/blocks.sql" 2> /dev/null
expect_eq "$?" 0 "many blocks: exit status"
expect_eq "$(tail -n +2 "$dir/blocks_out.csv" | sort)" \
  "$(sqlite3 :memory: ".import --csv $dir/blocks.csv t" ".mode csv" "SELECT k, count(*), sum(v) FROM t GROUP BY k ORDER BY k;" | tr -d "\r")" \
  "many blocks: per-key counts and sums"
blocks_sql fail
rm -rf "$dir/blocks.state" "$dir/blocks_out.csv"
"$streamq" run --quiet --state-dir "$dir/blocks.state" "$dir/blocks.sql" 2> "$dir/blocks.err"
expect_eq "$?" 2 "many blocks, on_error fail: exit status"
grep -q "$dir/blocks.jsonl:$(cat "$dir/blocks.bad"):" "$dir/blocks.err" || fail "many blocks: the first bad line's number: $(head -c 300 "$dir/blocks.err")"
[ $failures -eq 0 ] && echo "run: all passed"
[ $failures -eq 0 ]
