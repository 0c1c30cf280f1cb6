/* The checker of connector options: every WITH option of a source, table
 * or sink against the option table of its connector in the registry
 * (engine/connector.h). */
#include "engine/connector_options.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "engine/dialect.h"
#include "engine/duration.h"
#include "engine/suggest.h"

bool sq_check_env_refs(const char *value, sq_span_t span, sq_diag_t *diag) {
  for (const char *p = strstr(value, "${"); p; p = strstr(p, "${")) {
    const char *name = p + 2, *q = name;
    while (isalnum((unsigned char)*q) || *q == '_') q++;
    if (*q != '}') {
      sq_diag_error(diag, span, *q ? "invalid environment variable reference; expected ${NAME}" : "unterminated ${ in option value");
      return false;
    }
    if (q == name || isdigit((unsigned char)*name)) {
      sq_diag_error(diag, span, "invalid environment variable name in ${%.*s}", (int)(q - name), name);
      return false;
    }
    p = q + 1;
  }
  return true;
}

unsigned sq_relation_role(const sq_relation_t *rel) {
  return rel->kind == SQ_REL_SINK ? SQ_ROLE_SINK : rel->kind == SQ_REL_TABLE ? SQ_ROLE_TABLE : SQ_ROLE_SOURCE;
}

/* Whether `name` is an option of `c` in `role`, or with `c` NULL (the
 * connector is missing or unknown) of any connector in any role, so that
 * only a name no connector takes is reported. */
static bool known_option(const sq_connector_registry_t *reg, const sq_connector_spec_t *c, unsigned role, const char *name) {
  if (c) return sq_connector_option(c, role, name) != NULL;
  for (size_t i = 0; i < reg->n; i++)
    if (sq_connector_option(reg->specs[i], SQ_ROLE_SOURCE, name) || sq_connector_option(reg->specs[i], SQ_ROLE_SINK, name)) return true;
  return false;
}

static void offer_options(sq_suggest_t *s, const sq_connector_spec_t *c, unsigned role) {
  const sq_option_spec_t *const *groups = sq_connector_options(c, role);
  for (size_t g = 0; groups && groups[g]; g++)
    for (const sq_option_spec_t *o = groups[g]; o->name; o++) sq_suggest_offer(s, o->name);
}

/* Reports an option none of the connectors in scope takes, with what
 * streamq calls it when it is another dialect's name, else the closest
 * option name. */
static void report_unknown_option(const sq_connector_registry_t *reg, const sq_connector_spec_t *c, unsigned role,
                                  const sq_ast_t *opt, sq_diag_t *diag) {
  const char *key = opt->name.text;
  sq_suggest_t s;
  sq_suggest_init(&s, key);
  sq_suggest_offer(&s, "connector");
  if (c) offer_options(&s, c, role);
  for (size_t i = 0; !c && i < reg->n; i++) {
    offer_options(&s, reg->specs[i], SQ_ROLE_SOURCE);
    offer_options(&s, reg->specs[i], SQ_ROLE_SINK);
  }
  const sq_dialect_name_t *d = sq_dialect_option(key);
  if (d && (!d->streamq || known_option(reg, c, role, d->streamq))) sq_suggest_dialect(&s, d);
  if (c) sq_suggest_report(&s, diag, opt->name.span, "unknown option '%s' for connector '%s'", key, c->name);
  else sq_suggest_report(&s, diag, opt->name.span, "unknown option '%s'", key);
}

/* The option's value as text: strings as written, numbers and booleans
 * as their literal text; NULL for a number where text is needed. */
static const char *value_text(const sq_ast_t *v) { return v->sub == SQ_LIT_STRING ? v->text : NULL; }

static void join_values(const char *const *values, char *buf, size_t size) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; values[i] && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", values[i]);
}

/* The column called `name`, or -1 after reporting it with the closest name. */
static int find_column(const sq_relation_t *rel, const char *name, const sq_ast_t *v, sq_diag_t *diag) {
  int col = sq_relation_find_column(rel, name);
  if (col >= 0) return col;
  sq_suggest_t s;
  sq_suggest_init(&s, name);
  for (size_t i = 0; i < rel->n_columns; i++)
    if (!rel->columns[i].metadata) sq_suggest_offer(&s, rel->columns[i].name);
  sq_suggest_report(&s, diag, v->span, "'%s' is not a column of '%s'", name, rel->name);
  return -1;
}

static void check_value(const sq_relation_t *rel, const sq_option_spec_t *spec, const sq_ast_t *opt, sq_diag_t *diag) {
  const sq_ast_t *v = opt->a;
  const char *text = value_text(v);
  if (text && !sq_check_env_refs(text, v->span, diag)) return;
  if (text && strstr(text, "${")) return; /* known only when the pipeline starts */
  switch (spec->kind) {
  case SQ_OPTION_STRING:
    if (!text) sq_diag_error(diag, v->span, "option '%s' must be a string", spec->name);
    break;
  case SQ_OPTION_URL:
    if (!text || (strncmp(text, "http://", 7) != 0 && strncmp(text, "https://", 8) != 0))
      sq_diag_error(diag, v->span, "option '%s' must be an http:// or https:// URL", spec->name);
    break;
  case SQ_OPTION_ENUM: {
    for (size_t i = 0; text && spec->values[i]; i++)
      if (strcmp(text, spec->values[i]) == 0) return;
    char list[256];
    join_values(spec->values, list, sizeof list);
    sq_suggest_t s;
    sq_suggest_init(&s, text ? text : "");
    for (size_t i = 0; spec->values[i]; i++) sq_suggest_offer(&s, spec->values[i]);
    sq_suggest_report(&s, diag, v->span, "invalid value for option '%s' (one of: %s)", spec->name, list);
    break;
  }
  case SQ_OPTION_DURATION: {
    int64_t ms;
    if (!text || !sq_duration_parse(text, &ms))
      sq_diag_error(diag, v->span, "invalid duration for option '%s'; write it like '500 ms', '2 seconds' or '1m'", spec->name);
    break;
  }
  case SQ_OPTION_COUNT:
  case SQ_OPTION_POSITIVE: {
    int64_t min = spec->kind == SQ_OPTION_POSITIVE;
    if (v->sub != SQ_LIT_INT || v->ival < min)
      sq_diag_error(diag, v->span, "option '%s' must be an integer of at least %lld", spec->name, (long long)min);
    break;
  }
  case SQ_OPTION_BOOL:
    if (v->sub != SQ_LIT_BOOL && !(text && (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)))
      sq_diag_error(diag, v->span, "option '%s' must be true or false", spec->name);
    break;
  case SQ_OPTION_COLUMNS: {
    char name[128];
    for (const char *p = text; (p = sq_column_list_next(p, name, sizeof name));)
      if (find_column(rel, name, v, diag) < 0) break;
    if (!text || !*text) sq_diag_error(diag, v->span, "option '%s' must name one or more columns", spec->name);
    break;
  }
  case SQ_OPTION_COLUMN: {
    int col = text ? find_column(rel, text, v, diag) : -1;
    if (col < 0) {
      if (!text) sq_diag_error(diag, v->span, "option '%s' must be a column name", spec->name);
    } else if (rel->columns[col].type != SQ_TYPE_TIMESTAMP && rel->columns[col].type != SQ_TYPE_BIGINT) {
      sq_diag_error(diag, v->span, "the event-time column '%s' must be TIMESTAMP or BIGINT, not %s", text,
                    sq_type_name(rel->columns[col].type));
    }
    break;
  }
  }
}

/* The connector named by the `connector` option, for the relation's role. */
static const sq_connector_spec_t *find_connector(const sq_relation_t *rel, const sq_connector_registry_t *reg, sq_diag_t *diag) {
  const sq_ast_t *v = sq_relation_option(rel, "connector");
  const sq_ast_t *name_at = rel->decl;
  if (!v) {
    sq_diag_error(diag, name_at->name.span, "%s '%s' needs a connector (WITH (connector = '...'))", sq_rel_kind_name(rel->kind), rel->name);
    return NULL;
  }
  const char *text = value_text(v);
  unsigned role = sq_relation_role(rel);
  const sq_connector_spec_t *c = sq_connector_find(reg, text);
  if (c && (c->roles & role)) return c;
  sq_suggest_t s;
  sq_suggest_init(&s, text ? text : "");
  for (size_t i = 0; i < reg->n; i++)
    if (reg->specs[i]->roles & role) sq_suggest_offer(&s, reg->specs[i]->name);
  if (c) {
    sq_diag_error(diag, v->span, "connector '%s' cannot be used for a %s", text, sq_rel_kind_name(rel->kind));
    return NULL;
  }
  const sq_dialect_name_t *d = text ? sq_dialect_connector(text) : NULL;
  if (d) sq_suggest_dialect(&s, d);
  sq_suggest_report(&s, diag, v->span, "unknown connector '%s'", text ? text : "");
  return NULL;
}

/* on_error = 'dlq' needs somewhere to put the bad records. */
static void check_dlq(const sq_relation_t *rel, const sq_connector_spec_t *c, sq_diag_t *diag) {
  const sq_ast_t *on_error = sq_relation_option(rel, "on_error");
  if (!on_error || !value_text(on_error) || strcmp(value_text(on_error), "dlq") != 0) return;
  if (sq_relation_option(rel, "dlq_topic") || sq_relation_option(rel, "dlq_path")) return;
  sq_diag_error(diag, on_error->span, "on_error = 'dlq' needs option '%s'", c->dlq_option);
}

void sq_connector_check(sq_relation_t *rel, const sq_connector_registry_t *reg, sq_diag_t *diag) {
  const sq_connector_spec_t *c = find_connector(rel, reg, diag);
  unsigned role = sq_relation_role(rel);
  if (c) rel->connector = c;
  const sq_ast_t *options = rel->decl->b;
  for (uint32_t i = 0; i < options->n; i++) {
    const sq_ast_t *opt = options->list[i];
    const char *key = opt->name.text;
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(options->list[j]->name.text, key) == 0) {
        sq_diag_error(diag, opt->name.span, "option '%s' is given twice", key);
        break;
      }
    if (strcmp(key, "connector") == 0) continue;
    const sq_option_spec_t *spec = c ? sq_connector_option(c, role, key) : NULL;
    if (spec) check_value(rel, spec, opt, diag);
    else if (!known_option(reg, c, role, key)) report_unknown_option(reg, c, role, opt, diag);
  }
  if (!c) return; /* values and required options depend on the connector */
  const sq_option_spec_t *const *groups = sq_connector_options(c, role);
  for (size_t g = 0; groups[g]; g++)
    for (const sq_option_spec_t *o = groups[g]; o->name; o++)
      if (o->required && !sq_relation_option(rel, o->name))
        sq_diag_error(diag, rel->decl->name.span, "connector '%s' needs option '%s'", c->name, o->name);
  check_dlq(rel, c, diag);
}
