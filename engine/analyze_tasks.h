/* Pipelines that run as per-partition tasks: the source that makes them
 * so, and the check that every query can run that way. */
#ifndef SQ_ANALYZE_TASKS_H
#define SQ_ANALYZE_TASKS_H

#include "engine/analyze.h"

/* The stream source declared `partitioned_by`, or NULL: the pipeline runs
 * as one task over every partition it is assigned. */
const sq_relation_t *sq_program_task_source(const sq_program_t *prog);
/* The column of the n-th name in the `partitioned_by` option of `rel`
 * (which must have one); -1 unknown, -2 when it names fewer. */
int sq_partitioned_by_column(const sq_relation_t *rel, int n);
/* Reports each query that cannot run as per-partition tasks. */
void sq_analyze_tasks(const sq_program_t *prog, sq_diag_t *diag);

#endif
