#!/usr/bin/env bash
# Oracle tests: streamq's results on generated out-of-order data must equal
# the same computation done by sqlite3 in batch, an engine that cannot
# share our bugs. Integers are compared exactly, doubles to 1e-6 relative.
# Usage: run_oracle.sh STREAMQ GEN_EVENTS
set -u
streamq=$1 gen=$2
dir=$(mktemp -d)
cd "$dir" || exit 1  # state directories (.streamq/<stem>) land here
trap 'rm -rf "$dir"' EXIT
failures=0

"$gen" 20000 50 7 > "$dir/events.jsonl" || exit 2
to_array() { { echo '['; sed '$!s/$/,/' "$1"; echo ']'; } > "$2"; }
to_array "$dir/events.jsonl" "$dir/events.json"

source_sql="CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = '$dir/events.jsonl', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE SINK out WITH (connector = 'file', path = '$dir/out.jsonl');"

# scenario NAME QUERY EXPECTED_SQL ACTUAL_SQL MISMATCH_SQL
# EXPECTED_SQL and ACTUAL_SQL create tables `expected` and `actual`;
# MISMATCH_SQL counts rows that differ (0 when equal).
scenario() {
  local name=$1 query=$2 expected=$3 actual=$4 mismatch=$5
  printf '%s\n%s\n' "$source_sql" "$query" > "$dir/p.sql"
  rm -f "$dir/out.jsonl"
  if ! "$streamq" run --quiet "$dir/p.sql"; then
    echo "FAIL $name: streamq run failed"; failures=$((failures + 1)); return
  fi
  to_array "$dir/out.jsonl" "$dir/out.json"
  local result
  result=$(sqlite3 -bail :memory: 2>&1 <<SQL
CREATE TABLE ev AS SELECT json_extract(value, '\$.k') AS k, json_extract(value, '\$.v') AS v,
  json_extract(value, '\$.d') AS d, json_extract(value, '\$.ts') AS ts FROM json_each(readfile('$dir/events.json'));
CREATE TABLE out AS SELECT value AS j FROM json_each(readfile('$dir/out.json'));
$expected;
$actual;
SELECT (SELECT count(*) FROM expected) || ' ' || (SELECT count(*) FROM actual) || ' ' || ($mismatch);
SQL
)
  read -r n_expected n_actual n_mismatch <<<"$result"
  if [ "${n_expected:-0}" -eq 0 ] || [ "$n_expected" != "$n_actual" ] || [ "${n_mismatch:-1}" != 0 ]; then
    echo "FAIL $name: expected $n_expected rows, got $n_actual, $n_mismatch differ"
    failures=$((failures + 1))
  else
    echo "ok   $name: $n_expected rows equal"
  fi
}

near() { echo "abs(($1) - ($2)) > 1e-6 * max(1.0, abs($1))"; }
differs() { echo "e.$1 IS NOT a.$1"; }

scenario tumbling \
  "INSERT INTO out SELECT k, WINDOW_START AS ws, WINDOW_END AS we, COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS s,
     MIN(v) AS lo, MAX(v) AS hi, AVG(d) AS a, STDDEV_POP(d) AS sd, STDDEV_SAMP(v) AS ss, EARLIEST(v) AS e, LATEST(d) AS l,
     COUNT(DISTINCT v) AS dv
   FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;" \
  "CREATE TABLE w AS SELECT *, ts / 10000 * 10000 AS ws FROM ev;
   CREATE INDEX w_k ON w (k, ws, ts);
   CREATE TABLE expected AS SELECT k, ws, ws + 10000 AS we, count(*) AS n, count(v) AS nv, sum(v) AS s, min(v) AS lo,
     max(v) AS hi, avg(d) AS a, sqrt(avg(d * d) - avg(d) * avg(d)) AS sd,
     CASE WHEN count(v) > 1 THEN sqrt((sum(v * v) - sum(v) * sum(v) * 1.0 / count(v)) / (count(v) - 1)) END AS ss,
     (SELECT v FROM w y WHERE y.k = w.k AND y.ws = w.ws AND y.v IS NOT NULL ORDER BY ts LIMIT 1) AS e,
     (SELECT d FROM w y WHERE y.k = w.k AND y.ws = w.ws AND y.d IS NOT NULL ORDER BY ts DESC LIMIT 1) AS l,
     count(DISTINCT v) AS dv FROM w GROUP BY k, ws" \
  "CREATE TABLE actual AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ws') AS ws, json_extract(j, '\$.we') AS we,
     json_extract(j, '\$.n') AS n, json_extract(j, '\$.nv') AS nv, json_extract(j, '\$.s') AS s, json_extract(j, '\$.lo') AS lo,
     json_extract(j, '\$.hi') AS hi, json_extract(j, '\$.a') AS a, json_extract(j, '\$.sd') AS sd,
     json_extract(j, '\$.ss') AS ss, json_extract(j, '\$.e') AS e, json_extract(j, '\$.l') AS l, json_extract(j, '\$.dv') AS dv FROM out" \
  "SELECT count(*) FROM expected e LEFT JOIN actual a USING (k, ws) WHERE a.k IS NULL OR $(differs we) OR $(differs n) OR
     $(differs nv) OR $(differs s) OR $(differs lo) OR $(differs hi) OR $(near e.a a.a) OR $(near e.sd a.sd) OR
     (e.ss IS NULL) != (a.ss IS NULL) OR $(near e.ss a.ss) OR $(differs e) OR $(near e.l a.l) OR $(differs dv)"

scenario hopping \
  "INSERT INTO out SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo, MAX(d) AS hi
   FROM ev WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY k;" \
  "CREATE TABLE expected AS WITH j(n) AS (VALUES (0), (1), (2))
   SELECT k, (ts / 10000 - n) * 10000 AS ws, count(*) AS n, sum(v) AS s, min(v) AS lo, max(d) AS hi FROM ev, j GROUP BY k, ws" \
  "CREATE TABLE actual AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ws') AS ws, json_extract(j, '\$.n') AS n,
     json_extract(j, '\$.s') AS s, json_extract(j, '\$.lo') AS lo, json_extract(j, '\$.hi') AS hi FROM out" \
  "SELECT count(*) FROM expected e LEFT JOIN actual a USING (k, ws) WHERE a.k IS NULL OR $(differs n) OR $(differs s) OR
     $(differs lo) OR $(near e.hi a.hi)"

scenario session \
  "INSERT INTO out SELECT k, WINDOW_START AS ws, WINDOW_END AS we, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
   FROM ev WINDOW SESSION (GAP 1 SECOND) GROUP BY k;" \
  "CREATE TABLE expected AS WITH o AS (
     SELECT k, ts, v, CASE WHEN ts - lag(ts) OVER (PARTITION BY k ORDER BY ts) <= 1000 THEN 0 ELSE 1 END AS brk FROM ev),
   s AS (SELECT k, ts, v, sum(brk) OVER (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o)
   SELECT k, min(ts) AS ws, max(ts) + 1000 AS we, count(*) AS n, sum(v) AS s, max(v) AS hi FROM s GROUP BY k, sid" \
  "CREATE TABLE actual AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.ws') AS ws, json_extract(j, '\$.we') AS we,
     json_extract(j, '\$.n') AS n, json_extract(j, '\$.s') AS s, json_extract(j, '\$.hi') AS hi FROM out" \
  "SELECT count(*) FROM expected e LEFT JOIN actual a USING (k, ws) WHERE a.k IS NULL OR $(differs we) OR $(differs n) OR
     $(differs s) OR $(differs hi)"

scenario filter_and_expressions \
  "INSERT INTO out SELECT k, v, v * 2 + 1 AS a, v / 7 AS b, v % 7 AS c,
     CASE WHEN v > 0 THEN 'pos' WHEN v < 0 THEN 'neg' ELSE 'zero' END AS sign, COALESCE(v, -1) AS cv,
     UPPER(k) || '-' || CAST(v AS STRING) AS label, ABS(v) AS av, LENGTH(k) AS kl, d * 2 AS dd, ts
   FROM ev WHERE (v BETWEEN -500 AND 500 OR v IS NULL) AND k IN ('k1', 'k2', 'k3', 'k10') AND NOT d < 100.5;" \
  "CREATE TABLE expected AS SELECT k, v, v * 2 + 1 AS a, v / 7 AS b, v % 7 AS c,
     CASE WHEN v > 0 THEN 'pos' WHEN v < 0 THEN 'neg' ELSE 'zero' END AS sign, coalesce(v, -1) AS cv,
     upper(k) || '-' || CAST(v AS TEXT) AS label, abs(v) AS av, length(k) AS kl, d * 2 AS dd, ts
   FROM ev WHERE (v BETWEEN -500 AND 500 OR v IS NULL) AND k IN ('k1', 'k2', 'k3', 'k10') AND NOT d < 100.5" \
  "CREATE TABLE actual AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.v') AS v, json_extract(j, '\$.a') AS a,
     json_extract(j, '\$.b') AS b, json_extract(j, '\$.c') AS c, json_extract(j, '\$.sign') AS sign, json_extract(j, '\$.cv') AS cv,
     json_extract(j, '\$.label') AS label, json_extract(j, '\$.av') AS av, json_extract(j, '\$.kl') AS kl,
     json_extract(j, '\$.dd') AS dd, json_extract(j, '\$.ts') AS ts FROM out" \
  "SELECT count(*) FROM expected e LEFT JOIN actual a USING (ts) WHERE a.ts IS NULL OR $(differs k) OR $(differs v) OR
     $(differs a) OR $(differs b) OR $(differs c) OR $(differs sign) OR $(differs cv) OR $(differs label) OR $(differs av) OR
     $(differs kl) OR $(near e.dd a.dd)"

scenario continuous_aggregate \
  "INSERT INTO out SELECT k, COUNT(*) AS n, SUM(v) AS s, MAX(ts) AS newest FROM ev GROUP BY k EMIT CHANGES;" \
  "CREATE TABLE expected AS SELECT k, count(*) AS n, sum(v) AS s, max(ts) AS newest FROM ev GROUP BY k" \
  "CREATE TABLE changes AS SELECT json_extract(j, '\$.k') AS k, json_extract(j, '\$.n') AS n, json_extract(j, '\$.s') AS s,
     json_extract(j, '\$.newest') AS newest FROM out;
   CREATE TABLE actual AS SELECT * FROM changes c WHERE n = (SELECT max(n) FROM changes d WHERE d.k = c.k)" \
  "SELECT (SELECT count(*) FROM expected e LEFT JOIN actual a USING (k) WHERE a.k IS NULL OR $(differs n) OR $(differs s) OR
     $(differs newest)) + abs((SELECT count(*) FROM changes) - (SELECT count(*) FROM ev))"

[ $failures -eq 0 ] && echo "oracle: all scenarios equal"
[ $failures -eq 0 ]
