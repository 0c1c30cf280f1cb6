#!/usr/bin/env bash
# Results never depend on how input is split into batches, on timing or on
# restarts: each reference pipeline runs over the same input (a) read whole
# from a file, (b) fed through a named pipe in random small chunks with
# random short pauses (a pipe source ends when its writer closes it), and
# (c) killed -9 at random moments and restarted on its state directory.
# Outputs (b) and (c) must equal (a): byte for byte, except where noted.
# Usage: test_invariance.sh STREAMQ GEN_EVENTS [RECORDS [ROUNDS [QUERIES_DIR]]]
#   RECORDS: generated events (default 100000); ROUNDS: chunked runs and
#   kill campaigns per pipeline, each with its own random split (default 1).
set -u
streamq=$(realpath "$1") gen=$(realpath "$2") records=${3:-100000} rounds=${4:-1}
here=$(dirname "$(realpath "$0")")
queries=$(realpath "${5:-$here/../../queries}")
. "$here/kill_lib.sh"

# feed FILE FIFO: writes FILE into FIFO in chunks of 1 to 300 lines, with a
# pause of 0 to 9 ms after each (in the background; its pid in `feeder`).
feed() {
  awk -v seed="$RANDOM" 'BEGIN { srand(seed); left = 0 }
    { print; if (--left <= 0) { fflush(); system("sleep 0.00" int(rand() * 10)); left = int(rand() * 300) + 1 } }' "$1" > "$2" &
  feeder=$!
  pids+=("$feeder")
}

# check NAME PIPELINE SORTED_OUTPUTS OUTPUT...: runs PIPELINE (its sources
# read `*.data` files, which must exist) whole, then ROUNDS times chunked
# through pipes and under a kill campaign (`kill_count` kills, default 10),
# comparing every OUTPUT with the whole run; those named in SORTED_OUTPUTS
# (space separated) are compared sorted.
check() {
  local name=$1 sql=$2 sorted=" $3 " f round p min_kills=${kill_count:-10}; shift 3
  rm -rf ref "$@" ./*.state
  local started=$(date +%s%N)
  "$streamq" run --quiet --state-dir whole.state "$sql" 2> run.log || { fail "$name: the whole run failed: $(tail -2 run.log)"; return; }
  ref_ms=$((($(date +%s%N) - started) / 1000000))
  mkdir ref && mv "$@" ref/
  local exact=() loose=()
  for f in "$@"; do if [[ $sorted == *" $f "* ]]; then loose+=("$f"); else exact+=("$f"); fi; done
  compare() { # compare HOW: every output against the whole run's
    { [ ${#exact[@]} -eq 0 ] || same_output "$name, $1" ref "${exact[@]}"; } &&
      { [ ${#loose[@]} -eq 0 ] || same_rows "$name, $1 (sorted: ${loose[*]})" ref "${loose[@]}"; }
  }
  for round in $(seq "$rounds"); do
    # (b) the same files as named pipes, fed in random chunks
    sed 's/\.data'"'"'/.fifo'"'"'/g' "$sql" > piped.sql
    local data
    for data in *.data; do rm -f "${data%.data}.fifo"; mkfifo "${data%.data}.fifo"; done
    rm -f "$@"
    local feeders=()
    for data in *.data; do
      if grep -q "${data%.data}.fifo" piped.sql; then feed "$data" "${data%.data}.fifo"; feeders+=("$feeder"); fi
    done
    "$streamq" run --quiet --state-dir "piped$round.state" piped.sql 2> run.log || fail "$name: the piped run failed: $(tail -2 run.log)"
    for p in "${feeders[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    compare "fed in chunks through a pipe" || continue
    # (c) kill -9 at random moments, restart until done
    rm -f "$@"
    crash_loop "$name" "$min_kills" --state-dir "crash$round.state" --checkpoint-interval 30ms "$sql"
    compare "kill -9 at random" || continue
  done
  for f in "$@"; do [ -s "ref/$f" ] || fail "$name: the whole run wrote nothing to $f"; done
}

# 1. One source, out of order by up to 5 s against a 2 s watermark delay
#    (so many rows are late, and which ones depends only on the rule),
#    through every kind of operator. The joins' sides are two streams split
#    off the one source; their pairs come out in an order that depends on
#    where batches split (a batch reaches a join's left side whole before
#    its right side, so which row of a pair comes second varies), hence
#    compared sorted; the set of pairs and the aggregation over them do not.
"$gen" "$records" 50 11 > ev.data
outputs="tumble hop sess sessgrace sesschanges changes dist lim derived rollup ij oj joincounts"
for o in $outputs; do echo "CREATE SINK $o WITH (connector = 'file', path = '$o.jsonl');"; done > all.sql
cat >> all.sql <<'SQL'
CREATE SOURCE ev (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = 'ev.data', timestamp = 'ts', watermark_delay = '2 seconds');
INSERT INTO tumble SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo, MAX(d) AS hi,
  EARLIEST(v) AS e, LATEST(v) AS l FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
INSERT INTO hop SELECT k, WINDOW_START AS ws, COUNT(*) AS n, SUM(v) AS s
  FROM ev WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY k;
INSERT INTO sess SELECT k, WINDOW_START AS ws, WINDOW_END AS we, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
  FROM ev WINDOW SESSION (GAP 1 SECOND) GROUP BY k;
INSERT INTO sessgrace SELECT k, WINDOW_START AS ws, WINDOW_END AS we, COUNT(*) AS n
  FROM ev WINDOW SESSION (GAP 300 MILLISECONDS, GRACE PERIOD 1 SECOND) GROUP BY k;
INSERT INTO sesschanges SELECT k, WINDOW_START AS ws, COUNT(*) AS n
  FROM ev WHERE v > 800 WINDOW SESSION (GAP 2 SECONDS) GROUP BY k EMIT CHANGES;
INSERT INTO changes SELECT k, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k EMIT CHANGES;
INSERT INTO dist SELECT DISTINCT k, v % 7 AS m FROM ev;
INSERT INTO lim SELECT k, v, ts FROM ev WHERE v > 990 LIMIT 40;
CREATE STREAM pos AS SELECT k, v, ts FROM ev WHERE v > 0;
INSERT INTO derived SELECT k, WINDOW_START AS ws, COUNT(*) AS n FROM pos WINDOW TUMBLING (SIZE 5 SECONDS) GROUP BY k;
CREATE STREAM per5 AS SELECT k, WINDOW_START AS ws, COUNT(*) AS n FROM ev WINDOW TUMBLING (SIZE 5 SECONDS) GROUP BY k;
INSERT INTO rollup SELECT k, WINDOW_START AS ws, SUM(n) AS n FROM per5 WINDOW SESSION (GAP 10 SECONDS) GROUP BY k;
CREATE STREAM lhs AS SELECT k, v, ts FROM ev WHERE v % 2 = 0;
CREATE STREAM rhs AS SELECT k, v, ts FROM ev WHERE v % 2 <> 0;
INSERT INTO ij SELECT lhs.k AS k, lhs.v AS lv, rhs.v AS rv, lhs.ts AS lts, rhs.ts AS rts
  FROM lhs JOIN rhs WITHIN 100 MILLISECONDS ON lhs.k = rhs.k;
CREATE STREAM pairs AS SELECT lhs.k AS lk, rhs.k AS rk, lhs.v AS lv, rhs.v AS rv, lhs.ts AS lts, rhs.ts AS rts
  FROM lhs FULL JOIN rhs WITHIN (200 MILLISECONDS BEFORE, 50 MILLISECONDS AFTER) ON lhs.k = rhs.k AND lhs.v < rhs.v;
INSERT INTO oj SELECT * FROM pairs;
INSERT INTO joincounts SELECT lk, WINDOW_START AS ws, COUNT(*) AS n, SUM(rv) AS s FROM pairs
  WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY lk;
SQL
# shellcheck disable=SC2046 # one word per output
check "operators" all.sql "ij.jsonl oj.jsonl" $(printf '%s.jsonl ' $outputs)
rm -f ./*.data ./*.fifo

# 2. The Nexmark reference pipelines (queries/nexmark), their datagen
#    sources first written to files (RECORDS rows each, enough for kills
#    to land mid-run), the sink to a file. q8 joins two sources: pairs come
#    out as the two inputs interleave (compared sorted).
columns() { # the columns of a Nexmark kind (engine/datagen_schema.c)
  case $1 in
  nexmark_bid) echo "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, date_time TIMESTAMP, extra STRING" ;;
  nexmark_auction) echo "id BIGINT, item_name STRING, description STRING, initial_bid BIGINT, reserve BIGINT, date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING" ;;
  nexmark_person) echo "id BIGINT, name STRING, email_address STRING, credit_card STRING, city STRING, state STRING, date_time TIMESTAMP, extra STRING" ;;
  esac
}
for q in "$queries"/nexmark/*.sql; do
  name=nexmark-$(basename "$q" .sql)
  # one statement a line, comments dropped
  sed 's/--.*//' "$q" | tr '\n' ' ' | tr ';' '\n' | sed 's/^ *//; /^$/d' > stmts
  : > rewritten.sql
  while IFS= read -r st; do
    if [[ $st =~ ^CREATE\ (SOURCE|TABLE)\ ([a-z_]+)(.*)WITH\ \((.*connector\ =\ \'datagen\'.*)\)\ *$ ]]; then
      kind=${BASH_REMATCH[1]} rel=${BASH_REMATCH[2]} decl=${BASH_REMATCH[3]} opts=${BASH_REMATCH[4]}
      printf "CREATE SOURCE g WITH (%s);\nCREATE SINK f WITH (connector = 'file', path = '%s.data');\nINSERT INTO f SELECT * FROM g;\n" \
        "$(sed "s/, *timestamp = '[a-z_]*'//; s/count = [0-9]*/count = $records/" <<<"$opts")" "$rel" > dump.sql
      "$streamq" run --quiet --state-dir dump.state dump.sql 2> run.log || fail "$name: dumping $rel: $(tail -2 run.log)"
      rm -rf dump.state
      ts=$(grep -o "timestamp = '[a-z_]*'" <<<"$opts")
      [[ $decl =~ \( ]] || decl=" ($(columns "$(grep -o "nexmark_[a-z]*" <<<"$opts")")) "
      echo "CREATE $kind $rel${decl}WITH (connector = 'file', path = '$rel.data'${ts:+, $ts});" >> rewritten.sql
    elif [[ $st =~ ^CREATE\ SINK\ ([a-z_]+) ]]; then
      echo "CREATE SINK ${BASH_REMATCH[1]} WITH (connector = 'file', path = 'out.jsonl');" >> rewritten.sql
    else
      echo "$st;" >> rewritten.sql
    fi
  done < stmts
  # a table is read whole before the stream starts: only streams are piped
  for t in $(grep -o "^CREATE TABLE [a-z_]*" rewritten.sql | cut -d' ' -f3); do
    sed -i "s/path = '$t.data'/path = '$t.table'/" rewritten.sql && mv "$t.data" "$t.table"
  done
  sorted=""
  [ "$(grep -c '^CREATE SOURCE' rewritten.sql)" -gt 1 ] && sorted=out.jsonl
  kill_count=5 check "$name" rewritten.sql "$sorted" out.jsonl
  rm -f ./*.data ./*.table ./*.fifo
done

echo "$kills kills in all"
[ $failures -eq 0 ] && echo "all invariance tests passed" || echo "$failures failures"
exit $((failures > 0))
