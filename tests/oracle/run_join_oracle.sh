#!/usr/bin/env bash
# Join oracle tests: streamq's joins over two generated out-of-order
# streams (and a changelog table) must give exactly the rows sqlite3
# computes in batch: every join type, symmetric and asymmetric WITHIN,
# extra ON conditions (around the key), a table with updates and deletes, and a join
# feeding a windowed aggregation. Event times lie on a 10 ms grid, so
# many pairs are exactly the WITHIN bound apart: those must match.
# Usage: run_join_oracle.sh STREAMQ GEN_EVENTS
set -u
streamq=$1 gen=$2
dir=$(mktemp -d)
cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
failures=0

"$gen" 6000 30 11 > l.jsonl || exit 2
"$gen" 6000 30 12 > r.jsonl || exit 2
# The table: 25 keys inserted, every 4th updated, every 5th deleted (a row
# of NULLs), every 10th inserted again.
awk 'BEGIN {
  for (i = 0; i < 25; i++) printf "{\"k\":\"k%d\",\"name\":\"n%d\",\"tier\":%d}\n", i, i, i % 3;
  for (i = 0; i < 25; i += 4) printf "{\"k\":\"k%d\",\"name\":\"u%d\",\"tier\":%d}\n", i, i, 7;
  for (i = 0; i < 25; i += 5) printf "{\"k\":\"k%d\",\"name\":null,\"tier\":null}\n", i;
  for (i = 0; i < 25; i += 10) printf "{\"k\":\"k%d\",\"name\":\"r%d\",\"tier\":%d}\n", i, i, 9;
}' > u.jsonl
to_array() { { echo '['; sed '$!s/$/,/' "$1"; echo ']'; } > "$2"; }
to_array l.jsonl l.json
to_array r.jsonl r.json
to_array u.jsonl u.json

inputs="CREATE SOURCE l (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = 'l.jsonl', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE SOURCE r (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = 'r.jsonl', timestamp = 'ts', watermark_delay = '5 seconds');
CREATE TABLE u (k STRING PRIMARY KEY, name STRING, tier BIGINT) WITH (connector = 'file', path = 'u.jsonl');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');"

# scenario NAME QUERY EXPECTED_SELECT COLUMNS...: the query's output, read
# back as COLUMNS, must be the same rows as EXPECTED_SELECT (sqlite).
scenario() {
  local name=$1 query=$2 expected=$3; shift 3
  printf '%s\n%s\n' "$inputs" "$query" > p.sql
  rm -rf out.jsonl .streamq
  if ! "$streamq" run --quiet p.sql; then
    echo "FAIL $name: streamq run failed"; failures=$((failures + 1)); return
  fi
  to_array out.jsonl out.json
  local cols="" c
  for c in "$@"; do cols="$cols${cols:+, }json_extract(value, '\$.$c') AS $c"; done
  local result
  result=$(sqlite3 -bail :memory: 2>&1 <<SQL
CREATE TABLE l AS SELECT json_extract(value, '\$.k') AS k, json_extract(value, '\$.v') AS v,
  json_extract(value, '\$.d') AS d, json_extract(value, '\$.ts') AS ts FROM json_each(readfile('l.json'));
CREATE TABLE r AS SELECT json_extract(value, '\$.k') AS k, json_extract(value, '\$.v') AS v,
  json_extract(value, '\$.d') AS d, json_extract(value, '\$.ts') AS ts FROM json_each(readfile('r.json'));
CREATE TABLE changes AS SELECT key AS seq, json_extract(value, '\$.k') AS k, json_extract(value, '\$.name') AS name,
  json_extract(value, '\$.tier') AS tier FROM json_each(readfile('u.json'));
CREATE TABLE u AS SELECT k, name, tier FROM changes c
  WHERE seq = (SELECT max(seq) FROM changes d WHERE d.k = c.k) AND (name IS NOT NULL OR tier IS NOT NULL);
CREATE INDEX l_k ON l (k, ts);
CREATE INDEX r_k ON r (k, ts);
CREATE TABLE expected AS $expected;
CREATE TABLE actual AS SELECT $cols FROM json_each(readfile('out.json'));
SELECT (SELECT count(*) FROM expected) || ' ' || (SELECT count(*) FROM actual) || ' ' ||
  ((SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual)) +
   (SELECT count(*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected)));
SQL
)
  local n_expected n_actual n_mismatch
  read -r n_expected n_actual n_mismatch <<<"$result"
  if ! [ "${n_expected:-x}" -gt 0 ] 2>/dev/null || [ "$n_expected" != "$n_actual" ] || [ "${n_mismatch:-1}" != 0 ]; then
    echo "FAIL $name: expected $n_expected rows, got $n_actual, $n_mismatch differ ($result)"
    failures=$((failures + 1))
  else
    echo "ok   $name: $n_expected rows equal"
  fi
}

pair="l.k AS lk, l.v AS lv, l.ts AS lts, r.k AS rk, r.v AS rv, r.ts AS rts"
cols="lk lv lts rk rv rts"
for type in INNER LEFT RIGHT FULL; do
  scenario "$type join, WITHIN 1 SECOND" \
    "INSERT INTO out SELECT $pair FROM l $type JOIN r WITHIN 1 SECOND ON l.k = r.k;" \
    "SELECT $pair FROM l $type JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - 1000 AND l.ts + 1000" $cols
done
for type in LEFT FULL; do
  scenario "$type join, WITHIN (300 MILLISECONDS BEFORE, 2 SECONDS AFTER) and a condition" \
    "INSERT INTO out SELECT $pair FROM l $type JOIN r WITHIN (300 MILLISECONDS BEFORE, 2 SECONDS AFTER)
       ON r.k = l.k AND l.v < r.v;" \
    "SELECT $pair FROM l $type JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - 300 AND l.ts + 2000 AND l.v < r.v" $cols
done
for type in INNER FULL; do
  scenario "$type join, conditions before and after the key, a second key over expressions" \
    "INSERT INTO out SELECT $pair FROM l $type JOIN r WITHIN 1 SECOND
       ON l.v <= r.v + 40 AND r.k = l.k AND r.v % 3 <> 0 AND l.v % 2 = r.v % 2;" \
    "SELECT $pair FROM l $type JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - 1000 AND l.ts + 1000
       AND l.v <= r.v + 40 AND r.v % 3 <> 0 AND l.v % 2 = r.v % 2" $cols
done
scenario "RIGHT join, WITHIN (0 SECONDS BEFORE, 500 MILLISECONDS AFTER)" \
  "INSERT INTO out SELECT $pair FROM l RIGHT JOIN r WITHIN (0 SECONDS BEFORE, 500 MILLISECONDS AFTER) ON l.k = r.k;" \
  "SELECT $pair FROM l RIGHT JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts AND l.ts + 500" $cols
for type in INNER LEFT; do
  scenario "$type join with a table (updates and deletes)" \
    "INSERT INTO out SELECT l.k AS k, l.v AS v, l.ts AS ts, u.name AS name, u.tier AS tier FROM l $type JOIN u ON u.k = l.k;" \
    "SELECT l.k AS k, l.v AS v, l.ts AS ts, u.name AS name, u.tier AS tier FROM l $type JOIN u ON u.k = l.k" k v ts name tier
done
scenario "LEFT join with a table and a condition besides the key" \
  "INSERT INTO out SELECT l.k AS k, l.v AS v, l.ts AS ts, u.name AS name, u.tier AS tier FROM l LEFT JOIN u
     ON u.k = l.k AND u.tier <> 7;" \
  "SELECT l.k AS k, l.v AS v, l.ts AS ts, u.name AS name, u.tier AS tier FROM l LEFT JOIN u ON u.k = l.k AND u.tier <> 7" \
  k v ts name tier
scenario "a join feeding a tumbling window through a derived stream" \
  "CREATE STREAM j AS SELECT l.k AS k, r.v AS rv, l.ts AS lts, r.ts AS rts FROM l JOIN r WITHIN 1 SECOND ON l.k = r.k;
   INSERT INTO out SELECT j.k AS k, WINDOW_START AS ws, COUNT(*) AS n, SUM(rv) AS s, MAX(lts) AS newest
     FROM j WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY j.k;" \
  "SELECT l.k AS k, max(l.ts, r.ts) / 10000 * 10000 AS ws, count(*) AS n, sum(r.v) AS s, max(l.ts) AS newest
     FROM l JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - 1000 AND l.ts + 1000 GROUP BY l.k, ws" k ws n s newest
scenario "a join and a hopping window in one query" \
  "INSERT INTO out SELECT l.k AS k, WINDOW_START AS ws, COUNT(*) AS n, MIN(r.v) AS lo
     FROM l LEFT JOIN r WITHIN 500 MILLISECONDS ON l.k = r.k WINDOW HOPPING (SIZE 20 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY l.k;" \
  "SELECT k, ws, count(*) AS n, min(rv) AS lo FROM (
     SELECT l.k AS k, (max(l.ts, coalesce(r.ts, l.ts)) / 10000 - h.n) * 10000 AS ws, r.v AS rv
     FROM l LEFT JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - 500 AND l.ts + 500, (SELECT 0 AS n UNION SELECT 1) h)
   GROUP BY k, ws" k ws n lo
scenario "an aggregation joined with a table" \
  "CREATE STREAM agg AS SELECT k, WINDOW_START AS ws, COUNT(*) AS n FROM l WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
   INSERT INTO out SELECT agg.k AS k, ws, n, u.name AS name FROM agg JOIN u ON u.k = agg.k;" \
  "SELECT l.k AS k, l.ts / 10000 * 10000 AS ws, count(*) AS n, u.name AS name FROM l JOIN u ON u.k = l.k GROUP BY l.k, ws" \
  k ws n name

[ $failures -eq 0 ] && echo "join oracle: all scenarios equal"
[ $failures -eq 0 ]
