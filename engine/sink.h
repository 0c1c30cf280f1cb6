/* Where result rows go: the interface runtime sinks (file, stdout, and
 * later Kafka and HTTP) implement, so the engine never touches the world. */
#ifndef SQ_SINK_H
#define SQ_SINK_H

#include <stdbool.h>

#include "engine/catalog.h"
#include "engine/value.h"

typedef struct sq_sink sq_sink_t;

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
  /* Checkpoints, for sinks that can take output back (files): the length
   * of the output after a flush, and, when a pipeline starts, cutting the
   * output back to the length the last checkpoint recorded (0 on a fresh
   * start). NULL for sinks that cannot. */
  int64_t (*length)(const sq_sink_t *s);
  bool (*resume)(sq_sink_t *s, int64_t length, char *err, size_t err_size);
} sq_sink_class_t;

struct sq_sink {
  const sq_sink_class_t *cls;
  const char *name;
  uint64_t records_out;
  uint64_t errors;  /* records the sink failed to deliver for good */
};

#endif
