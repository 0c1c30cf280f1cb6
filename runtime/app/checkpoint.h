/* Checkpoints and recovery (docs/ARCHITECTURE.md §4). A checkpoint flushes
 * every sink (file sinks fsync, the Kafka sink waits for every
 * acknowledgement), then writes, on a writer thread while the engine goes
 * on, in ONE synced LevelDB batch: every state
 * change since the last one, and a checkpoint record holding the sequence
 * number, the stateful queries it belongs to, each source's positions and
 * watermarks, each file sink's length and each operator's own state. On
 * start, the last record is loaded: sources seek, file sinks are cut back,
 * operators and watermarks are restored, and the run continues as if it
 * had never stopped. */
#ifndef SQ_CHECKPOINT_H
#define SQ_CHECKPOINT_H

#include "engine/plan.h"
#include "runtime/kit/reader.h"

typedef struct sq_checkpointer sq_checkpointer_t;

/* Opens the state directory `dir` (emptied first with `reset`; also when
 * it holds a finished run, which then starts over) and makes the state
 * store for the plan in *state, with a cache of `cache_bytes`; `quiet`
 * keeps what it restores out of the log. NULL with
 * `err` when the directory is unusable: damaged, not a state directory, or
 * in use by another process. */
sq_checkpointer_t *sq_checkpointer_open(const char *dir, bool reset, bool quiet, size_t cache_bytes, sq_state_t **state,
                                        char *err, size_t err_size);
void sq_checkpointer_close(sq_checkpointer_t *cp);

/* After the plan is built: refuses a plan whose stateful queries differ
 * from the checkpoint's (naming the first difference), restores the
 * operators, and cuts file sinks back to their checkpointed length (to
 * nothing on a fresh start). `text` is the pipeline's source text, which
 * the queries' spans point into; it must outlive the checkpointer. False
 * with `err`. */
bool sq_checkpointer_restore_plan(sq_checkpointer_t *cp, sq_plan_t *plan, const char *text, char *err, size_t err_size);
/* Moves a freshly opened reader to its checkpointed position (nothing on
 * a fresh start or for a source the checkpoint does not know). */
bool sq_checkpointer_restore_reader(sq_checkpointer_t *cp, sq_reader_t *r, char *err, size_t err_size);
/* What a pipeline running as tasks (docs/ARCHITECTURE.md §8, tasks.h)
 * adds to each checkpoint. */
typedef struct sq_checkpoint_tasks {
  /* Engine thread, while checkpoint `seq` of state directory `state_id`
   * is built: appends the tasks' record. */
  void (*save)(void *ctx, uint64_t state_id, uint64_t seq, sq_buf_t *out);
  /* Writer thread, before the snapshot is written: publishes its changes
   * (the changelog); false with `err` fails the checkpoint. */
  bool (*publish)(void *ctx, sq_state_snapshot_t *snap, char *err, size_t err_size);
  /* Engine thread: the checkpoint is durable. */
  void (*published)(void *ctx);
  void *ctx;
} sq_checkpoint_tasks_t;
void sq_checkpointer_set_tasks(sq_checkpointer_t *cp, const sq_checkpoint_tasks_t *tasks);
/* The tasks' record of the checkpoint restored from: false if none. */
bool sq_checkpointer_tasks_record(const sq_checkpointer_t *cp, sq_cursor_t *out);
/* The state directory's random id (it names checkpoints in changelogs). */
uint64_t sq_checkpointer_state_id(const sq_checkpointer_t *cp);
/* The sequence number of the last checkpoint (0: none yet). */
uint64_t sq_checkpointer_sequence(const sq_checkpointer_t *cp);

typedef struct sq_checkpoint_result {
  uint64_t seq;   /* 0: none completed */
  double seconds; /* from its start to its completion */
  double stall;   /* of that, the engine thread's: waiting for the previous one, flushing sinks, the snapshot, completing */
  size_t bytes, written, deleted;
} sq_checkpoint_result_t;

/* Starts a checkpoint of the plan with the positions of `readers`: first
 * completes the one still being written (waiting for it: *done), then
 * flushes every sink, builds the record and hands the state's snapshot to
 * the writer thread, and returns. `last`: the run ends after it (its
 * writer skips deleting closed windows' keys). False with `err` when the
 * previous one or this start failed: the previous checkpoint stays the
 * valid one, and every change is still pending for the next attempt. */
bool sq_checkpointer_take(sq_checkpointer_t *cp, sq_plan_t *plan, sq_reader_t *const *readers, uint32_t n_readers, bool last,
                          sq_checkpoint_result_t *done, char *err, size_t err_size);
/* Completes the checkpoint being written once it is durable (with
 * `wait`, waiting for that): Kafka offsets are committed, transactional
 * sinks commit what it recorded. *done tells which (seq 0: none). False
 * with `err` when its write or a sink's commit failed. */
bool sq_checkpointer_complete(sq_checkpointer_t *cp, sq_plan_t *plan, sq_reader_t *const *readers, uint32_t n_readers, bool wait,
                              sq_checkpoint_result_t *done, char *err, size_t err_size);
/* After the last checkpoint of a finite run completed: marks the run
 * finished (a restart starts over). */
bool sq_checkpointer_finish_run(sq_checkpointer_t *cp, char *err, size_t err_size);
/* A run that failed: waits for the checkpoint being written, completing
 * nothing, so the state can be destroyed. */
void sq_checkpointer_abandon(sq_checkpointer_t *cp);

#endif
