/* The fixed schemas of the datagen kinds (LANGUAGE.md §4): Nexmark's bid,
 * auction and person events, and a plain sequence. */
#ifndef SQ_DATAGEN_SCHEMA_H
#define SQ_DATAGEN_SCHEMA_H

#include <stddef.h>

#include "engine/types.h"

typedef struct sq_datagen_column {
  const char *name;
  sq_type_t type;
} sq_datagen_column_t;

typedef struct sq_datagen_kind {
  const char *name;
  const sq_datagen_column_t *columns;
  size_t n_columns;
} sq_datagen_kind_t;

/* The kind named `name`, or NULL. */
const sq_datagen_kind_t *sq_datagen_kind(const char *name);
/* All kinds, for suggestions and error messages. */
extern const sq_datagen_kind_t sq_datagen_kinds[];
extern const size_t sq_datagen_n_kinds;

#endif
