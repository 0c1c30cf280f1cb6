#!/usr/bin/env bash
# Joins end to end on files, beyond the sqlite3 oracle: EXPLAIN shows the
# join operators and their state; bad table records follow on_error; a
# table row without a key changes nothing; late rows are counted; BIGINT
# and DOUBLE keys meet; NULL keys never match; a join needs its inputs; a
# checkpoint of an earlier join state layout is refused, clearly.
set -u
streamq=$1
dir=$(mktemp -d)
cd "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"; }

cat > l.jsonl <<'DATA'
{"id": 1, "ts": 10000}
{"id": 2, "ts": 11000}
{"id": null, "ts": 12000}
{"id": 4, "ts": 30000}
{"id": 5, "ts": 1000}
DATA
cat > r.jsonl <<'DATA'
{"id": 1.0, "ts": 10500}
{"id": 2.5, "ts": 11000}
{"id": null, "ts": 12000}
DATA
# a first batch of r that moves the join's watermark past 20 s, then a row
# that would match l's 5 but comes too late
awk 'BEGIN { for (i = 0; i < 1100; i++) printf "{\"id\": %d, \"ts\": %d}\n", 1000 + i, 20000 + i }' >> r.jsonl
echo '{"id": 5, "ts": 1000}' >> r.jsonl
cat > t.jsonl <<'DATA'
{"id": 1, "name": "one"}
{"id": 2, "name": "two"}
this line is not JSON
{"id": null, "name": "nobody"}
{"id": 2, "name": null}
{"id": 4, "name": null, "tier": "gold"}
DATA
cat > p.sql <<'SQL'
CREATE SOURCE l (id BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = 'l.jsonl', timestamp = 'ts');
CREATE SOURCE r (id DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'r.jsonl', timestamp = 'ts');
CREATE TABLE t (id BIGINT PRIMARY KEY, name STRING, tier STRING) WITH (connector = 'file', path = 't.jsonl', on_error = 'skip');
CREATE SINK pairs WITH (connector = 'file', path = 'pairs.jsonl');
CREATE SINK named WITH (connector = 'file', path = 'named.jsonl');
CREATE SINK kept WITH (connector = 'file', path = 'kept.jsonl');
INSERT INTO pairs SELECT l.id AS lid, r.id AS rid, l.ts AS lts FROM l LEFT JOIN r WITHIN 1 SECOND ON l.id = r.id;
INSERT INTO named SELECT l.id, t.name FROM l LEFT JOIN t ON t.id = l.id;
INSERT INTO kept SELECT l.id, t.name FROM l JOIN t ON t.id = l.id;
SQL

"$streamq" explain p.sql > explain.txt 2>&1 || fail "explain: $(cat explain.txt)"
grep -q '^#1 IntervalJoin <- l, r: left outer join, 1 key, within 1s before / 1s after; state: ' explain.txt \
  || fail "EXPLAIN shows the interval join: $(cat explain.txt)"
grep -q '^#4 LookupJoin <- l, t: left outer join on the table.s primary key; state: the table.s current rows' explain.txt \
  || fail "EXPLAIN shows the lookup join: $(cat explain.txt)"
grep -q '^table t: file' explain.txt || fail "EXPLAIN lists the table: $(cat explain.txt)"

"$streamq" run p.sql 2> run.log || fail "run: $(cat run.log)"
# 1 meets 1.0 (a BIGINT key against a DOUBLE key); 2 meets nothing (2.5);
# a NULL key is unmatched; 4 has no partner; r's 5 arrives after the
# watermark passed it: late, dropped and counted, so l's 5 stays unmatched.
expect_eq "$(sort pairs.jsonl | tr -d '\n')" \
  '{"lid":1,"rid":1,"lts":10000}{"lid":2,"rid":null,"lts":11000}{"lid":4,"rid":null,"lts":30000}{"lid":5,"rid":null,"lts":1000}{"lid":null,"rid":null,"lts":12000}' \
  "interval join rows"
grep -q 'done: .* 1 late, 1 bad' run.log || fail "one late row and one bad table record are counted: $(tail -1 run.log)"
# the table: 1 is 'one'; 2 was deleted by its all-NULL row; the row without a key changed nothing
expect_eq "$(sort named.jsonl | tr -d '\n')" \
  '{"id":1,"name":"one"}{"id":2,"name":null}{"id":4,"name":null}{"id":5,"name":null}{"id":null,"name":null}' "lookup join rows"
# 4's row has a NULL name but a tier (which no query reads): a row, not a deletion
expect_eq "$(sort kept.jsonl | tr -d '\n')" '{"id":1,"name":"one"}{"id":4,"name":null}' "a table row whose unread column is set"
grep -q "table loaded: table 't': 5 records" run.log || fail "the table is loaded first: $(cat run.log)"

# on_error = 'fail' (the default) for a table: the run stops naming the line
sed -i "s/, on_error = 'skip'//" p.sql
"$streamq" run --quiet --reset-state p.sql 2> fail.log
status=$?
[ $status -eq 2 ] && grep -q 't.jsonl:3' fail.log || fail "a bad table record stops the run: status $status: $(cat fail.log)"

# Lateness is judged per row, against the watermark in force when the row
# arrives, wherever batches end. One source split into the two sides (so
# both sides' watermark is the source's): after L1 it is 270 s, so L2, R2,
# L3 and R3 are late, whether they share a batch with L1 or come in the
# next one (after 1100 rows neither side keeps).
row() { echo "{\"side\":\"$1\",\"id\":\"$1$2\",\"k\":$2,\"ts\":$3}"; }
{ row L 0 0; row R 0 60000; row L 1 330000; } > split_a.jsonl
{ row L 2 90000; row R 2 90000; row L 3 60000; row R 3 60000; } > split_b.jsonl
cat > split.sql <<'SQL'
CREATE SOURCE ev (side STRING, id STRING, k BIGINT, ts TIMESTAMP)
  WITH (connector = 'file', path = 'split.jsonl', timestamp = 'ts', watermark_delay = '1 minute');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
CREATE STREAM lhs AS SELECT id, k, ts FROM ev WHERE side = 'L';
CREATE STREAM rhs AS SELECT id, k, ts FROM ev WHERE side = 'R';
INSERT INTO out SELECT lhs.id AS l, rhs.id AS r FROM lhs JOIN rhs WITHIN 1 MINUTE ON lhs.k = rhs.k;
SQL
cat split_a.jsonl split_b.jsonl > split.jsonl
expect_eq "$("$streamq" run --quiet split.sql 2> split.log)" '{"l":"L0","r":"R0"}' "late join rows in one batch"
grep -q 'IntervalJoin: 4 records dropped as late' split.log || fail "late join rows in one batch are counted: $(tail -1 split.log)"
{ cat split_a.jsonl; awk 'BEGIN { for (i = 0; i < 1100; i++) print "{\"side\":\"X\",\"id\":\"x\",\"k\":9,\"ts\":0}" }'
  cat split_b.jsonl; } > split.jsonl
expect_eq "$("$streamq" run --quiet split.sql 2> split.log)" '{"l":"L0","r":"R0"}' "late join rows in a later batch"
grep -q 'IntervalJoin: 4 records dropped as late' split.log || fail "late join rows in a later batch are counted: $(tail -1 split.log)"

# A checkpoint written by a streamq whose interval join kept its state in
# an earlier layout (layout 2: rows as varints, before 2026-12) is refused
# with a message naming the operator and --reset-state, not misread; with
# --reset-state the run starts over. The state directory and the sink's
# output are those of that streamq, killed right after its last checkpoint.
mkdir old
cat > old/l.jsonl <<'DATA'
{"id": 1, "ts": 10000}
{"id": 2, "ts": 11000}
DATA
cat > old/r.jsonl <<'DATA'
{"id": 1, "ts": 10500}
{"id": 3, "ts": 11500}
DATA
cat > old/p.sql <<'SQL'
CREATE SOURCE l (id BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = 'l.jsonl', timestamp = 'ts');
CREATE SOURCE r (id BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = 'r.jsonl', timestamp = 'ts');
CREATE SINK pairs WITH (connector = 'file', path = 'pairs.jsonl');
INSERT INTO pairs SELECT l.id AS lid, r.id AS rid FROM l FULL JOIN r WITHIN 1 SECOND ON l.id = r.id;
SQL
printf '%s\n' '{"lid":1,"rid":1}' '{"lid":2,"rid":null}' '{"lid":null,"rid":3}' > old/pairs.jsonl
mkdir old/p.state
echo MANIFEST-000002 > old/p.state/CURRENT
base64 -d > old/p.state/MANIFEST-000002 <<'B64'
Vvm4+BwAAQEabGV2ZWxkYi5CeXRld2lzZUNvbXBhcmF0b3KknIu+CAABAgMJAAMEBAA=
B64
base64 -d > old/p.state/000003.log <<'B64'
WsSg7x0BAQEAAAAAAAAAAgAAAAEJ/////3VzYWdlBgEAAAEBAAEO/////2NoZWNrcG9pbnTtARRz
dHJlYW1xLWNoZWNrcG9pbnQtMQEArYOs0renlIBlAWIjMSBJbnRlcnZhbEpvaW46IFNFTEVDVCBs
LmlkIEFTIGxpZCwgci5pZCBBUyByaWQgRlJPTSBsIEZVTEwgSk9JTiByIFdJVEhJTiAxIFNFQ09O
RCBPTiBsLmlkID0gci5pZAIBbArwqwEBAfCrAVwCAXIK2LMBAQHYswFcAgEFcGFpcnMBeAMB/v//
////////ASD+//////////8B/v//////////Af7//////////wEAAgL+//////////8BAAP+////
//////8BAA==
B64
(cd old && "$streamq" run --quiet --state-dir p.state p.sql 2> refused.log)
status=$?
[ $status -eq 2 ] && grep -q "operator #1 IntervalJoin in p.state cannot be read.*another version.*--reset-state" old/refused.log \
  || fail "a checkpoint of an earlier join state layout is refused: status $status: $(cat old/refused.log)"
(cd old && "$streamq" run --quiet --state-dir p.state --reset-state p.sql 2> reset.log) || fail "--reset-state: $(cat old/reset.log)"
expect_eq "$(sort old/pairs.jsonl | tr -d '\n')" '{"lid":1,"rid":1}{"lid":2,"rid":null}{"lid":null,"rid":3}' "the join after --reset-state"

[ $failures -eq 0 ] && echo "joins: all passed"
[ $failures -eq 0 ]
