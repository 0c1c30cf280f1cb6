/* What every operator of one running pipeline shares: the per-batch
 * arena, the clock reading for NOW(), counters of dropped or NULL-ed
 * values, the first fatal error, and what the runtime injects (a clock,
 * crash points): the engine itself reads no clock and no environment.
 * One engine thread, so no locks. */
#ifndef SQ_EXEC_H
#define SQ_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/arena.h"

#define SQ_WATERMARK_END INT64_MAX /* finite input is over: every window closes */

typedef struct sq_exec {
  sq_arena_t arena;       /* reset after every source batch */
  int64_t now_ms;
  uint64_t late_records;  /* dropped: later than every window they belong to */
  uint64_t div_by_zero;   /* integer division by zero, result NULL */
  uint32_t state_base;    /* the state partitions of this plan's operators start
                           * here: a task's range (engine/state.h) */
  bool failed;
  char error[512];
  /* Injected by the runtime, NULL in engine tests: a monotonic clock in
   * seconds (operators' busy time), and the crash points of recovery
   * tests (runtime/kit/crash_point.h). */
  double (*clock_seconds)(void);
  void (*crash_point)(const char *name);
} sq_exec_t;

/* Records the first fatal error (later ones are dropped) and returns false. */
bool sq_exec_fail(sq_exec_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
