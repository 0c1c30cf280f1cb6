/* Semantic analysis of a parsed pipeline (LANGUAGE.md): the catalog, name
 * resolution, types, aggregate, window and join rules, connector options.
 * The result is a program: the catalog plus one entry per continuous or
 * ad-hoc query, each with its output schema. */
#ifndef SQ_ANALYZE_H
#define SQ_ANALYZE_H

#include "engine/catalog.h"
#include "engine/connector.h"
#include "grammar/ast.h"
#include "grammar/diag.h"

typedef enum sq_query_kind {
  SQ_QUERY_INSERT,  /* INSERT INTO sink SELECT ... */
  SQ_QUERY_STREAM,  /* CREATE STREAM name AS SELECT ... */
  SQ_QUERY_ADHOC,   /* a bare SELECT */
} sq_query_kind_t;

typedef struct sq_query {
  sq_query_kind_t kind;
  sq_ast_t *select;            /* borrowed from the script */
  sq_relation_t *output;       /* output schema; for STREAM, the catalog's relation */
  bool owns_output;
  const sq_relation_t *target; /* INSERT: the sink */
  bool aggregate;              /* GROUP BY or an aggregate function */
  bool windowed;
} sq_query_t;

typedef struct sq_program {
  sq_catalog_t *catalog;
  const sq_ast_t **settings;   /* the SET statements, in order (a later one wins) */
  size_t n_settings;
  sq_query_t *queries;
  size_t n_queries;
} sq_program_t;

/* Analyzes `script` (annotating its expression nodes, which it borrows for
 * as long as the program lives). Every error goes to `diag`; the program
 * is returned even with errors (NULL only when memory runs out), so check
 * sq_diag_count. Free with sq_program_destroy. */
sq_program_t *sq_analyze(sq_ast_t *script, const sq_connector_registry_t *connectors, sq_diag_t *diag);
/* The set of inputs (a bit each, by FROM position) that the analyzed
 * columns under `e` refer to. */
uint32_t sq_ast_input_mask(const sq_ast_t *e);
void sq_program_destroy(sq_program_t *prog);

#endif
