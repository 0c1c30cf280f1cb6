/* Loading a pipeline file for a command: read, parse, analyze, and print
 * every diagnostic. Shared by check, explain and run. */
#ifndef SQ_PIPELINE_H
#define SQ_PIPELINE_H

#include "engine/analyze.h"
#include "runtime/app/pipeline_file.h"
#include "runtime/app/repartition.h"

typedef struct sq_pipeline {
  sq_pipeline_file_t file;
  sq_diag_t *diag;
  sq_ast_t *script;
  sq_program_t *prog;
  struct sq_pipeline *overrides; /* the --set settings, whose SET nodes prog->settings ends with */
  sq_stages_t stages;            /* what sq_pipeline_cut_stages added */
} sq_pipeline_t;

/* Returns 0 for a valid pipeline, else the exit status (1 invalid or
 * unreadable, 2 out of memory) after printing why, prefixed by `command`.
 * Free with sq_pipeline_free in every case. */
int sq_pipeline_load(const char *path, const char *command, sq_pipeline_t *p);
/* Adds `n` "KEY=VALUE" settings after the pipeline's own SET statements,
 * so that they win; they are checked as SET statements of a script named
 * --set. Returns 0, else the exit status after printing why. */
int sq_pipeline_override(sq_pipeline_t *p, char *const *sets, size_t n, const char *command);
/* Takes back what a successful sq_pipeline_override added (one pipeline, run with
 * different settings in turn). */
void sq_pipeline_drop_overrides(sq_pipeline_t *p);
/* With SET 'scale.repartition' = 'on', cuts the pipeline into stages at
 * repartition topics (repartition.h) and analyzes it again; then, in any
 * case, refuses what would run as tasks but cannot (engine/analyze_tasks.h:
 * only after the cut, which changes what runs as tasks, and only for the
 * commands that run tasks or say whether they can). Returns 0, else the
 * exit status after printing why. */
int sq_pipeline_cut_stages(sq_pipeline_t *p, const char *command);
void sq_pipeline_free(sq_pipeline_t *p);

#endif
