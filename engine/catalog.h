/* The catalog of one pipeline: every relation its CREATE statements define
 * (sources, tables, streams, sinks) with its columns, and its settings.
 * Built by analysis; read by planning and the runtime. */
#ifndef SQ_CATALOG_H
#define SQ_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/types.h"
#include "grammar/ast.h"

typedef enum sq_rel_kind { SQ_REL_SOURCE, SQ_REL_TABLE, SQ_REL_STREAM, SQ_REL_SINK } sq_rel_kind_t;

typedef struct sq_column {
  char *name;       /* owned */
  sq_type_t type;
  bool primary_key;
  bool metadata;    /* _key, _topic, _partition, _offset, _timestamp, rowtime */
  bool group_key;   /* an output column that is a GROUP BY expression */
  const char *path; /* PATH '$.a.b' (borrowed from the AST), or NULL */
} sq_column_t;

typedef struct sq_relation {
  sq_rel_kind_t kind;
  const char *name;      /* borrowed from the AST */
  const sq_ast_t *decl;  /* the CREATE statement */
  const struct sq_connector_spec *connector; /* borrowed from the registry; NULL for streams */
  sq_column_t *columns;  /* owned */
  size_t n_columns, cap_columns;
  int primary_key;       /* column index, or -1 */
  uint32_t id;           /* position in the catalog (0 outside one) */
} sq_relation_t;

typedef struct sq_catalog sq_catalog_t;

/* Returns NULL when memory runs out. */
sq_catalog_t *sq_catalog_new(void);
void sq_catalog_destroy(sq_catalog_t *cat);

/* Adds a relation (owned by the catalog); NULL when memory runs out.
 * `name` and `decl` are borrowed and must outlive the catalog. */
sq_relation_t *sq_catalog_add(sq_catalog_t *cat, sq_rel_kind_t kind, const char *name, const sq_ast_t *decl);
sq_relation_t *sq_catalog_find(const sq_catalog_t *cat, const char *name);
size_t sq_catalog_count(const sq_catalog_t *cat);
sq_relation_t *sq_catalog_at(const sq_catalog_t *cat, size_t i);
size_t sq_catalog_count_kind(const sq_catalog_t *cat, sq_rel_kind_t kind);

/* A relation outside any catalog (a query's output schema); NULL when
 * memory runs out. Free with sq_relation_destroy. */
sq_relation_t *sq_relation_new(sq_rel_kind_t kind, const char *name, const sq_ast_t *decl);
void sq_relation_destroy(sq_relation_t *rel);

/* Appends a column (the name is copied); false when memory runs out. */
bool sq_relation_add_column(sq_relation_t *rel, const char *name, sq_type_t type);
/* Adds the metadata columns every readable relation offers. */
bool sq_relation_add_metadata(sq_relation_t *rel);
/* The column's index, or -1. */
int sq_relation_find_column(const sq_relation_t *rel, const char *name);
/* Steps through a comma-separated list of column names ('a, b', an
 * option's value): copies the next one, without spaces, into `name` and
 * returns where the rest starts; NULL when `p` is NULL or at the end. */
const char *sq_column_list_next(const char *p, char *name, size_t size);
/* The value of WITH option `key` (a LITERAL node), or NULL. */
const sq_ast_t *sq_relation_option(const sq_relation_t *rel, const char *key);
/* "source", "table", "stream" or "sink". */
const char *sq_rel_kind_name(sq_rel_kind_t kind);

#endif
