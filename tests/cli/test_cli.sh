#!/usr/bin/env bash
# The command-line contract of docs/ARCHITECTURE.md §2 for the commands this
# build has: help texts, version, and exit status 1 with usage for unknown
# commands, unknown options and missing arguments.
set -u
streamq=$1 examples=$2
failures=0
expect() { # expect STATUS PATTERN STREAM -- ARGS...
  local want=$1 pattern=$2 stream=$3
  shift 4
  local out err status
  out=$("$streamq" "$@" 2>/tmp/sq_cli_err.$$); status=$?
  err=$(cat /tmp/sq_cli_err.$$)
  local text=$out
  [ "$stream" = stderr ] && text=$err
  if [ $status -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$text"; then
    echo "FAIL: streamq $*: status $status (want $want), $stream: $text"
    failures=$((failures + 1))
  fi
}
expect 0 '^usage: streamq COMMAND' stdout -- --help
expect 0 'check +parse and analyze' stdout -- --help
expect 0 'run +run a pipeline' stdout -- --help
expect 0 'explain +print the operator plan' stdout -- --help
expect 0 '^usage: streamq run FILE.sql' stdout -- run --help
expect 1 "unknown option '--frob'" stderr -- run --frob x.sql
expect 1 'missing the pipeline file' stderr -- explain
expect 0 '^#1 WindowAggregate <- bids: tumbling size 10000ms grace 0ms, emit final, 1 key, 2 aggregates' stdout -- explain "$examples/quickstart.sql"
expect 0 'source bids: datagen .nexmark_bid.; event time: column date_time; watermark: max event time - 0 ms' stdout -- explain "$examples/quickstart.sql"
expect 0 '^ +1000 \| +[0-9]+ \| +[0-9]+ \| 2026-01-01 00:00:00.000 \| 2026-01-01 00:00:10.000' stdout -- run "$examples/quickstart.sql"
expect 0 'done: 20000 records in, [0-9]+ out, 0 late, 0 bad' stderr -- run "$examples/quickstart.sql"
expect 1 '^usage: streamq COMMAND' stderr --
expect 0 '^streamq [0-9]+\.[0-9]+\.[0-9]+$' stdout -- version
expect 0 '^streamq [0-9]+\.[0-9]+\.[0-9]+$' stdout -- --version
expect 0 '^usage: streamq check FILE.sql' stdout -- check --help
expect 0 '^usage: streamq version' stdout -- version --help
expect 1 "unknown command 'frobnicate'" stderr -- frobnicate
expect 1 "unknown option '--frob'" stderr -- check --frob "$examples/quickstart.sql"
expect 1 'usage: streamq check' stderr -- check --frob "$examples/quickstart.sql"
expect 1 'missing the pipeline file' stderr -- check
expect 1 "unexpected argument 'b.sql'" stderr -- check a.sql b.sql
expect 1 "cannot read '/nonexistent.sql': No such file or directory" stderr -- check /nonexistent.sql
for command in check explain run; do
  expect 1 "streamq $command: cannot read '/': Is a directory" stderr -- $command /
done
expect 1 "unexpected argument 'x'" stderr -- version x
expect 0 'quickstart.sql: ok: 1 sources, 0 tables, 0 streams, 1 sinks, 1 queries' stdout -- check "$examples/quickstart.sql"
# SET 'scale.repartition' = 'on': check lists the repartition topics, explain the stages
repartition=$(dirname "$0")/../golden/valid/repartition.sql
expect 0 'repartitioned: topic payments to fraud.pay_by_card.repartition, keyed by card' stdout -- check "$repartition"
expect 0 'repartitioned: topic refunds to fraud.refunds_by_card.repartition, keyed by card' stdout -- check "$repartition"
expect 0 "^stage 1 of a repartition: sink pay__by_merchant__out writes the rows of topic 'payments' to topic 'fraud.pay_by_merchant.repartition' keyed by merchant" stdout -- explain "$repartition"
expect 0 'IntervalJoin <- pay__by_card, refunds__by_card' stdout -- explain "$repartition"
expect 0 "source pay__by_card: kafka 'fraud.pay_by_card.repartition'; event time: column __rowtime; watermark: stage 2 of a repartition" stdout -- explain "$repartition"
# a join of a partitioned_by source with an unkeyed one: both sides repartitioned, and check says why
keyed_join=$(dirname "$0")/../golden/valid/repartition_join_keyed.sql
expect 0 'partitioned_by of pay set aside: its join with refunds \(not partitioned_by\) is not co-partitioned, so both sides are repartitioned by card' stdout -- check "$keyed_join"
expect 0 'IntervalJoin <- pay__by_card, refunds__by_card' stdout -- explain "$keyed_join"
sed "s/SET 'scale.repartition' = 'on';//" "$keyed_join" > /tmp/sq_cli_join.$$.sql
expect 1 'a join runs as tasks only between two sources partitioned_by its key' stderr -- check /tmp/sq_cli_join.$$.sql
rm -f /tmp/sq_cli_join.$$.sql
# hot keys are pre-aggregated in stage 1 where partial results merge exactly (and not with scale.preaggregate off)
preaggregate=$(dirname "$0")/../golden/valid/preaggregate.sql
expect 0 'keyed by card \(stage 1: sink pay__by_card__out, hot keys pre-aggregated;' stdout -- check "$preaggregate"
expect 0 'keyed by page \(stage 1: sink clicks__by_page__out; stage 2' stdout -- check "$preaggregate"
expect 0 'keyed by sym \(stage 1: sink quotes__by_sym__out; stage 2' stdout -- check "$preaggregate"
expect 0 '^#2 PreAggregate <- #1: hopping size 600000ms' stdout -- explain "$preaggregate"
sed "1i SET 'scale.preaggregate' = 'off';" "$preaggregate" > /tmp/sq_cli_off.$$.sql
expect 0 'keyed by card \(stage 1: sink pay__by_card__out; stage 2' stdout -- check /tmp/sq_cli_off.$$.sql
rm -f /tmp/sq_cli_off.$$.sql
rm -f /tmp/sq_cli_err.$$
[ $failures -eq 0 ] && echo "cli: all passed"
[ $failures -eq 0 ]
