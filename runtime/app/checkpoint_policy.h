/* The run loop's side of checkpoints (docs/ARCHITECTURE.md §4): when one
 * is due, taking it through the checkpointer (checkpoint.h), completing
 * the one the writer thread finished, and the metrics, health and log
 * lines that follow. */
#ifndef SQ_CHECKPOINT_POLICY_H
#define SQ_CHECKPOINT_POLICY_H

#include "runtime/app/checkpoint.h"
#include "runtime/kit/metrics.h"
#include "runtime/kit/runtime.h"

typedef struct sq_checkpoint_policy {
  sq_checkpointer_t *cp;
  sq_reader_t **readers; /* borrowed: one per plan source */
  double last, last_ok, interval, warn_share; /* last: the last attempt; last_ok: the last success (or the start) */
  int failures_in_row;
  sq_histogram_t *duration, *stall;
  sq_metric_t *failures, *last_success, *size;
  bool quiet;
} sq_checkpoint_policy_t;

/* Sets `ck` up for `cp` and the run's `readers`; its series go to rt->metrics. */
void sq_checkpoint_policy_init(sq_checkpoint_policy_t *ck, sq_checkpointer_t *cp, sq_reader_t **readers, const sq_runtime_t *rt);
/* Whether a checkpoint is due at monotonic second `now`. */
bool sq_checkpoint_policy_due(const sq_checkpoint_policy_t *ck, const sq_plan_t *plan, double now);
/* Starts a checkpoint (the final one: waits until it is durable and, for
 * a `finished` run, marks it so); false when the pipeline must stop. */
bool sq_checkpoint_policy_take(sq_checkpoint_policy_t *ck, sq_plan_t *plan, sq_health_t *health, bool final, bool finished);
/* Completes the checkpoint being written if its write is over; false
 * when the pipeline must stop. */
bool sq_checkpoint_policy_poll(sq_checkpoint_policy_t *ck, sq_plan_t *plan, sq_health_t *health);

#endif
