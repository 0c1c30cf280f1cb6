/* Stage 1 of a repartition (docs/ARCHITECTURE.md §8): after the rows of a
 * round have gone to a repartition topic, each partition of the input it
 * repartitions that this process reads writes its watermark to every
 * partition of the topic as a mark (origins.h), at most every
 * `watermark.interval` and only when it moved or its idleness changed
 * (and every 5 s regardless), so stage 2 closes windows exactly where one
 * process would. */
#ifndef SQ_MARKS_H
#define SQ_MARKS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/plan.h"
#include "runtime/kit/reader.h"

typedef struct sq_marks sq_marks_t;

/* The marks of `plan`'s repartition sinks, each paired with the reader of
 * the topic it repartitions (readers[i] reads plan->sources[i]). NULL
 * when there are none; *oom says whether memory ran out. */
sq_marks_t *sq_marks_new(const sq_plan_t *plan, sq_reader_t *const *readers, int64_t interval_ms, bool *oom);
/* Writes the marks that are due at `now`; false with `err`. */
bool sq_marks_tick(sq_marks_t *m, int64_t now, char *err, size_t err_size);
void sq_marks_free(sq_marks_t *m);

#endif
