/* Connector option tables and their checker. Each connector lists, per
 * role (source/table or sink), the groups of options it takes; a group is
 * shared where connectors share behaviour (event time, bad records). */
#include "engine/connector_options.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "engine/datagen_schema.h"
#include "engine/dialect.h"
#include "engine/duration.h"
#include "engine/suggest.h"

typedef enum sq_value_kind {
  V_STRING,   /* any string */
  V_ENUM,     /* one of `values` */
  V_DURATION, /* '2 seconds' */
  V_COUNT,    /* integer >= 0 */
  V_POSITIVE, /* integer >= 1 */
  V_BOOL,     /* true / false */
  V_URL,      /* http:// or https:// */
  V_COLUMN,   /* a column of the relation, TIMESTAMP or BIGINT */
} sq_value_kind_t;

typedef struct sq_option_spec {
  const char *name;
  sq_value_kind_t kind;
  const char *const *values; /* V_ENUM: NULL-terminated */
  bool required;
} sq_option_spec_t;

#define VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define END {NULL, V_STRING, NULL, false}

static const sq_option_spec_t event_time[] = {
    {"timestamp", V_COLUMN, NULL, false},
    {"timestamp_format", V_ENUM, VALUES("epoch_ms", "epoch_s", "iso8601"), false},
    {"watermark_delay", V_DURATION, NULL, false},
    {"idle_timeout", V_DURATION, NULL, false},
    END};
static const sq_option_spec_t bad_records[] = {
    {"on_error", V_ENUM, VALUES("fail", "skip", "dlq"), false},
    {"dlq_topic", V_STRING, NULL, false},
    {"dlq_path", V_STRING, NULL, false},
    END};
static const sq_option_spec_t kafka_source[] = {
    {"topic", V_STRING, NULL, true},
    {"format", V_ENUM, VALUES("json", "csv"), false},
    {"start", V_ENUM, VALUES("earliest", "latest"), false},
    {"group_id", V_STRING, NULL, false},
    END};
static const sq_option_spec_t file_source[] = {
    {"path", V_STRING, NULL, true},
    {"format", V_ENUM, VALUES("json", "csv"), false},
    {"follow", V_BOOL, NULL, false},
    END};
static const sq_option_spec_t datagen_source[] = {
    {"kind", V_ENUM, VALUES("nexmark_bid", "nexmark_auction", "nexmark_person", "sequence"), true},
    {"rate", V_COUNT, NULL, false},
    {"count", V_COUNT, NULL, false},
    {"seed", V_COUNT, NULL, false},
    END};
static const sq_option_spec_t kafka_sink[] = {
    {"topic", V_STRING, NULL, true},
    {"format", V_ENUM, VALUES("json", "csv"), false},
    {"key", V_STRING, NULL, false},
    {"delivery", V_ENUM, VALUES("at_least_once", "exactly_once"), false},
    END};
static const sq_option_spec_t file_sink[] = {
    {"path", V_STRING, NULL, true},
    {"format", V_ENUM, VALUES("json", "csv"), false},
    END};
static const sq_option_spec_t http_sink[] = {
    {"url", V_URL, NULL, true},
    {"batch_size", V_POSITIVE, NULL, false},
    {"batch_ms", V_COUNT, NULL, false},
    {"timeout", V_DURATION, NULL, false},
    {"max_retries", V_COUNT, NULL, false},
    {"headers", V_STRING, NULL, false},
    END};
static const sq_option_spec_t stdout_sink[] = {
    {"format", V_ENUM, VALUES("table", "json"), false},
    END};

typedef struct sq_connector_spec {
  const char *name;
  bool sink; /* the role: sink, or source/table */
  const sq_option_spec_t *groups[3];
} sq_connector_spec_t;

static const sq_connector_spec_t connectors[] = {
    {"kafka", false, {kafka_source, event_time, bad_records}},
    {"file", false, {file_source, event_time, bad_records}},
    {"datagen", false, {datagen_source, event_time, bad_records}},
    {"kafka", true, {kafka_sink, bad_records, NULL}},
    {"file", true, {file_sink, NULL, NULL}},
    {"http", true, {http_sink, bad_records, NULL}},
    {"stdout", true, {stdout_sink, NULL, NULL}},
};

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

static const sq_option_spec_t *find_spec(const sq_connector_spec_t *c, const char *name) {
  for (size_t g = 0; g < 3 && c->groups[g]; g++)
    for (const sq_option_spec_t *o = c->groups[g]; o->name; o++)
      if (strcmp(o->name, name) == 0) return o;
  return NULL;
}

/* The connectors whose options a relation may have: `c` alone, or with
 * `c` NULL (its connector is missing or unknown) every connector, so that
 * only a name no connector takes is reported. */
static const sq_connector_spec_t *scope_end(const sq_connector_spec_t *c) {
  return c ? c + 1 : connectors + sizeof connectors / sizeof *connectors;
}

static bool known_option(const sq_connector_spec_t *c, const char *name) {
  for (const sq_connector_spec_t *k = c ? c : connectors; k < scope_end(c); k++)
    if (find_spec(k, name)) return true;
  return false;
}

/* Reports an option none of the connectors in scope takes, with what
 * streamq calls it when it is another dialect's name, else the closest
 * option name. */
static void report_unknown_option(const sq_connector_spec_t *c, const sq_ast_t *opt, sq_diag_t *diag) {
  const char *key = opt->name.text;
  sq_suggest_t s;
  sq_suggest_init(&s, key);
  sq_suggest_offer(&s, "connector");
  for (const sq_connector_spec_t *k = c ? c : connectors; k < scope_end(c); k++)
    for (size_t g = 0; g < 3 && k->groups[g]; g++)
      for (const sq_option_spec_t *o = k->groups[g]; o->name; o++) sq_suggest_offer(&s, o->name);
  const sq_dialect_name_t *d = sq_dialect_option(key);
  if (d && (!d->streamq || known_option(c, d->streamq))) sq_suggest_dialect(&s, d);
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

static void check_value(const sq_relation_t *rel, const sq_option_spec_t *spec, const sq_ast_t *opt, sq_diag_t *diag) {
  const sq_ast_t *v = opt->a;
  const char *text = value_text(v);
  if (text && !sq_check_env_refs(text, v->span, diag)) return;
  if (text && strstr(text, "${")) return; /* known only when the pipeline starts */
  switch (spec->kind) {
  case V_STRING:
    if (!text) sq_diag_error(diag, v->span, "option '%s' must be a string", spec->name);
    break;
  case V_URL:
    if (!text || (strncmp(text, "http://", 7) != 0 && strncmp(text, "https://", 8) != 0))
      sq_diag_error(diag, v->span, "option '%s' must be an http:// or https:// URL", spec->name);
    break;
  case V_ENUM: {
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
  case V_DURATION: {
    int64_t ms;
    if (!text || !sq_duration_parse(text, &ms))
      sq_diag_error(diag, v->span, "invalid duration for option '%s'; write it like '500 ms', '2 seconds' or '1m'", spec->name);
    break;
  }
  case V_COUNT:
  case V_POSITIVE: {
    int64_t min = spec->kind == V_POSITIVE;
    if (v->sub != SQ_LIT_INT || v->ival < min)
      sq_diag_error(diag, v->span, "option '%s' must be an integer of at least %lld", spec->name, (long long)min);
    break;
  }
  case V_BOOL:
    if (v->sub != SQ_LIT_BOOL && !(text && (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)))
      sq_diag_error(diag, v->span, "option '%s' must be true or false", spec->name);
    break;
  case V_COLUMN: {
    int col = text ? sq_relation_find_column(rel, text) : -1;
    if (col < 0) {
      sq_suggest_t s;
      sq_suggest_init(&s, text ? text : "");
      for (size_t i = 0; i < rel->n_columns; i++)
        if (!rel->columns[i].metadata) sq_suggest_offer(&s, rel->columns[i].name);
      sq_suggest_report(&s, diag, v->span, "'%s' is not a column of '%s'", text ? text : "", rel->name);
    } else if (rel->columns[col].type != SQ_TYPE_TIMESTAMP && rel->columns[col].type != SQ_TYPE_BIGINT) {
      sq_diag_error(diag, v->span, "the event-time column '%s' must be TIMESTAMP or BIGINT, not %s", text,
                    sq_type_name(rel->columns[col].type));
    }
    break;
  }
  }
}

/* The connector named by the `connector` option, for the relation's role. */
static const sq_connector_spec_t *find_connector(const sq_relation_t *rel, sq_diag_t *diag) {
  const sq_ast_t *v = sq_relation_option(rel, "connector");
  const sq_ast_t *name_at = rel->decl;
  if (!v) {
    sq_diag_error(diag, name_at->name.span, "%s '%s' needs a connector (WITH (connector = '...'))", sq_rel_kind_name(rel->kind), rel->name);
    return NULL;
  }
  const char *text = value_text(v);
  bool sink = rel->kind == SQ_REL_SINK;
  sq_suggest_t s;
  sq_suggest_init(&s, text ? text : "");
  bool other_role = false;
  for (size_t i = 0; i < sizeof connectors / sizeof *connectors; i++) {
    if (text && strcmp(text, connectors[i].name) == 0) {
      if (connectors[i].sink == sink) return &connectors[i];
      other_role = true;
    }
    if (connectors[i].sink == sink) sq_suggest_offer(&s, connectors[i].name);
  }
  if (other_role) {
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
  sq_diag_error(diag, on_error->span, "on_error = 'dlq' needs option '%s'", strcmp(c->name, "kafka") == 0 ? "dlq_topic" : "dlq_path");
}

void sq_connector_check(sq_relation_t *rel, sq_diag_t *diag) {
  const sq_connector_spec_t *c = find_connector(rel, diag);
  if (c) rel->connector = c->name;
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
    const sq_option_spec_t *spec = c ? find_spec(c, key) : NULL;
    if (spec) check_value(rel, spec, opt, diag);
    else if (!known_option(c, key)) report_unknown_option(c, opt, diag);
  }
  if (!c) return; /* values and required options depend on the connector */
  for (size_t g = 0; g < 3 && c->groups[g]; g++)
    for (const sq_option_spec_t *o = c->groups[g]; o->name; o++)
      if (o->required && !sq_relation_option(rel, o->name))
        sq_diag_error(diag, rel->decl->name.span, "connector '%s' needs option '%s'", c->name, o->name);
  check_dlq(rel, c, diag);
}
