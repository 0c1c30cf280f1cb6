#include "runtime/app/drop_report.h"

#include <stdlib.h>

#include "runtime/kit/log.h"

#define EVERY_S 10.0

static const char *const action_names[] = {"failed", "skipped", "sent to the dead-letter output"};

bool sq_drop_report_init(sq_drop_report_t *r, const sq_plan_t *plan) {
  size_t n = (size_t)plan->n_sources + plan->n_ops + 1;
  *r = (sq_drop_report_t){calloc(n, sizeof *r->reported), calloc(n, sizeof *r->logged_at), plan->n_sources, plan->n_ops};
  for (size_t i = 0; r->logged_at && i < n; i++) r->logged_at[i] = -EVERY_S;
  return r->reported && r->logged_at;
}

/* Whether slot `i`, now at `count`, has news to log now. */
static bool due(sq_drop_report_t *r, size_t i, uint64_t count, double now_s, bool final) {
  if (count <= r->reported[i] || (!final && now_s - r->logged_at[i] < EVERY_S)) return false;
  r->logged_at[i] = now_s;
  return true;
}

void sq_drop_report_sample(sq_drop_report_t *r, const sq_plan_t *plan, sq_reader_t *const *readers, double now_s, bool final) {
  for (uint32_t i = 0; i < r->n_sources; i++) {
    const sq_bad_records_t *bad = &readers[i]->bad;
    if (!due(r, i, bad->count, now_s, final)) continue;
    sq_log_warn("bad records", "source '%s': %llu bad records %s (%llu in all)", readers[i]->rel->name,
                (unsigned long long)(bad->count - r->reported[i]), action_names[bad->action], (unsigned long long)bad->count);
    r->reported[i] = bad->count;
  }
  for (uint32_t i = 0; i < r->n_ops; i++) {
    const sq_op_t *op = plan->ops[i];
    size_t slot = r->n_sources + i;
    if (!due(r, slot, op->late, now_s, final)) continue;
    sq_log_warn("late records", "operator #%d %s: %llu records dropped as late (%llu in all)", op->id, op->cls->name,
                (unsigned long long)(op->late - r->reported[slot]), (unsigned long long)op->late);
    r->reported[slot] = op->late;
  }
}

void sq_drop_report_free(sq_drop_report_t *r) {
  free(r->reported);
  free(r->logged_at);
}
