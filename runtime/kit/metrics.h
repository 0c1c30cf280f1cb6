/* The metrics registry (docs/ARCHITECTURE.md §7): counters and gauges with
 * labels. A series is created once (at start, or when a partition is
 * assigned) and then updated by the engine thread with a relaxed atomic
 * operation: no lock and no allocation on the hot path. Rendering (the
 * HTTP thread) takes the registry lock, which only series creation also
 * takes. */
#ifndef SQ_METRICS_H
#define SQ_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/buf.h"

typedef struct sq_metrics sq_metrics_t;

/* One labelled series of a family. */
typedef struct sq_metric {
  _Atomic uint64_t bits; /* counters: the count; gauges: a double's bits */
  char *labels;          /* rendered, e.g. source="bids",partition="0" */
  struct sq_metric *next;
} sq_metric_t;

/* NULL when memory runs out. */
sq_metrics_t *sq_metrics_new(void);
void sq_metrics_destroy(sq_metrics_t *m);

/* The series of family `name` with `labels` (pairs of name, value,
 * NULL-terminated; values are escaped), created on first use. NULL when
 * memory runs out: updating a NULL series is a no-op. */
sq_metric_t *sq_metrics_counter(sq_metrics_t *m, const char *name, const char *help, const char *const *labels);
sq_metric_t *sq_metrics_gauge(sq_metrics_t *m, const char *name, const char *help, const char *const *labels);
/* A counter of a fractional quantity (seconds): updated with sq_metric_set. */
sq_metric_t *sq_metrics_seconds_counter(sq_metrics_t *m, const char *name, const char *help, const char *const *labels);

static inline void sq_metric_add(sq_metric_t *s, uint64_t n) {
  if (s) atomic_fetch_add_explicit(&s->bits, n, memory_order_relaxed);
}
/* Sets a counter that mirrors a count kept elsewhere. */
static inline void sq_metric_store(sq_metric_t *s, uint64_t n) {
  if (s) atomic_store_explicit(&s->bits, n, memory_order_relaxed);
}
static inline void sq_metric_set(sq_metric_t *s, double v) {
  union { double d; uint64_t u; } x = {.d = v};
  if (s) atomic_store_explicit(&s->bits, x.u, memory_order_relaxed);
}

/* A histogram: observations counted in buckets with the given upper
 * bounds (ascending; +Inf is implied), plus their sum and count. Each
 * series is observed by one thread. */
typedef struct sq_histogram {
  double bounds[16];
  size_t n_bounds;
  _Atomic uint64_t buckets[17]; /* not cumulative; the last is +Inf */
  _Atomic uint64_t sum_bits, count;
  char *labels;                 /* rendered, as sq_metric_t's */
  struct sq_histogram *next;
} sq_histogram_t;

/* The series of histogram family `name` with `labels` (as for counters;
 * NULL: none), created on first use. NULL when memory runs out (observing
 * NULL is a no-op); at most 16 bounds. */
sq_histogram_t *sq_metrics_histogram_labelled(sq_metrics_t *m, const char *name, const char *help, const char *const *labels,
                                              const double *bounds, size_t n);
/* The same without labels. */
sq_histogram_t *sq_metrics_histogram(sq_metrics_t *m, const char *name, const char *help, const double *bounds, size_t n);
void sq_histogram_observe(sq_histogram_t *h, double v);

/* The Prometheus text exposition of every family, plus the process's CPU
 * seconds and resident memory. */
void sq_metrics_render(sq_metrics_t *m, sq_buf_t *out);

#endif
