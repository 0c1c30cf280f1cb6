/* What a connector is, as the language sees it (LANGUAGE.md §4): its name,
 * the roles it can play (source, table, sink), and per role the WITH
 * options it takes with their kinds, allowed values, defaults and whether
 * they are required. The runtime's registry (runtime/connectors/) holds one
 * of these per connector and hands the list to analysis, so `check`,
 * `explain` and `run` read the same table. Pure data: no I/O here. */
#ifndef SQ_CONNECTOR_H
#define SQ_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sq_option_kind {
  SQ_OPTION_STRING,   /* any string */
  SQ_OPTION_ENUM,     /* one of `values` */
  SQ_OPTION_DURATION, /* '2 seconds' */
  SQ_OPTION_COUNT,    /* integer >= 0 */
  SQ_OPTION_POSITIVE, /* integer >= 1 */
  SQ_OPTION_BOOL,     /* true / false */
  SQ_OPTION_URL,      /* http:// or https:// */
  SQ_OPTION_COLUMN,   /* a column of the relation, TIMESTAMP or BIGINT */
  SQ_OPTION_COLUMNS,  /* a comma-separated list of the relation's columns */
} sq_option_kind_t;

typedef struct sq_option_spec {
  const char *name;
  sq_option_kind_t kind;
  const char *const *values; /* SQ_OPTION_ENUM: NULL-terminated */
  bool required;
  const char *fallback; /* the value when the option is absent, as text; NULL: none */
} sq_option_spec_t;

enum { SQ_ROLE_SOURCE = 1, SQ_ROLE_TABLE = 2, SQ_ROLE_SINK = 4 };

/* Options are given as groups (NULL-terminated lists of NULL-terminated
 * arrays) so connectors share the groups below where they share behaviour. */
typedef struct sq_connector_spec {
  const char *name;
  unsigned roles;                                /* SQ_ROLE_* */
  const sq_option_spec_t *const *source_options; /* sources and tables */
  const sq_option_spec_t *const *sink_options;
  const char *dlq_option; /* where on_error = 'dlq' writes: "dlq_topic" or "dlq_path" */
} sq_connector_spec_t;

/* The connectors a build has; borrowed, lives as long as the program. */
typedef struct sq_connector_registry {
  const sq_connector_spec_t *const *specs;
  size_t n;
} sq_connector_registry_t;

/* Groups every source and table takes: event time and watermarks (read by
 * runtime/kit/reader.c), bad records (runtime/kit/bad_records.c). */
extern const sq_option_spec_t sq_options_event_time[];
extern const sq_option_spec_t sq_options_bad_records[];

#define SQ_OPTION_VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define SQ_OPTIONS_END {NULL, SQ_OPTION_STRING, NULL, false, NULL}

/* The connector called `name` (NULL if none). */
const sq_connector_spec_t *sq_connector_find(const sq_connector_registry_t *reg, const char *name);
/* The spec of option `name` for a relation of `role` on `c`, NULL if it takes none by that name. */
const sq_option_spec_t *sq_connector_option(const sq_connector_spec_t *c, unsigned role, const char *name);
/* The option groups for `role`. */
const sq_option_spec_t *const *sq_connector_options(const sq_connector_spec_t *c, unsigned role);

#endif
