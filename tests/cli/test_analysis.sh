#!/usr/bin/env bash
# `streamq check` and `run` on pipelines that analysis and planning must
# handle: generated files of thousands of queries (which must start at
# once: planning, metrics and state are linear in the number of queries),
# window columns in GROUP BY, sinks written by several queries, warnings,
# and files that are not pipelines at all.
set -u
streamq=$1
dir=$(mktemp -d)
cd "$dir" || exit 1  # state directories (.streamq/<stem>) land here
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"; }

printf '{"k":"a","ts":1000}\n{"k":"b","ts":2000}\n{"k":"a","ts":12000}\n{"k":"a","ts":13000}\n{"k":"b","ts":25000}\n' > "$dir/in.jsonl"
source_sql="CREATE SOURCE s (k STRING, ts TIMESTAMP) WITH (connector = 'file', path = '$dir/in.jsonl', timestamp = 'ts');"

# many queries: 4,000 each of filters, derived streams read by a query, and
# windowed aggregations, all into one sink (this took minutes and gigabytes)
n=4000
{
  echo "$source_sql"
  echo "CREATE SINK out WITH (connector = 'file', path = '$dir/many.jsonl');"
  for ((i = 0; i < n; i++)); do
    echo "INSERT INTO out SELECT k FROM s WHERE k = 'a';"
    echo "CREATE STREAM st$i AS SELECT k, ts FROM s WHERE k = 'b'; INSERT INTO out SELECT k FROM st$i;"
    echo "INSERT INTO out SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;"
  done
} > "$dir/many.sql"
out=$("$streamq" check "$dir/many.sql" 2>&1) || fail "many queries: check: $out"
grep -q "ok: 1 sources, 0 tables, $n streams, 1 sinks, $((4 * n)) queries" <<<"$out" || fail "many queries: check summary: $out"
"$streamq" explain "$dir/many.sql" > "$dir/many.plan" || fail "many queries: explain"
expect_eq "$(grep -c '^#' "$dir/many.plan")" $((7 * n)) "many queries: operators in the plan"
"$streamq" run --quiet "$dir/many.sql" || fail "many queries: run"
expect_eq "$(sort "$dir/many.jsonl" | uniq -c | sed 's/^ *//')" \
  "$n {\"k\":\"a\",\"n\":1}
$n {\"k\":\"a\",\"n\":2}
$((3 * n)) {\"k\":\"a\"}
$((2 * n)) {\"k\":\"b\",\"n\":1}
$((2 * n)) {\"k\":\"b\"}" "many queries: output"

# GROUP BY WINDOW_START / WINDOW_END names the window (a Flink habit): the
# output carries each window's real bounds, checked against sqlite3
cat > "$dir/window_group.sql" <<SQL
$source_sql
CREATE SINK out WITH (connector = 'file', path = '$dir/window_group.csv', format = 'csv');
INSERT INTO out SELECT k, COUNT(*) AS n, WINDOW_START AS ws, WINDOW_END AS we FROM s
  WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY WINDOW_START, k, WINDOW_END;
SQL
"$streamq" run --quiet "$dir/window_group.sql" || fail "GROUP BY WINDOW_START: run"
expected=$(sqlite3 -csv :memory: "CREATE TABLE s (k TEXT, ts INTEGER);
  INSERT INTO s VALUES ('a', 1000), ('b', 2000), ('a', 12000), ('a', 13000), ('b', 25000);
  SELECT k, COUNT(*), ts / 10000 * 10000, ts / 10000 * 10000 + 10000 FROM s GROUP BY ts / 10000, k ORDER BY 3, 1;")
expect_eq "$(tail -n +2 "$dir/window_group.csv" | sort -t, -k3n -k1)" "$expected" "GROUP BY WINDOW_START: output"

# warnings: a valid pipeline that writes nothing, a derived stream no query
# reads; printed as FILE:LINE:COL: warning: with the caret, exit status 0
cat > "$dir/unused.sql" <<SQL
$source_sql
CREATE STREAM lonely AS SELECT k FROM s;
SQL
"$streamq" check "$dir/unused.sql" > "$dir/out" 2> "$dir/err" || fail "warnings: check exit status"
expect_eq "$(cat "$dir/err")" "$dir/unused.sql:2:15: warning: stream 'lonely' is never read: no query selects from it
CREATE STREAM lonely AS SELECT k FROM s;
              ^~~~~~
$dir/unused.sql:2:40: warning: this pipeline writes nothing: it has no INSERT INTO a sink (nor a SELECT to print)
CREATE STREAM lonely AS SELECT k FROM s;
                                       ^" "warnings: stderr"
grep -q "ok: 1 sources, 0 tables, 1 streams, 0 sinks, 1 queries" "$dir/out" || fail "warnings: check summary: $(cat "$dir/out")"
printf '%s\nCREATE SINK out WITH (connector = %s);\nINSERT INTO out SELECT k FROM s;\n' "$source_sql" "'stdout'" > "$dir/used.sql"
"$streamq" check "$dir/used.sql" > /dev/null 2> "$dir/err" || fail "no warnings: check exit status"
expect_eq "$(cat "$dir/err")" "" "no warnings for a pipeline that writes"

# a file that is not a pipeline: one error for a binary or non-UTF-8 file,
# and at most 100 errors of any file, then how many more there were
printf 'SELECT 1;\n\177ELF\002\001\000\000' > "$dir/binary.sql"
"$streamq" check "$dir/binary.sql" 2> "$dir/err"
expect_eq "$?" 1 "binary file: exit status"
expect_eq "$(head -1 "$dir/err")" "$dir/binary.sql:2:7: error: a NUL byte (0x00): a pipeline is UTF-8 text (is this a binary file?)" "binary file: message"
expect_eq "$(grep -c error "$dir/err")" 1 "binary file: errors"
printf "SELECT 'caf\351';\n" > "$dir/latin1.sql"
"$streamq" check "$dir/latin1.sql" 2> "$dir/err"
expect_eq "$(head -1 "$dir/err")" "$dir/latin1.sql:1:12: error: byte 0xe9 is not UTF-8: a pipeline is UTF-8 text (is this a binary file?)" "latin-1 file: message"
for ((i = 0; i < 3000; i++)); do echo "SELEC x;"; done > "$dir/junk.sql"
"$streamq" check "$dir/junk.sql" 2> "$dir/err"
expect_eq "$?" 1 "junk file: exit status"
expect_eq "$(grep -c ': error: ' "$dir/err")" 100 "junk file: errors printed"
expect_eq "$(tail -1 "$dir/err")" "$dir/junk.sql: ... and 2900 more errors" "junk file: the last line"

[ $failures -eq 0 ] && echo "analysis: all passed"
[ $failures -eq 0 ]
