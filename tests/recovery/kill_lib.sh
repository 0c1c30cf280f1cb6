# Shared by the recovery, invariance and scale-out tests (sourced, with paths made
# absolute first): a scratch directory to work in (removed at exit, with
# every process listed in `pids` killed), result checks and the kill -9
# campaign. The caller sets `streamq`, and `ref_ms` (how long an
# uninterrupted run took) before crash_loop.
dir=$(mktemp -d)
cd "$dir" || exit 1
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  exec 3>&- 2>/dev/null
  cd / && rm -rf "$dir"
}
trap cleanup EXIT
failures=0
kills=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
# stop_process NAME PID LOG: SIGTERM, then its exit status, which must be
# 0: a crash or a hang while stopping fails (kill -9 after 30 s)
stop_process() {
  local i status
  kill -TERM "$2" 2>/dev/null
  for i in $(seq 150); do kill -0 "$2" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$2" 2>/dev/null; then kill -9 "$2"; fail "$1 still running 30 s after SIGTERM"; fi
  wait "$2" 2>/dev/null
  status=$?
  [ "$status" -eq 0 ] || fail "$1 exited with status $status when stopped: $(tail -1 "$3" 2>/dev/null)"
}
same_output() { # same_output NAME REF_DIR FILE...
  local name=$1 ref=$2 f; shift 2
  for f in "$@"; do
    cmp -s "$f" "$ref/$f" || { fail "$name: $f differs from the uninterrupted run ($(wc -l < "$f") vs $(wc -l < "$ref/$f") lines)"; return 1; }
  done
  ok "$name: output identical to the uninterrupted run"
}
same_rows() { # same_rows NAME REF_DIR FILE...: equal after sorting
  local name=$1 ref=$2 f; shift 2
  for f in "$@"; do
    cmp -s <(sort "$f") <(sort "$ref/$f") || { fail "$name: $f differs from the uninterrupted run ($(wc -l < "$f") vs $(wc -l < "$ref/$f") lines)"; return 1; }
  done
  ok "$name: the same rows as the uninterrupted run"
}

# kill -9 at random moments until the run completes. Each killed run
# lives at most a 1/(2*MIN_KILLS) share of the uninterrupted run's time,
# so MIN_KILLS kills land before the work is done on any machine.
crash_loop() { # crash_loop NAME MIN_KILLS ARGS...: restarts until exit 0
  local name=$1 min=$2 n=0 status; shift 2
  local window_ms=$((ref_ms / (2 * min) > 10 ? ref_ms / (2 * min) : 10))
  for attempt in $(seq 200); do
    "$streamq" run --quiet "$@" 2>> crash.log &
    local pid=$!
    if [ $n -lt "$min" ]; then
      local ms=$((RANDOM % window_ms + 1))
      sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
      if kill -9 "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null; n=$((n + 1)); continue; fi
    fi
    wait "$pid"; status=$?
    [ $status -eq 0 ] && break
    fail "$name: a restart failed with $status: $(tail -2 crash.log)"; return
  done
  kills=$((kills + n))
  [ $n -ge "$min" ] || fail "$name: only $n kills landed before the run ended"
  echo "     ($name: $n kills, $attempt runs)"
}
