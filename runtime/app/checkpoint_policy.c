/* When checkpoints are taken, and what a run does with their outcome:
 * every interval, when dirty state fills half the cache, when a
 * transactional sink holds 64 MiB of output, and at the end; metrics and
 * log lines for each. A failed checkpoint is counted and retried at the
 * next interval; three failures in a row stop the pipeline (the last good
 * checkpoint stays valid). */
#include "runtime/app/checkpoint_policy.h"

#include <stdatomic.h>
#include <time.h>

#include "runtime/kit/clock.h"
#include "runtime/kit/log.h"

#define MAX_FAILURES_IN_ROW 3

void sq_checkpoint_policy_init(sq_checkpoint_policy_t *ck, sq_checkpointer_t *cp, sq_reader_t **readers, const sq_runtime_t *rt) {
  static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  ck->cp = cp;
  ck->readers = readers;
  ck->last = ck->last_ok = sq_clock_seconds();
  ck->interval = (double)rt->checkpoint_interval_ms / 1000.0;
  ck->warn_share = rt->checkpoint_warn_share;
  ck->quiet = rt->quiet;
  ck->duration = sq_metrics_histogram(rt->metrics, "streamq_checkpoint_duration_seconds",
                                      "Time to take a checkpoint: sink flushes, the synced state batch, the commits after it.",
                                      bounds, sizeof bounds / sizeof *bounds);
  ck->stall = sq_metrics_histogram(rt->metrics, "streamq_checkpoint_stall_seconds",
                                   "Time a checkpoint stopped the engine: waiting for the previous one, sink flushes, the "
                                   "state snapshot, the commits after it (the batch is written meanwhile).",
                                   bounds, sizeof bounds / sizeof *bounds);
  ck->failures = sq_metrics_counter(rt->metrics, "streamq_checkpoint_failures_total", "Checkpoints that failed.", NULL);
  ck->last_success = sq_metrics_gauge(rt->metrics, "streamq_last_checkpoint_timestamp_seconds",
                                      "Unix time of the last successful checkpoint.", NULL);
  ck->size = sq_metrics_gauge(rt->metrics, "streamq_checkpoint_bytes", "Bytes the last checkpoint wrote.", NULL);
}

/* A checkpoint failed (to start, or to be written, or to complete):
 * false when the pipeline must stop. */
static bool checkpoint_failed(sq_checkpoint_policy_t *ck, sq_plan_t *plan, sq_health_t *health, bool final, const char *err) {
  sq_metric_add(ck->failures, 1);
  atomic_store(&health->checkpoint_failing, 1);
  if (final || ++ck->failures_in_row >= MAX_FAILURES_IN_ROW) {
    sq_exec_fail(&plan->exec, "checkpoint failed%s: %s", final ? "" : " 3 times in a row", err);
    return false;
  }
  sq_log_warn("checkpoint failed", "%s (attempt %d of %d; the previous checkpoint stays valid)", err, ck->failures_in_row,
              MAX_FAILURES_IN_ROW);
  return true;
}

/* A checkpoint completed (if r->seq): metrics and the log. */
static void checkpoint_done(sq_checkpoint_policy_t *ck, sq_health_t *health, const sq_checkpoint_result_t *r, bool final) {
  if (!r->seq) return;
  ck->failures_in_row = 0;
  ck->last_ok = sq_clock_seconds();
  sq_histogram_observe(ck->duration, r->seconds);
  sq_histogram_observe(ck->stall, r->stall);
  sq_metric_set(ck->last_success, (double)time(NULL));
  sq_metric_set(ck->size, (double)r->bytes);
  union { double d; uint64_t u; } at = {.d = ck->last_ok};
  atomic_store(&health->checkpoint_bits, at.u);
  atomic_store(&health->checkpoint_failing, 0);
  if (!final && r->seconds > ck->warn_share * ck->interval)
    sq_log_warn("slow checkpoint", "checkpoint %llu took %.3f s, over %.0f%% of the %.3f s interval (the engine stalled %.3f s)",
                (unsigned long long)r->seq, r->seconds, ck->warn_share * 100, ck->interval, r->stall);
  else if (!ck->quiet)
    sq_log("checkpoint", "checkpoint %llu: %.3f s, %zu bytes, %zu entries written, %zu deleted, engine stalled %.3f s",
           (unsigned long long)r->seq, r->seconds, r->bytes, r->written, r->deleted, r->stall);
}

bool sq_checkpoint_policy_take(sq_checkpoint_policy_t *ck, sq_plan_t *plan, sq_health_t *health, bool final, bool finished) {
  sq_checkpoint_result_t r;
  char err[512];
  ck->last = sq_clock_seconds();
  bool ok = sq_checkpointer_take(ck->cp, plan, ck->readers, plan->n_sources, final, &r, err, sizeof err);
  checkpoint_done(ck, health, &r, final);
  if (ok && final) {
    ok = sq_checkpointer_complete(ck->cp, plan, ck->readers, plan->n_sources, true, &r, err, sizeof err);
    checkpoint_done(ck, health, &r, final);
    ok = ok && (!finished || sq_checkpointer_finish_run(ck->cp, err, sizeof err));
  }
  return ok || checkpoint_failed(ck, plan, health, final, err);
}

bool sq_checkpoint_policy_poll(sq_checkpoint_policy_t *ck, sq_plan_t *plan, sq_health_t *health) {
  sq_checkpoint_result_t r;
  char err[512];
  bool ok = sq_checkpointer_complete(ck->cp, plan, ck->readers, plan->n_sources, false, &r, err, sizeof err);
  checkpoint_done(ck, health, &r, false);
  return ok || checkpoint_failed(ck, plan, health, false, err);
}

/* Output held for a transaction: a checkpoint sends it, so memory stays
 * bounded however long the interval. */
#define HELD_OUTPUT_LIMIT (64u << 20)

static bool output_wants_checkpoint(const sq_plan_t *plan) {
  for (uint32_t i = 0; i < plan->n_sinks; i++)
    if (plan->sinks[i]->held_bytes >= HELD_OUTPUT_LIMIT) return true;
  return false;
}

bool sq_checkpoint_policy_due(const sq_checkpoint_policy_t *ck, const sq_plan_t *plan, double now) {
  return now - ck->last >= ck->interval || sq_state_wants_checkpoint(plan->state) || output_wants_checkpoint(plan);
}
