/* What a running pipeline shows of itself (docs/ARCHITECTURE.md §7): its
 * metric series, filled once a round from the plain counters that
 * readers, operators and sinks keep; the per-source and blocked-sink parts
 * of /health, about once a second; and the live status line on a
 * terminal. The run loop (executor.c) calls it and knows nothing of
 * metric names. */
#ifndef SQ_RUN_REPORT_H
#define SQ_RUN_REPORT_H

#include "engine/plan.h"
#include "runtime/app/metrics_http.h"
#include "runtime/kit/metrics.h"
#include "runtime/app/tasks.h"
#include "runtime/kit/reader.h"

typedef struct sq_run_report sq_run_report_t;

/* Series for `plan` and its `readers` (one per plan source, borrowed, all
 * opened) in `reg`; `status_line`: print the live status line. NULL when
 * memory runs out. */
sq_run_report_t *sq_run_report_new(const sq_plan_t *plan, sq_reader_t *const *readers, sq_metrics_t *reg, bool status_line);
void sq_run_report_free(sq_run_report_t *r);
/* Every series from the counters, and /health's totals. */
bool sq_run_report_publish(sq_run_report_t *r, sq_health_t *health);
/* /health's sources and blocked sinks; the status line over the
 * `seconds` since the last call. */
void sq_run_report_second(sq_run_report_t *r, sq_health_t *health, double seconds, double checkpoint_age);
/* /health lists the tasks of source `source` (tasks.h); false when memory runs out. */
bool sq_run_report_tasks(sq_run_report_t *r, uint32_t source, const sq_tasks_t *tasks);
/* Clears the status line before other output. */
void sq_run_report_end(sq_run_report_t *r);

#endif
