#!/usr/bin/env bash
# HTTP sink throughput: rows/s streamq delivers to a local endpoint that
# answers at once (batch_size 500, max_in_flight 4), against a minimal
# libcurl loop posting the same rows in the same batches to the same
# endpoint. streamq's time includes generating and encoding the rows, so
# the same pipeline into a file sink is timed too: the difference is what
# delivery over HTTP costs. The loop is timed twice: sending its prebuilt
# bodies alone, and from its start (reading and framing the rows too).
#   bench/http_sink.sh [ROWS]   (default 5,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-5000000}
work=build-bench
cmake -S . -B "$work" -DCMAKE_BUILD_TYPE=Release -DSQ_TESTS=OFF > /dev/null
cmake --build "$work" -j"$(nproc)" > /dev/null
cc -O2 -o "$work/http_receiver" bench/http_receiver.c $(pkg-config --cflags --libs libmicrohttpd)
cc -O2 -o "$work/http_post" bench/http_post.c $(pkg-config --cflags --libs libcurl)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$work/http_receiver" "$port" & receiver=$!
trap 'kill $receiver' EXIT
sleep 0.2
cat > "$work/http_file.sql" <<SQL
CREATE SOURCE g WITH (connector = 'datagen', kind = 'sequence', count = $rows);
CREATE SINK out WITH (connector = 'file', path = '$PWD/$work/http_rows.jsonl');
INSERT INTO out SELECT seq, ts, seq * 3 AS x FROM g;
SQL
cat > "$work/http_sink.sql" <<SQL
CREATE SOURCE g WITH (connector = 'datagen', kind = 'sequence', count = $rows);
CREATE SINK hook WITH (connector = 'http', url = 'http://127.0.0.1:$port/hook', batch_size = 500, max_in_flight = 4);
INSERT INTO hook SELECT seq, ts, seq * 3 AS x FROM g;
SQL
"$work/streamq" run "$work/http_file.sql" --quiet --reset-state --state-dir "$work/http_file.state"
rate() { awk -v r="$rows" -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", r / (b - a) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
for run in 1 2 3; do
  start=$(date +%s.%N)
  "$work/streamq" run "$work/http_file.sql" --quiet --reset-state --state-dir "$work/http_file.state"
  file_rate=$(rate "$start" "$(date +%s.%N)")
  start=$(date +%s.%N)
  "$work/streamq" run "$work/http_sink.sql" --quiet --reset-state --state-dir "$work/http_sink.state"
  end=$(date +%s.%N)
  streamq_rate=$(rate "$start" "$end")
  read -r curl_rate curl_all_rate < <("$work/http_post" "http://127.0.0.1:$port/hook" "$work/http_rows.jsonl" 500 4)
  echo "run $run: streamq $streamq_rate rows/s (into a file: $file_rate), libcurl loop $curl_rate rows/s, ratio $(ratio "$streamq_rate" "$curl_rate");" \
       "loop from its start $curl_all_rate rows/s, ratio $(ratio "$streamq_rate" "$curl_all_rate") (load $(cut -d' ' -f1 /proc/loadavg))"
done
