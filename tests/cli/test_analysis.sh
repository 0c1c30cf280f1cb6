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

[ $failures -eq 0 ] && echo "analysis: all passed"
[ $failures -eq 0 ]
