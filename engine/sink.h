/* Where result rows go: the interface every connector's sink implements
 * (runtime/connectors/<name>/sink.c), so the engine never touches the
 * world. */
#ifndef SQ_SINK_H
#define SQ_SINK_H

#include <stdbool.h>

#include "engine/buf.h"
#include "engine/catalog.h"
#include "engine/codec.h"
#include "engine/value.h"

typedef struct sq_sink sq_sink_t;

/* Which checkpoint: the state directory's identity (random, made when it
 * starts fresh, so a reset directory never matches an old one's records
 * elsewhere) and the sequence number within it. */
typedef struct sq_checkpoint_id {
  uint64_t state, seq;
} sq_checkpoint_id_t;

typedef struct sq_sink_class {
  /* Writes one row of `schema`; false with `err` filled on failure. */
  bool (*write)(sq_sink_t *s, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size);
  /* Makes everything written so far durable / visible. */
  bool (*flush)(sq_sink_t *s, char *err, size_t err_size);
  void (*destroy)(sq_sink_t *s);
  /* Called after every round of the engine loop: hands buffered output to
   * the system and serves background work (delivery reports), so output
   * of an unbounded pipeline appears promptly. NULL if there is none. */
  bool (*poll)(sq_sink_t *s, char *err, size_t err_size);
  /* Checkpoints, for sinks that take part in them (NULL for the others).
   * save: after flush, what the checkpoint records of the sink (a file's
   * length; a transactional Kafka sink's undelivered records). resume:
   * when a pipeline starts, back to what checkpoint `id` recorded (`in`
   * NULL on a fresh start): a file is cut back to its length, a
   * transactional Kafka sink delivers what the checkpoint holds unless
   * that checkpoint's transaction committed.
   * checkpointed: checkpoint `id` is durable (a transactional Kafka sink
   * now commits the records it saved). The engine goes on writing rows
   * between save and checkpointed (the checkpoint is written meanwhile):
   * checkpointed acts on what save recorded, not on what came after. */
  void (*save)(sq_sink_t *s, sq_buf_t *out);
  bool (*resume)(sq_sink_t *s, sq_cursor_t *in, sq_checkpoint_id_t id, char *err, size_t err_size);
  bool (*checkpointed)(sq_sink_t *s, sq_checkpoint_id_t id, char *err, size_t err_size);
  /* For sinks that can make their output durable off the engine thread
   * (NULL: a checkpoint calls flush on it). barrier (engine thread, as a
   * checkpoint starts): what was written so far must be durable before
   * the checkpoint's record is. durable (the checkpoint writer's thread,
   * while the engine goes on writing rows): waits until it is. */
  bool (*barrier)(sq_sink_t *s, char *err, size_t err_size);
  bool (*durable)(sq_sink_t *s, char *err, size_t err_size);
  /* A repartition topic's sink (NULL for the others): a watermark mark of
   * partition `origin` of the `n_origins` partitions of the input it
   * repartitions, after the rows read from it so far, to every partition
   * of its topic (docs/ARCHITECTURE.md §8). */
  bool (*mark)(sq_sink_t *s, uint32_t origin, uint32_t n_origins, int64_t watermark, bool idle, char *err, size_t err_size);
} sq_sink_class_t;

struct sq_sink {
  const sq_sink_class_t *cls;
  const char *name;
  uint64_t records_out;
  uint64_t errors;  /* records the sink failed to deliver for good */
  uint64_t retries; /* deliveries it tried again (a transaction commit retried or resent) */
  size_t held_bytes; /* output held until the next checkpoint (transactional sinks) */
  uint32_t writers, ended; /* queries writing here, and those whose input ended: the
                            * sink is flushed once, when the last one ends */
  /* Sinks that deliver in the background (http) set these in poll():
   * rows accepted but not yet delivered (the executor waits for them at
   * the end of finite input), and whether their buffer is full (the
   * executor stops reading sources until it is not). */
  uint64_t queued;
  bool blocked;
};

#endif
