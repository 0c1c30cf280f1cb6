/* The watermark rule of a source (LANGUAGE.md §2), as pure arithmetic: a
 * partition's watermark is its largest event time minus the delay; the
 * source's is the minimum over its assigned partitions that are not idle
 * (silent for idle_timeout); when every one is idle it is the largest
 * event time seen plus the wall-clock time the source has been silent,
 * minus the delay. It never goes back. The reader (runtime/kit/reader.c)
 * folds its partitions through it; the clock is the caller's. */
#ifndef SQ_WATERMARK_H
#define SQ_WATERMARK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sq_watermark_rule {
  int64_t delay;        /* watermark_delay, ms */
  int64_t idle_timeout; /* ms; 0: a partition is never idle */
} sq_watermark_rule_t;

/* The fold over one source's partitions at wall-clock time `now`. */
typedef struct sq_watermark_fold {
  int64_t now, wm, largest;
  bool active, assigned;
} sq_watermark_fold_t;

sq_watermark_fold_t sq_watermark_fold_start(int64_t now);
/* One partition: its largest event time (INT64_MIN before its first row),
 * the wall clock of its last row (or of its assignment), whether it is
 * assigned to this process. */
void sq_watermark_fold_partition(sq_watermark_fold_t *f, const sq_watermark_rule_t *rule, int64_t max_event_time,
                                 int64_t last_row_ms, bool assigned);
/* Whether the watermark that ended fold `f` still holds after a
 * partition whose largest event time is `max_event_time` reads a row at
 * f->now, whatever the row's event time: so a reader need not fold all
 * its partitions again for every row. */
bool sq_watermark_fold_holds(const sq_watermark_fold_t *f, const sq_watermark_rule_t *rule, int64_t max_event_time);
/* The source's watermark: the fold's, given the wall clock of the
 * source's last row (its silence), never below `previous`. */
int64_t sq_watermark_fold_end(const sq_watermark_fold_t *f, const sq_watermark_rule_t *rule, int64_t source_last_row_ms,
                              int64_t previous);

#endif
