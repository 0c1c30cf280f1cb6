/* Checking the WITH options of sources, tables and sinks against their
 * connector's option table (engine/connector.h): unknown options (with a
 * suggestion), missing required ones, values of the wrong form, and
 * `${NAME}` references. */
#ifndef SQ_CONNECTOR_OPTIONS_H
#define SQ_CONNECTOR_OPTIONS_H

#include "engine/catalog.h"
#include "engine/connector.h"
#include "grammar/diag.h"

/* Checks the options of `rel` (a source, table or sink; its decl's `b` is
 * the option list) against the connectors of `reg`, sets rel->connector,
 * and reports every problem to `diag`. Column-valued options (timestamp) are checked against the
 * relation's columns, so call this after the columns are added. */
void sq_connector_check(sq_relation_t *rel, const sq_connector_registry_t *reg, sq_diag_t *diag);

/* The role `rel` plays for its connector (SQ_ROLE_*). */
unsigned sq_relation_role(const sq_relation_t *rel);

/* Checks the `${NAME}` references in an option string; reports a bad one
 * at `span` and returns false. */
bool sq_check_env_refs(const char *value, sq_span_t span, sq_diag_t *diag);

#endif
