/* The run loop of `streamq run` (docs/ARCHITECTURE.md §3): read a batch from
 * each source in turn, push it through the plan, move the watermark, and
 * repeat until every finite source is drained or a stop is requested. */
#ifndef SQ_EXECUTOR_H
#define SQ_EXECUTOR_H

#include <signal.h>

#include "engine/plan.h"
#include "runtime/app/checkpoint.h"

struct sq_runtime;

typedef struct sq_run_stats {
  uint64_t records_in, records_out, late_records, bad_records, div_by_zero;
} sq_run_stats_t;

/* Runs the plan, restoring its sources from and checkpointing them with
 * `cp` (NULL: an ad-hoc query, state in memory, no checkpoints); returns the exit status (0, or 2 with the reason printed to
 * stderr). Stops cleanly when *stop becomes nonzero, after a last
 * checkpoint; the end of finite input takes one too. */
int sq_execute(sq_plan_t *plan, struct sq_runtime *rt, sq_checkpointer_t *cp, volatile sig_atomic_t *stop, sq_run_stats_t *stats);

#endif
