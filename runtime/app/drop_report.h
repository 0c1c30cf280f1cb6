/* Bad and late records in the log (docs/ARCHITECTURE.md §7): what each source
 * rejected and each operator dropped as late since its last line, at most
 * one line per source or operator every 10 seconds, so a flood of bad
 * input is visible without drowning the log. */
#ifndef SQ_DROP_REPORT_H
#define SQ_DROP_REPORT_H

#include "engine/plan.h"
#include "runtime/kit/reader.h"

typedef struct sq_drop_report {
  uint64_t *reported; /* per source (bad), then per operator (late): counts already logged */
  double *logged_at;
  uint32_t n_sources, n_ops;
} sq_drop_report_t;

/* False when memory runs out. */
bool sq_drop_report_init(sq_drop_report_t *r, const sq_plan_t *plan);
/* Logs what is new and due; `final` logs whatever is left. */
void sq_drop_report_sample(sq_drop_report_t *r, const sq_plan_t *plan, sq_reader_t *const *readers, double now_s, bool final);
void sq_drop_report_free(sq_drop_report_t *r);

#endif
