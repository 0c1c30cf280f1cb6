/* The watermark rule. Event times are whatever the input says, so the
 * arithmetic saturates instead of overflowing. */
#include "engine/watermark.h"

/* a + b - c without overflow */
static int64_t shifted(int64_t a, int64_t b, int64_t c) {
  int64_t x;
  if (__builtin_add_overflow(a, b, &x)) return b > 0 ? INT64_MAX : INT64_MIN;
  if (__builtin_sub_overflow(x, c, &x)) return c > 0 ? INT64_MIN : INT64_MAX;
  return x;
}

sq_watermark_fold_t sq_watermark_fold_start(int64_t now) {
  return (sq_watermark_fold_t){.now = now, .wm = INT64_MAX, .largest = INT64_MIN};
}

static int64_t partition_watermark(const sq_watermark_rule_t *rule, int64_t max_event_time) {
  return max_event_time == INT64_MIN ? INT64_MIN : shifted(max_event_time, 0, rule->delay);
}

void sq_watermark_fold_partition(sq_watermark_fold_t *f, const sq_watermark_rule_t *rule, int64_t max_event_time,
                                 int64_t last_row_ms, bool assigned) {
  if (max_event_time > f->largest) f->largest = max_event_time;
  if (!assigned) return;
  f->assigned = true;
  if (rule->idle_timeout > 0 && f->now - last_row_ms >= rule->idle_timeout) return; /* idle: not holding back */
  f->active = true;
  int64_t pw = partition_watermark(rule, max_event_time);
  if (pw < f->wm) f->wm = pw;
}

bool sq_watermark_fold_holds(const sq_watermark_fold_t *f, const sq_watermark_rule_t *rule, int64_t max_event_time) {
  /* Above the minimum, the partition stays above it whatever it reads,
   * and becoming active (it is, having read a row) adds nothing below it.
   * One holding the minimum can move it. With no partition active the
   * watermark follows the silence, which a row ends. */
  return f->active && partition_watermark(rule, max_event_time) > f->wm;
}

int64_t sq_watermark_fold_end(const sq_watermark_fold_t *f, const sq_watermark_rule_t *rule, int64_t source_last_row_ms,
                              int64_t previous) {
  int64_t wm = f->wm;
  /* Every partition idle: the watermark moves on from the largest event
   * time seen by the wall-clock time the source has been silent, so the
   * windows of a quiet live stream still close, while data whose event
   * times lie behind the wall clock (a replay, a backlog, a producer that
   * paused) is not made late by the pause. Nothing moves before the first
   * event time (a consumer still fetching), or every record would arrive
   * late. */
  if (!f->active) {
    int64_t silence = f->now > source_last_row_ms ? f->now - source_last_row_ms : 0;
    wm = f->assigned && rule->idle_timeout > 0 && f->largest != INT64_MIN ? shifted(f->largest, silence, rule->delay) : INT64_MIN;
  }
  return wm > previous ? wm : previous;
}
