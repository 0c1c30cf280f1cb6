#!/usr/bin/env bash
# `streamq test` end to end: passing and failing tests (the diff's
# content), invalid test files (their error locations), Kafka metadata
# columns, interleaved joins, windows closed by the end of input, bad and
# late record counts, CSV fixtures, --update, JUnit XML (read back with a
# real XML parser), and the tests beside the fraud example and every
# reference query.
# Usage: test_testrunner.sh STREAMQ EXAMPLES_DIR QUERIES_DIR
set -u
streamq=$1 examples=$2 queries=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export TMPDIR=$dir/tmp  # where each test's throwaway state goes: checked empty at the end
mkdir -p "$TMPDIR"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"; }
has() { grep -qF -- "$2" "$1" || fail "$3: no [$2] in: $(cat "$1")"; }

# --- the fraud example and the reference queries pass ---
"$streamq" test "$examples/fraud/velocity.sql" > "$dir/out" 2> "$dir/err"
expect_eq "$?" 0 "fraud example exit status"
expect_eq "$(grep -c '^PASS ' "$dir/out")" 3 "fraud example: tests passed"
has "$dir/out" "PASS two big payments in a minute raise one alert (" "fraud example report line"
for sql in "$queries"/*/*.sql; do
  [ -f "${sql%.sql}.test.json" ] || fail "$sql has no ${sql%.sql}.test.json"
  "$streamq" test "$sql" > "$dir/out" 2>&1 || fail "streamq test $sql: $(cat "$dir/out")"
done

# --- a pipeline of our own: a window, a lookup join, metadata columns ---
cat > "$dir/p.sql" <<'SQL'
CREATE SOURCE clicks (user_id BIGINT, page STRING, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'clicks', timestamp = 'ts', watermark_delay = '1 second', on_error = 'skip');
CREATE TABLE users (id BIGINT PRIMARY KEY, name STRING) WITH (connector = 'kafka', topic = 'users');
CREATE SOURCE lines (a BIGINT, b STRING) WITH (connector = 'file', path = 'nowhere.csv', format = 'csv');
CREATE SINK per_page WITH (connector = 'kafka', topic = 'per_page');
CREATE SINK named WITH (connector = 'kafka', topic = 'named');
CREATE SINK meta WITH (connector = 'kafka', topic = 'meta');
CREATE SINK copied WITH (connector = 'file', path = 'nowhere.jsonl');
INSERT INTO per_page SELECT page, COUNT(*) AS n, WINDOW_START AS ws FROM clicks WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY page;
INSERT INTO named SELECT c.page, u.name FROM clicks AS c LEFT JOIN users AS u ON c.user_id = u.id;
INSERT INTO meta SELECT page, _key AS k, _topic AS topic, _partition AS p, _offset AS o, _timestamp AS kts FROM clicks;
INSERT INTO copied SELECT a, b FROM lines;
SQL
cat > "$dir/p.test.json" <<'JSON'
[
  {"name": "one click: its window closes at the end of input",
   "inputs": {"clicks": [{"user_id": 1, "page": "home", "ts": 5000}]},
   "expect": {"per_page": [{"page": "home", "n": 1, "ws": 0}]}},
  {"name": "numbers compare by value, rows as a multiset",
   "inputs": {"clicks": [{"user_id": 1, "page": "a", "ts": 1000}, {"user_id": 1, "page": "b", "ts": 2000},
                         {"user_id": 1, "page": "a", "ts": 3000}]},
   "expect": {"per_page": [{"ws": 0.0, "n": 1, "page": "b"}, {"page": "a", "n": 2.0, "ws": 0}]}},
  {"name": "metadata columns",
   "inputs": {"clicks": [{"user_id": 1, "page": "x", "ts": 1000, "_key": "u1", "_partition": 2, "_offset": 40, "_timestamp": "2026-01-01T00:00:00Z"},
                         {"user_id": 1, "page": "y", "ts": 2000, "_partition": 2},
                         {"user_id": 1, "page": "z", "ts": 3000}]},
   "expect": {"meta": [{"page": "x", "k": "u1", "topic": "clicks", "p": 2, "o": 40, "kts": 1767225600000},
                       {"page": "y", "k": null, "topic": "clicks", "p": 2, "o": 41, "kts": null},
                       {"page": "z", "k": null, "topic": "clicks", "p": 0, "o": 0, "kts": null}]},
   "ordered": true},
  {"name": "tables are read first by default",
   "inputs": {"clicks": [{"user_id": 1, "page": "p0", "ts": 1000}, {"user_id": 1, "page": "p1", "ts": 2000}],
              "users": [{"id": 1, "name": "Ann"}]},
   "expect": {"named": [{"page": "p0", "name": "Ann"}, {"page": "p1", "name": "Ann"}]}},
  {"name": "interleave: a click before its user row finds no one",
   "inputs": {"clicks": [{"user_id": 1, "page": "p0", "ts": 1000}, {"user_id": 1, "page": "p1", "ts": 2000}],
              "users": [{"id": 1, "name": "Ann"}]},
   "interleave": [["clicks", 0], ["users", 0], ["clicks", 1]],
   "expect": {"named": [{"page": "p0", "name": null}, {"page": "p1", "name": "Ann"}]}},
  {"name": "bad and late records are counted",
   "inputs": {"clicks": [{"user_id": 1, "page": "a", "ts": 1000}, {"user_id": 1, "page": "a", "ts": 30000},
                         "not json", {"user_id": "x", "page": "a", "ts": 2000}, {"user_id": 1, "page": "a", "ts": 3000}]},
   "expect_bad": {"clicks": 2}, "expect_late": 1,
   "set": {"checkpoint.interval": "1s"}},
  {"name": "CSV: inline rows and a file",
   "inputs": {"lines": [{"a": 1, "b": "x, \"quoted\""}, {"a": 2, "b": null}, {"a": 3, "b": ""}]},
   "expect": {"copied": [{"a": 1, "b": "x, \"quoted\""}, {"a": 2, "b": null}, {"a": 3, "b": ""}]}},
  {"name": "CSV file fixture",
   "inputs": {"lines": "lines.csv"},
   "expect": {"copied": [{"a": 7, "b": "seven"}, {"a": 8, "b": null}]}}
]
JSON
printf 'b,a\nseven,7\n,8\n' > "$dir/lines.csv"
"$streamq" test "$dir/p.sql" > "$dir/out" 2> "$dir/err"
expect_eq "$?" 0 "own pipeline exit status"
expect_eq "$(grep -c '^PASS ' "$dir/out")" 8 "own pipeline: tests passed ($(cat "$dir/out" "$dir/err"))"
has "$dir/out" "8 passed, 0 failed" "summary line"

# --- failures: the diff names what differs ---
cat > "$dir/fail.json" <<'JSON'
[
  {"name": "wrong count",
   "inputs": {"clicks": [{"user_id": 1, "page": "a", "ts": 1000}, {"user_id": 1, "page": "a", "ts": 2000}]},
   "expect": {"per_page": [{"page": "a", "n": 3, "ws": 0}, {"page": "zzz", "n": 1, "ws": 0}]}},
  {"name": "wrong order",
   "inputs": {"clicks": [{"user_id": 1, "page": "x", "ts": 1000}, {"user_id": 1, "page": "y", "ts": 2000}]},
   "expect": {"meta": [{"page": "y", "k": null, "topic": "clicks", "p": 0, "o": 1, "kts": null},
                       {"page": "x", "k": null, "topic": "clicks", "p": 0, "o": 0, "kts": null}]},
   "ordered": true},
  {"name": "wrong counts",
   "inputs": {"clicks": ["bad"]},
   "expect_bad": {"clicks": 0}, "expect_late": 2}
]
JSON
"$streamq" test "$dir/p.sql" "$dir/fail.json" > "$dir/out" 2> "$dir/err"
expect_eq "$?" 1 "failing tests exit status"
has "$dir/out" "FAIL wrong count (" "failure line"
has "$dir/out" "sink 'per_page': 2 rows expected, 1 produced; 2 missing, 1 unexpected" "diff summary"
has "$dir/out" 'missing     {"n":3,"page":"a","ws":0}' "missing row"
has "$dir/out" 'closest   {"n":2,"page":"a","ws":0}' "closest row"
has "$dir/out" "^ n: expected 3, got 2" "differing column"
has "$dir/out" 'missing     {"n":1,"page":"zzz","ws":0}' "row without a counterpart"
has "$dir/out" "the same 2 rows in another order; the first difference is row 1" "ordered diff"
has "$dir/out" "source 'clicks': 0 bad records expected, 1 counted" "bad count diff"
has "$dir/out" "2 late records expected, 0 dropped" "late count diff"
has "$dir/out" "0 passed, 3 failed" "failure summary"

# --- JUnit XML, read by a parser ---
"$streamq" test "$dir/p.sql" "$dir/p.test.json" "$dir/fail.json" --format junit > "$dir/junit.xml" 2> "$dir/err"
expect_eq "$?" 1 "junit exit status"
python3 - "$dir/junit.xml" > "$dir/junit.txt" <<'PY' || fail "JUnit XML: $(cat "$dir/junit.txt" "$dir/junit.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "11" and root.get("failures") == "3", root.attrib
suites = root.findall("testsuite")
assert len(suites) == 2 and [s.get("tests") for s in suites] == ["8", "3"], [s.attrib for s in suites]
cases = {c.get("name"): c for c in root.iter("testcase")}
assert cases["wrong count"].find("failure") is not None
assert "expected 3, got 2" in cases["wrong count"].find("failure").text
assert cases["metadata columns"].find("failure") is None
assert all(float(c.get("time")) >= 0 for c in cases.values())
PY

# --- invalid test files: exit 2, FILE:LINE:COL ---
invalid() { # NAME JSON EXPECTED-MESSAGE
  printf '%s\n' "$2" > "$dir/bad.json"
  "$streamq" test "$dir/p.sql" "$dir/bad.json" > "$dir/out" 2> "$dir/err"
  expect_eq "$?" 2 "$1: exit status"
  has "$dir/err" "$3" "$1"
}
invalid "syntax" '{"name": "x",
  "inputs": {"clicks": [{"user_id": 1,, "page": "a"}]}}' "bad.json:2:39: error: invalid JSON: expected a member name in double quotes"
invalid "unknown source" '{"inputs": {"clikcs": []}}' "bad.json:1:13: error: the pipeline has no source or table 'clikcs'; did you mean 'clicks'?"
invalid "sink as input" '{"inputs": {"named": []}}' "bad.json:1:13: error: the pipeline has no source or table 'named'"
invalid "unknown sink" '{"expect": {"per_pag": []}}' "bad.json:1:13: error: the pipeline has no sink 'per_pag'; did you mean 'per_page'?"
invalid "row not an object" '{"inputs": {"clicks": [
    {"page": "a"},
    [1, 2]]}}' "bad.json:3:5: error: a fixture row is a JSON object (or a string: the raw record)"
invalid "bad partition" '{"inputs": {"clicks": [{"page": "a", "_partition": "one"}]}}' \
  "bad.json:1:52: error: _partition is a partition number (0, 1, ...)"
invalid "unknown member" '{"expected": {}}' "bad.json:1:2: error: unknown member 'expected'; did you mean 'expect'?"
invalid "interleave order" '{"inputs": {"clicks": [{"page": "a"}, {"page": "b"}]}, "interleave": [["clicks", 1]]}' \
  "error: row 0 of 'clicks' comes next (rows of a source arrive in order)"
invalid "interleave incomplete" '{"inputs": {"clicks": [{"page": "a"}, {"page": "b"}]}, "interleave": [["clicks", 0]]}' \
  "error: interleave lists 1 of the 2 rows of 'clicks': list every fixture row once"
invalid "missing fixture file" '{"inputs": {"clicks": "nope.jsonl"}}' "bad.json:1:23: error: cannot read fixture"
invalid "bad setting" '{"set": {"checkpoint.interval": "soon"}}' "bad.json:1:33: error:"
printf '{"page": "a"}\n{"page": "b", "_offset": -1}\n' > "$dir/fixture.jsonl"
invalid "bad metadata in a fixture file" '{"inputs": {"clicks": "fixture.jsonl"}}' "fixture.jsonl:2:26: error: _offset is a non-negative integer"
# an invalid pipeline: its own diagnostics, exit 2
printf 'CREATE SOURCE s (a BIGINT) WITH (connector = %s);\n' "'nope'" > "$dir/broken.sql"
echo '{}' > "$dir/broken.test.json"
"$streamq" test "$dir/broken.sql" > "$dir/out" 2> "$dir/err"
expect_eq "$?" 2 "invalid pipeline exit status"
has "$dir/err" "broken.sql:1:" "invalid pipeline diagnostic"

# --- --update rewrites the expectations, keeps the rest ---
cat > "$dir/up.json" <<'JSON'
[
  {
    "name": "stale",
    "inputs": {"clicks": [{"user_id": 1, "page": "a", "ts": 1000}]},
    "expect": {"per_page": [{"page": "a", "n": 5, "ws": 0}]},
    "expect_late": 0
  },
  {"name": "no expectation yet", "inputs": {"clicks": [{"user_id": 2, "page": "b", "ts": 1000}]}}
]
JSON
"$streamq" test "$dir/p.sql" "$dir/up.json" > "$dir/out" 2> "$dir/err"
expect_eq "$?" 1 "stale test fails before --update"
"$streamq" test "$dir/p.sql" "$dir/up.json" --update > "$dir/out" 2> "$dir/err"
expect_eq "$?" 0 "--update exit status"
has "$dir/err" "updated $dir/up.json" "--update message"
has "$dir/up.json" '{"page":"a","n":1,"ws":0}' "--update: the new expectation"
has "$dir/up.json" '"expect_late": 0' "--update keeps the other members"
has "$dir/up.json" '"name": "no expectation yet"' "--update keeps names"
python3 -c "import json,sys; t=json.load(open(sys.argv[1])); assert t[1]['expect']['named'] == [{'page':'b','name':None}], t" "$dir/up.json" \
  || fail "--update adds an expect to a test without one: $(cat "$dir/up.json")"
"$streamq" test "$dir/p.sql" "$dir/up.json" > "$dir/out" 2> "$dir/err"
expect_eq "$?" 0 "updated tests pass ($(cat "$dir/out"))"

# --- tests found beside the pipeline; no state left behind ---
mkdir -p "$dir/p.tests"
cp "$dir/p.test.json" "$dir/p.tests/more.json"; cp "$dir/lines.csv" "$dir/p.tests/"
"$streamq" test "$dir/p.sql" > "$dir/out" 2> "$dir/err"
expect_eq "$(grep -c '^PASS ' "$dir/out")" 16 "p.test.json and p.tests/*.json both run"
expect_eq "$(ls -A "$TMPDIR")" "" "no state directory left behind"
[ ! -e "$dir/.streamq" ] && [ ! -e "$dir/nowhere.jsonl" ] || fail "a test wrote outside its temporary directory"

echo "$failures failures"
[ $failures -eq 0 ]
