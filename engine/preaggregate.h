/* Pre-aggregation in stage 1 of a repartition (docs/ARCHITECTURE.md §8):
 * the rows of a hot key are folded, per input partition (an origin),
 * into partial aggregates that stage 2 merges, so that a key carrying
 * half the stream costs stage 2 a few records instead of half of them.
 *
 * Results stay those of one process, and exactly once:
 * - Only a window still open in the origin's own view (its largest event
 *   time minus the delay) takes rows; a partial is written before the
 *   origin's watermark passes its window's close, so before any mark
 *   that could close it in stage 2, and is judged there like its rows.
 *   A row of a window the origin has closed goes as it is.
 * - Which rows fold, and where partials are written, depend only on the
 *   origin's rows since the segment began (a block of offsets), on its
 *   largest event time then, and on an idle cut recorded before it was
 *   made: a restart from the segment's start writes the same partials at
 *   the same origin positions (offset, index), which stage 2 drops as
 *   repeats. So the input's committed offset is the segment's start, and
 *   its commit note carries that event time (and the idle cut).
 * The runtime and the operator share one sq_preagg_origin_t per origin. */
#ifndef SQ_PREAGGREGATE_H
#define SQ_PREAGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/op.h"
#include "engine/row_layout.h"
#include "engine/window_spec.h"
#include "grammar/ast.h"

/* The columns of a repartition topic's rows that carry their origin and
 * their event time (runtime/kit/origins.h). */
#define SQ_ORIGIN_PARTITION "__origin_partition"
#define SQ_ORIGIN_OFFSET "__origin_offset"
#define SQ_STAGE_ROWTIME "__rowtime"
/* A pre-aggregated repartition topic's rows also carry the index of a partial aggregate among those
 * written at one origin offset (0: a row of the source), the start of its
 * window, and its accumulators (hex; NULL in a row of the source). */
#define SQ_ORIGIN_INDEX "__origin_index"
#define SQ_PARTIAL_WINDOW "__window"
#define SQ_PARTIAL_STATE "__partial"

/* Offsets per segment: the most a restart reads again per partition. */
#define SQ_PREAGG_SEGMENT 2048
/* Rows of a key in a segment before it is hot (its first ones go as they are). */
#define SQ_PREAGG_HOT_ROWS 16
/* Partial aggregates an origin keeps open at once; beyond, rows go as they are. */
#define SQ_PREAGG_MAX_OPEN 256

typedef struct sq_preagg_origin {
  /* set by the runtime */
  uint32_t epoch;        /* changes when the partition is assigned again: the operator starts it over */
  int64_t resume_max_ts; /* the largest event time before the committed offset (INT64_MIN: none) */
  int64_t resume_cut;    /* an idle cut at this offset to make again (-1: none) */
  /* set by the operator */
  uint32_t seen_epoch;
  int64_t replay_from;   /* the open segment's first offset: where a restart must read from (-1: none yet) */
  int64_t replay_max_ts; /* the largest event time before it */
  int64_t last_offset;   /* of the last row (-1: none) */
  int64_t max_ts;        /* the largest event time so far */
  int64_t hold;          /* the earliest close of its open partials (INT64_MAX: none) */
  uint32_t open;         /* its open partials */
  uint32_t index;        /* partials written at last_offset */
} sq_preagg_origin_t;

/* The runtime's table of origins for the operator: the record of the
 * source's partition p (NULL when it has none: the operator keeps its
 * own, and nothing is resumed). */
typedef sq_preagg_origin_t *(*sq_preagg_origin_fn)(void *ctx, uint32_t p);

/* The operator between stage 1's projection and its repartition sink:
 * rows laid out as the sink's schema says (its declared columns first,
 * as in stage 2's source), aggregated as `select` (stage 2's query) with
 * window `win`, `delay` the source's watermark delay. `cols` gives where
 * in the row the origin partition, offset, index, event time, window
 * start and partial go, in that order. */
typedef struct sq_preagg_columns {
  int partition, offset, index, rowtime, window, partial;
} sq_preagg_columns_t;
sq_op_t *sq_op_preaggregate_new(sq_exec_t *exec, const sq_window_spec_t *win, const sq_ast_t *select, int64_t delay,
                                const sq_preagg_columns_t *cols, uint32_t width, const void *target);
/* Whether `op` is a pre-aggregation operator writing to sink relation
 * `target`. */
bool sq_op_preaggregates_for(const sq_op_t *op, const void *target);
/* Points the operator at the runtime's table of origins. */
void sq_op_preaggregate_origins(sq_op_t *op, sq_preagg_origin_fn fn, void *ctx);
/* Writes every open partial of origin p now (an idle cut, recorded
 * first by the caller); false after sq_exec_fail. */
bool sq_op_preaggregate_cut(sq_op_t *op, uint32_t p);

#endif
