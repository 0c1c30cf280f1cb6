/* A pipeline running as per-partition tasks (docs/ARCHITECTURE.md §8):
 * its source declares `partitioned_by`, so every key lives in one input
 * partition and each partition's task (its own copy of the operators,
 * over its own state partitions, with its own watermark) gives the same
 * result wherever it runs. The processes of one consumer group share
 * the tasks: an assigned partition's task is restored (from the state
 * directory when that is current, else from the changelog topic) while
 * its partition is paused, then runs; a revoked one is checkpointed and
 * leaves memory, its state kept on disk for a quick return. Every
 * checkpoint also produces the tasks' changes to the changelog, before
 * the local write. */
#ifndef SQ_TASKS_H
#define SQ_TASKS_H

#include "engine/plan.h"
#include "runtime/app/checkpoint.h"
#include "runtime/kit/reader.h"
#include "runtime/kit/runtime.h"

typedef struct sq_tasks sq_tasks_t;

/* Tasks for source `src_index` of `plan` (the template: its operators
 * stay idle, each task runs a copy) read by `reader` (the leader: in the
 * consumer group, so its assignment decides the tasks), checkpointed by
 * `cp`. With rt->changelog, state changes go to the topic
 * `<group>.changelog` (as many partitions as the source topic). NULL
 * with `err`. */
sq_tasks_t *sq_tasks_new(sq_plan_t *plan, uint32_t src_index, sq_reader_t *reader, sq_checkpointer_t *cp, sq_runtime_t *rt,
                         char *err, size_t err_size);
/* How the tasks take a checkpoint and wait until it is durable, when the
 * group revokes partitions: their tasks' last changes must be in the
 * changelog before another process can be assigned them. False: the run
 * must stop (the checkpoint failed; `ctx` has said why). */
void sq_tasks_on_revoke(sq_tasks_t *t, bool (*checkpoint)(void *ctx), void *ctx);
/* Adds a co-partitioned source (joined per partition): its reader is
 * assigned the leader's partitions, outside the group. False with `err`
 * (another partition count). */
bool sq_tasks_follow(sq_tasks_t *t, uint32_t src_index, sq_reader_t *reader, char *err, size_t err_size);
void sq_tasks_free(sq_tasks_t *t);
/* Follows the reader's assignment: starts a newly assigned partition's
 * task (restoring it), steps restores, and marks revoked tasks to leave;
 * *checkpoint is set when a checkpoint must be taken now so that they can
 * (they leave once it is durable). False after a fatal error (in
 * plan->exec). */
bool sq_tasks_sync(sq_tasks_t *t, int64_t now, bool *checkpoint);
/* Pushes a batch read from input `input` (0: the leader, then in the
 * order followed) to the tasks of its rows' partitions; rows of a
 * partition whose task is not running are dropped (read again once it
 * runs). False after a fatal error. */
bool sq_tasks_push(sq_tasks_t *t, uint32_t input, const sq_batch_t *batch);
/* Moves each running task's watermark to its partition's at `now`. */
bool sq_tasks_advance(sq_tasks_t *t, int64_t now);
/* /health's part: `,"tasks":[{"task":P,"state":"running",...}]`,
 * appended to `json`. */
void sq_tasks_describe(const sq_tasks_t *t, sq_buf_t *json);

#endif
