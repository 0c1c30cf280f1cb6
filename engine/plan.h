/* The physical plan: the operator DAG of a pipeline. Each query becomes a
 * short chain of operators; a source (or a derived stream) read by several
 * queries is read once and fans out to each of them. The runtime creates
 * the sinks (through a callback) and drives the sources. */
#ifndef SQ_PLAN_H
#define SQ_PLAN_H

#include <stdio.h>

#include "engine/analyze.h"
#include "engine/op.h"
#include "engine/sink.h"
#include "engine/state.h"

/* Creates the sink for `sink_rel` (NULL: the standard output of an ad hoc
 * SELECT) writing rows of `schema`. NULL with `err` filled on failure. */
typedef sq_sink_t *(*sq_sink_factory_t)(void *ctx, const sq_relation_t *sink_rel, const sq_relation_t *schema,
                                        char *err, size_t err_size);

typedef struct sq_plan_source {
  const sq_relation_t *rel;
  sq_op_t **consumers; /* the first operator of each query reading it */
  bool *read;          /* the columns some query reads: the rest are not decoded */
  uint32_t n_consumers;
} sq_plan_source_t;

typedef struct sq_plan {
  const sq_program_t *prog; /* borrowed: what it was built from */
  sq_exec_t exec;
  sq_state_t *state;   /* every operator's state */
  sq_plan_source_t *sources;
  uint32_t n_sources;
  sq_op_t **ops;       /* every operator, in creation order */
  uint32_t n_ops;
  sq_sink_t **sinks;   /* every sink, created once each */
  const sq_relation_t **sink_rels;
  uint32_t n_sinks;
  sq_op_t **producers;     /* by catalog id: the last operator of a derived stream's query */
  uint32_t *slots;         /* by catalog id: 1 + a source's or table's index in sources, or a sink's in sinks; 0: none yet */
  bool borrowed;           /* a task's: the state and the sinks are its template's */
  struct sq_plan **tasks;  /* a template's: its tasks' plans, freed after the state (their operators' values go first) */
  uint32_t n_tasks;
} sq_plan_t;

/* Builds the plan of an analyzed program (borrowed; it must outlive the
 * plan) over `state`, which the plan owns from here on. NULL with `err`
 * filled when a query uses what the engine cannot run yet, or a sink
 * cannot be created. */
sq_plan_t *sq_plan_build(const sq_program_t *prog, sq_state_t *state, sq_sink_factory_t make_sink, void *ctx, char *err,
                         size_t err_size);
/* The operators of one task (docs/ARCHITECTURE.md §8) of `template`'s
 * pipeline: the same queries, over the template's state store (in task
 * `task`'s state partitions) and sinks, which it borrows. The template
 * owns it. NULL with `err`. */
sq_plan_t *sq_plan_build_task(sq_plan_t *template, uint32_t task, char *err, size_t err_size);
/* Frees a task's plan before its template (its state left memory). */
void sq_plan_destroy_task(sq_plan_t *template, sq_plan_t *task);
void sq_plan_destroy(sq_plan_t *plan);
/* The pre-aggregation operator (preaggregate.h) writing to sink relation
 * `target`, or NULL. */
sq_op_t *sq_plan_preaggregation(const sq_plan_t *p, const sq_relation_t *target);
/* One line per source and operator: inputs, keys, window, watermark rule, state. */
void sq_plan_explain(const sq_plan_t *plan, FILE *out);

#endif
