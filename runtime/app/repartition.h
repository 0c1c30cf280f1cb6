/* Stages (docs/ARCHITECTURE.md §8, "Repartitioning"): with SET
 * 'scale.repartition' = 'on', a GROUP BY over a Kafka source that is not
 * partitioned_by its keys is cut in two. Stage 1 writes the source's rows
 * to a repartition topic keyed by the GROUP BY columns; stage 2 reads that
 * topic as a source partitioned_by them, so it runs as per-partition
 * tasks on as many processes as share the consumer group. */
#ifndef SQ_REPARTITION_H
#define SQ_REPARTITION_H

#include "engine/buf.h"
#include "grammar/ast.h"
#include "grammar/diag.h"
#include "engine/analyze.h"
#include "runtime/kit/origins.h"

/* The statements stages add to a pipeline, parsed from their own text
 * (which the AST's spans point into). */
typedef struct sq_stages {
  char *text;
  sq_sql_t *sql;
  sq_diag_t *diag;
  sq_buf_t notes; /* lines `check` prints: why a source's partitioned_by was set aside */
} sq_stages_t;

/* Rewrites `script` (analyzed as `prog`) for repartitioning: inserts the
 * statements of each stage after the CREATE SOURCE they read and points
 * each repartitioned query's FROM at its stage-2 source. `default_group`
 * is the consumer group of sources without group_id; `partitions` the
 * repartition topics' partition count (0: the source's); `preaggregate`
 * lets stage 1 fold hot keys (engine/preaggregate.h) where the query
 * allows it. Returns the
 * number of queries repartitioned (the caller analyzes `script` again),
 * or -1 when memory runs out. Free `stages` with sq_stages_free. */
int sq_stages_cut(sq_ast_t *script, const sq_program_t *prog, const char *default_group, uint32_t partitions,
                  bool preaggregate, sq_stages_t *stages);
void sq_stages_free(sq_stages_t *stages);

#endif
