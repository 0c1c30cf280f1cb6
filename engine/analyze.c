/* Semantic analysis of statements and query clauses.
 *
 * One pass over the script in order, so a name must be defined before it
 * is used (as in a SQL script). CREATE statements fill the catalog;
 * queries are checked clause by clause: FROM and JOIN build the scope
 * (with the join rules of LANGUAGE.md §2), then WHERE, WINDOW, GROUP BY,
 * the select list and HAVING are analyzed by analyze_expr.c, and last the
 * rules that tie the clauses together (grouping, windows, EMIT) are
 * checked. Analysis never stops at the first error: every statement is
 * checked, and a wrong expression is typed ERROR so it is reported once. */
#include "engine/analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze_scope.h"
#include "engine/buf.h"
#include "engine/connector_options.h"
#include "engine/datagen_schema.h"
#include "engine/duration.h"
#include "engine/settings.h"
#include "engine/suggest.h"

#define ERR(a, span, ...) sq_diag_error((a)->diag, (span), __VA_ARGS__)

typedef struct sq_analyzer {
  sq_diag_t *diag;
  sq_program_t *prog;
  const sq_connector_registry_t *connectors;
  struct rel_info *rels; /* by catalog id */
  size_t n_rels;
} sq_analyzer_t;

/* What analysis notes about a relation as queries use it. */
typedef struct rel_info {
  uint32_t csv_first; /* a CSV sink: 1 + the index of the first query into it, or 0 */
  bool read;          /* some query reads it */
} rel_info_t;

/* The notes on `rel` (of the catalog); NULL when memory runs out. */
static rel_info_t *rel_info(sq_analyzer_t *a, const sq_relation_t *rel) {
  if (rel->id >= a->n_rels) {
    size_t n = sq_catalog_count(a->prog->catalog);
    rel_info_t *v = realloc(a->rels, n * sizeof *v);
    if (!v) return NULL;
    memset(v + a->n_rels, 0, (n - a->n_rels) * sizeof *v);
    a->rels = v;
    a->n_rels = n;
  }
  return &a->rels[rel->id];
}

static void out_of_memory(sq_analyzer_t *a, sq_span_t span) { ERR(a, span, "out of memory"); }

/* Reports `name` if the catalog already has it; true when it is new. */
static bool check_new_name(sq_analyzer_t *a, const sq_name_t *name) {
  const sq_relation_t *old = sq_catalog_find(a->prog->catalog, name->text);
  if (!old) return true;
  uint32_t line, col;
  sq_sql_position(sq_diag_source(a->diag), old->decl->name.span.start, &line, &col);
  ERR(a, name->span, "'%s' is already defined (as a %s at line %u)", name->text, sq_rel_kind_name(old->kind), line);
  return false;
}

/* ---- SET ---------------------------------------------------------------- */

static void analyze_set(sq_analyzer_t *a, const sq_ast_t *stmt) {
  const char *key = stmt->name.text;
  if (!sq_check_env_refs(stmt->text, stmt->span2, a->diag)) return;
  const sq_ast_t **v = realloc(a->prog->settings, (a->prog->n_settings + 1) * sizeof *v);
  if (!v) return out_of_memory(a, stmt->span);
  a->prog->settings = v;
  v[a->prog->n_settings++] = stmt;
  if (strncmp(key, "kafka.", 6) == 0 && key[6]) return; /* passed to librdkafka as is */
  const sq_setting_spec_t *spec = sq_setting_find(key);
  double value;
  if (spec) {
    if (!strstr(stmt->text, "${") && !sq_setting_parse(spec, stmt->text, &value)) ERR(a, stmt->span2, "%s", spec->error);
    return;
  }
  size_t n;
  const sq_setting_spec_t *all = sq_settings(&n);
  char names[512] = "";
  size_t len = 0;
  sq_suggest_t s;
  sq_suggest_init(&s, key);
  sq_suggest_offer(&s, "kafka.bootstrap.servers");
  for (size_t i = 0; i < n; i++) {
    sq_suggest_offer(&s, all[i].name);
    if (len < sizeof names) len += (size_t)snprintf(names + len, sizeof names - len, "%s'%s'", i ? ", " : "", all[i].name);
  }
  sq_suggest_report(&s, a->diag, stmt->name.span, "unknown setting '%s' (settings are %s and 'kafka.<property>')", key, names);
}

/* UNSET 'k': the setting's earlier SETs are no longer in force. */
static void analyze_unset(sq_analyzer_t *a, const sq_ast_t *stmt) {
  const char *key = stmt->name.text;
  if (!(strncmp(key, "kafka.", 6) == 0 && key[6]) && !sq_setting_find(key))
    ERR(a, stmt->name.span, "unknown setting '%s'", key);
  size_t kept = 0;
  for (size_t i = 0; i < a->prog->n_settings; i++)
    if (strcmp(a->prog->settings[i]->name.text, key) != 0) a->prog->settings[kept++] = a->prog->settings[i];
  a->prog->n_settings = kept;
}

/* ---- CREATE SOURCE / TABLE / SINK --------------------------------------- */

/* '$', then any of '.name' or '[digits]'. */
static bool valid_json_path(const char *p) {
  if (*p++ != '$') return false;
  while (*p) {
    if (*p == '.') {
      const char *start = ++p;
      while (*p && *p != '.' && *p != '[') p++;
      if (p == start) return false;
    } else if (*p == '[') {
      const char *start = ++p;
      while (*p >= '0' && *p <= '9') p++;
      if (p == start || *p++ != ']') return false;
    } else {
      return false;
    }
  }
  return true;
}

static bool is_metadata_name(const char *name) {
  static const char *const meta[] = {"_key", "_topic", "_partition", "_offset", "_timestamp", "rowtime"};
  for (size_t i = 0; i < sizeof meta / sizeof *meta; i++)
    if (strcmp(name, meta[i]) == 0) return true;
  return false;
}

static void add_declared_column(sq_analyzer_t *a, sq_relation_t *rel, const sq_ast_t *def,
                                const sq_datagen_kind_t *datagen) {
  const char *name = def->name.text;
  if (sq_relation_find_column(rel, name) >= 0) {
    ERR(a, def->name.span, "duplicate column '%s'", name);
    return;
  }
  if (is_metadata_name(name)) {
    ERR(a, def->name.span, "'%s' is a metadata column every source has; choose another name", name);
    return;
  }
  sq_type_t type = sq_type_resolve(def->text, def->span2, a->diag);
  if (def->name2.text && !valid_json_path(def->name2.text))
    ERR(a, def->name2.span, "invalid PATH; write it like '$.bid.price' or '$.items[0]'");
  if (datagen) {
    size_t i = 0;
    while (i < datagen->n_columns && strcmp(datagen->columns[i].name, name) != 0) i++;
    if (i == datagen->n_columns) ERR(a, def->name.span, "datagen kind '%s' has no column '%s'", datagen->name, name);
    else if (type != SQ_TYPE_ERROR && datagen->columns[i].type != type)
      ERR(a, def->span2, "column '%s' of datagen kind '%s' is %s, not %s", name, datagen->name,
          sq_type_name(datagen->columns[i].type), sq_type_name(type));
  }
  if (!sq_relation_add_column(rel, name, type)) {
    out_of_memory(a, def->span);
    return;
  }
  sq_column_t *col = &rel->columns[rel->n_columns - 1];
  col->path = def->name2.text;
  if (!def->flag) return;
  if (rel->kind != SQ_REL_TABLE) ERR(a, def->span, "PRIMARY KEY is only allowed in CREATE TABLE");
  else if (rel->primary_key >= 0) ERR(a, def->span, "a table has exactly one PRIMARY KEY column");
  else {
    rel->primary_key = (int)rel->n_columns - 1;
    col->primary_key = true;
  }
}

static void analyze_create_source(sq_analyzer_t *a, const sq_ast_t *stmt) {
  if (stmt->sub) /* ksqlDB's form; checked as the source it declares */
    ERR(a, stmt->span2, "CREATE STREAM with %s declares a source in ksqlDB; streamq writes CREATE SOURCE %s",
        stmt->a ? "a column list" : "WITH options", stmt->name.text);
  if (!check_new_name(a, &stmt->name)) return;
  sq_relation_t *rel = sq_catalog_add(a->prog->catalog, stmt->flag ? SQ_REL_TABLE : SQ_REL_SOURCE, stmt->name.text, stmt);
  if (!rel) return out_of_memory(a, stmt->span);
  const sq_ast_t *connector = sq_relation_option(rel, "connector");
  bool is_datagen = connector && connector->text && strcmp(connector->text, "datagen") == 0;
  const sq_ast_t *kind = is_datagen ? sq_relation_option(rel, "kind") : NULL;
  const sq_datagen_kind_t *datagen = kind && kind->text ? sq_datagen_kind(kind->text) : NULL;
  if (stmt->a) {
    for (uint32_t i = 0; i < stmt->a->n; i++) add_declared_column(a, rel, stmt->a->list[i], datagen);
  } else if (datagen) {
    for (size_t i = 0; i < datagen->n_columns; i++)
      if (!sq_relation_add_column(rel, datagen->columns[i].name, datagen->columns[i].type)) return out_of_memory(a, stmt->span);
  } else if (!is_datagen) {
    ERR(a, stmt->name.span, "%s '%s' needs a column list (only datagen sources have a built-in schema)",
        sq_rel_kind_name(rel->kind), rel->name);
  }
  if (rel->kind == SQ_REL_TABLE && rel->primary_key < 0 && stmt->a)
    ERR(a, stmt->name.span, "table '%s' needs a PRIMARY KEY column; a stream of events (Flink's CREATE TABLE) is declared with CREATE SOURCE", rel->name);
  if (!sq_relation_add_metadata(rel)) return out_of_memory(a, stmt->span);
  sq_connector_check(rel, a->connectors, a->diag);
}

static void analyze_create_sink(sq_analyzer_t *a, const sq_ast_t *stmt) {
  if (!check_new_name(a, &stmt->name)) return;
  sq_relation_t *rel = sq_catalog_add(a->prog->catalog, SQ_REL_SINK, stmt->name.text, stmt);
  if (!rel) return out_of_memory(a, stmt->span);
  sq_connector_check(rel, a->connectors, a->diag);
}

/* ---- FROM and JOIN ------------------------------------------------------ */

static bool is_stream(const sq_relation_t *rel) { return rel->kind != SQ_REL_TABLE; }

typedef enum { ANY_RELATION, READABLE, SINKS } sq_relation_filter_t;

/* Offers the catalog's relation names that pass `filter`. */
static void offer_relations(sq_suggest_t *s, const sq_catalog_t *cat, sq_relation_filter_t filter) {
  for (size_t i = 0; i < sq_catalog_count(cat); i++) {
    const sq_relation_t *r = sq_catalog_at(cat, i);
    if (filter == ANY_RELATION || (filter == SINKS) == (r->kind == SQ_REL_SINK)) sq_suggest_offer(s, r->name);
  }
}

static bool add_input(sq_analyzer_t *a, sq_scope_t *scope, const sq_ast_t *ref) {
  const sq_relation_t *rel = sq_catalog_find(a->prog->catalog, ref->name.text);
  if (!rel) {
    sq_suggest_t s;
    sq_suggest_init(&s, ref->name.text);
    offer_relations(&s, a->prog->catalog, READABLE);
    sq_suggest_report(&s, a->diag, ref->name.span, "unknown source, table or stream '%s'", ref->name.text);
    return false;
  }
  if (rel->kind == SQ_REL_SINK) {
    ERR(a, ref->name.span, "'%s' is a sink; a query cannot read from it", rel->name);
    return false;
  }
  const char *alias = ref->name2.text ? ref->name2.text : ref->name.text;
  for (size_t i = 0; i < scope->n_inputs; i++) {
    if (strcmp(scope->inputs[i].alias, alias) == 0) {
      ERR(a, ref->span, "'%s' appears twice in FROM; give each an alias", alias);
      return false;
    }
  }
  if (scope->n_inputs == SQ_MAX_INPUTS) {
    ERR(a, ref->span, "too many joined inputs (at most %d)", SQ_MAX_INPUTS);
    return false;
  }
  scope->inputs[scope->n_inputs++] = (sq_input_t){alias, rel};
  rel_info_t *info = rel_info(a, rel);
  if (!info) return out_of_memory(a, ref->span), false;
  info->read = true;
  return true;
}

uint32_t sq_ast_input_mask(const sq_ast_t *e) {
  if (!e) return 0;
  if (e->kind == SQ_AST_COLUMN) return e->type != SQ_TYPE_ERROR && e->ref >= 0 ? 1u << e->ref : 0;
  uint32_t m = sq_ast_input_mask(e->a) | sq_ast_input_mask(e->b) | sq_ast_input_mask(e->c) | sq_ast_input_mask(e->d) |
               sq_ast_input_mask(e->e);
  for (uint32_t i = 0; i < e->n; i++) m |= sq_ast_input_mask(e->list[i]);
  return m;
}

/* Whether some top-level conjunct of `on` is `x = y` with x over `left`
 * only and y over `right` only (or the reverse); with `right_column` >= 0,
 * the right side must be exactly that column of input `right_index`. */
static bool has_equi_conjunct(const sq_ast_t *on, uint32_t left, uint32_t right, int right_index, int right_column) {
  if (on->kind == SQ_AST_BINARY && on->sub == SQ_EXPR_AND)
    return has_equi_conjunct(on->a, left, right, right_index, right_column) ||
           has_equi_conjunct(on->b, left, right, right_index, right_column);
  if (on->kind != SQ_AST_BINARY || on->sub != SQ_EXPR_EQ) return false;
  for (int flip = 0; flip < 2; flip++) {
    const sq_ast_t *l = flip ? on->b : on->a, *r = flip ? on->a : on->b;
    uint32_t lm = sq_ast_input_mask(l), rm = sq_ast_input_mask(r);
    if (!lm || !rm || (lm & ~left) || (rm & ~right)) continue;
    if (right_column < 0) return true;
    if (r->kind == SQ_AST_COLUMN && r->ref == right_index && r->ref2 == right_column) return true;
  }
  return false;
}

static void check_stream_table_join(sq_analyzer_t *a, const sq_ast_t *join, int right, const sq_relation_t *table,
                                    uint32_t left_mask) {
  if (join->c) ERR(a, join->c->span, "a stream-table join has no WITHIN: each record is joined with the table's current row");
  if (join->sub != SQ_JOIN_INNER && join->sub != SQ_JOIN_LEFT)
    ERR(a, join->b->span, "a stream-table join must be INNER or LEFT");
  if (table->primary_key >= 0 && join->e->type != SQ_TYPE_ERROR &&
      !has_equi_conjunct(join->e, left_mask, 1u << right, right, table->primary_key))
    ERR(a, join->e->span, "table '%s' must be joined on its primary key: add %s.%s = <stream column> to ON", table->name,
        join->b->name2.text ? join->b->name2.text : table->name, table->columns[table->primary_key].name);
}

/* Adds FROM's inputs to the scope, checking each JOIN as it goes (the tree
 * is left-deep: a JOIN's right side is always one relation). */
static bool analyze_from(sq_analyzer_t *a, sq_scope_t *scope, sq_ast_t *from) {
  if (from->kind == SQ_AST_TABLE_REF) return add_input(a, scope, from);
  if (!analyze_from(a, scope, from->a)) return false;
  size_t right = scope->n_inputs;
  if (!add_input(a, scope, from->b)) return false;
  const sq_relation_t *rel = scope->inputs[right].rel;
  bool left_has_table = false;
  for (size_t i = 0; i < right; i++) left_has_table |= !is_stream(scope->inputs[i].rel);
  scope->no_aggregates = "ON";
  sq_analyze_condition(scope, from->e, "ON");
  scope->no_aggregates = NULL;
  uint32_t left_mask = (1u << right) - 1;
  if (left_has_table) {
    ERR(a, from->b->span, is_stream(rel) ? "a table can only be the right side of a join (stream-table join)"
                                         : "two tables cannot be joined; join a stream with a table");
  } else if (!is_stream(rel)) {
    check_stream_table_join(a, from, (int)right, rel, left_mask);
  } else if (!from->c) {
    ERR(a, from->b->span, "a stream-stream join needs WITHIN (how far apart in event time two records may be to match)");
  } else if (from->e->type != SQ_TYPE_ERROR && !has_equi_conjunct(from->e, left_mask, 1u << right, -1, -1)) {
    ERR(a, from->e->span, "a stream-stream join needs an equality between the two sides in ON");
  }
  return true;
}

/* ---- the rules that tie clauses together -------------------------------- */

static void check_window(sq_analyzer_t *a, const sq_ast_t *w) {
  if (w->a && w->a->ival <= 0) ERR(a, w->a->span, "window %s must be positive", w->sub == SQ_WINDOW_SESSION ? "GAP" : "SIZE");
  if (w->b && w->b->ival <= 0) ERR(a, w->b->span, "ADVANCE BY must be positive");
  else if (w->b && w->a && w->b->ival > w->a->ival) ERR(a, w->b->span, "ADVANCE BY must not be larger than SIZE");
}

/* The first WINDOW_START or WINDOW_END under `e`, or NULL. */
static const sq_ast_t *find_window_column(const sq_ast_t *e) {
  if (!e) return NULL;
  if (sq_ast_is_window_column(e)) return e;
  const sq_ast_t *kids[] = {e->a, e->b, e->c, e->d, e->e}, *w = NULL;
  for (size_t i = 0; !w && i < 5; i++) w = find_window_column(kids[i]);
  for (uint32_t i = 0; !w && i < e->n; i++) w = find_window_column(e->list[i]);
  return w;
}

/* Reports columns of `e` that are neither grouped nor aggregated. */
static void check_grouped(sq_analyzer_t *a, const sq_ast_t *e, const sq_ast_t *group_by) {
  if (!e || (e->kind != SQ_AST_LIST && e->type == SQ_TYPE_ERROR)) return; /* reported already */
  for (uint32_t i = 0; group_by && i < group_by->n; i++)
    if (sq_ast_equal(e, group_by->list[i])) return;
  if (sq_ast_is_aggregate(e)) return;
  if (e->kind == SQ_AST_COLUMN) {
    if (e->ref != SQ_REF_WINDOW)
      ERR(a, e->span, "column '%s' must appear in GROUP BY or be used in an aggregate function", e->name.text);
    return;
  }
  const sq_ast_t *kids[] = {e->a, e->b, e->c, e->d, e->e};
  for (size_t i = 0; i < 5; i++) check_grouped(a, kids[i], group_by);
  for (uint32_t i = 0; i < e->n; i++) check_grouped(a, e->list[i], group_by);
}

static void check_emit(sq_analyzer_t *a, const sq_ast_select_t *s, const sq_scope_t *scope, bool aggregate) {
  if (s->window && !aggregate) ERR(a, s->window->span, "a WINDOW needs GROUP BY or an aggregate function");
  if (s->emit == SQ_EMIT_FINAL && !s->window)
    ERR(a, s->emit_span, "EMIT FINAL needs a WINDOW clause (it emits each window once, when it closes)");
  if (aggregate && !s->window && s->emit != SQ_EMIT_CHANGES)
    ERR(a, s->group_by ? s->group_span : scope->first_aggregate->span,
        "an aggregation without a WINDOW never closes; add EMIT CHANGES for a continuously updated result");
}

/* ---- the select list and the output schema ------------------------------ */

static bool add_output(sq_analyzer_t *a, sq_relation_t *out, const char *name, sq_type_t type, sq_span_t span) {
  if (sq_relation_find_column(out, name) >= 0) {
    ERR(a, span, "duplicate output column '%s'; rename one with AS", name);
    return true;
  }
  if (!sq_relation_add_column(out, name, type)) {
    out_of_memory(a, span);
    return false;
  }
  return true;
}

static void expand_star(sq_analyzer_t *a, const sq_scope_t *scope, const sq_ast_t *star, sq_relation_t *out) {
  bool found = !star->name2.text;
  for (size_t i = 0; i < scope->n_inputs; i++) {
    if (star->name2.text && strcmp(star->name2.text, scope->inputs[i].alias) != 0) continue;
    found = true;
    const sq_relation_t *rel = scope->inputs[i].rel;
    for (size_t c = 0; c < rel->n_columns; c++) {
      const sq_column_t *col = &rel->columns[c];
      if (col->metadata) continue;
      if (sq_relation_find_column(out, col->name) >= 0) {
        ERR(a, star->span, "* gives two columns named '%s'; list the columns and rename one with AS", col->name);
        return;
      }
      if (!add_output(a, out, col->name, col->type, star->span)) return;
    }
  }
  if (!found) ERR(a, star->name2.span, "unknown source or alias '%s'", star->name2.text);
}

/* The name of an unaliased select item at 1-based `position`. */
static const char *item_name(const sq_ast_t *e, int position, char *buf, size_t size) {
  if (e->kind == SQ_AST_COLUMN) return e->name.text;
  if (e->kind == SQ_AST_CALL && e->sub && e->type != SQ_TYPE_ERROR) return "count";
  snprintf(buf, size, "col_%d", position);
  return buf;
}

static void analyze_items(sq_analyzer_t *a, sq_scope_t *scope, const sq_ast_select_t *s, sq_relation_t *out) {
  for (uint32_t i = 0; i < s->items->n; i++) {
    sq_ast_t *item = s->items->list[i];
    if (item->kind == SQ_AST_STAR) {
      expand_star(a, scope, item, out);
      continue;
    }
    sq_type_t t = sq_analyze_expr(scope, item->a);
    char buf[32];
    const char *name = item->name2.text ? item->name2.text : item_name(item->a, (int)i + 1, buf, sizeof buf);
    if (!add_output(a, out, name, t, item->name2.text ? item->name2.span : item->span)) return;
  }
}

/* Marks the output columns that are GROUP BY expressions: a Kafka sink
 * keys its records by them unless told otherwise. */
static void mark_group_keys(const sq_ast_select_t *s, sq_relation_t *out) {
  for (uint32_t i = 0; s->group_by && i < s->items->n && i < out->n_columns; i++)
    for (uint32_t g = 0; g < s->group_by->n; g++)
      if (s->items->list[i]->kind == SQ_AST_SELECT_ITEM && !sq_ast_is_window_column(s->group_by->list[g]) &&
          sq_ast_equal(s->items->list[i]->a, s->group_by->list[g]))
        out->columns[i].group_key = true;
}

/* Analyzes one SELECT and fills `q` (aggregate, windowed, output). */
static void analyze_select(sq_analyzer_t *a, sq_ast_t *select, sq_query_t *q, const char *name, const sq_ast_t *decl) {
  sq_ast_select_t *s = select->select;
  q->select = select;
  q->output = sq_relation_new(SQ_REL_STREAM, name, decl);
  if (!q->output) return out_of_memory(a, select->span);
  q->owns_output = true;
  sq_scope_t scope = {.diag = a->diag, .windowed = s->window != NULL};
  if (!analyze_from(a, &scope, s->from)) return; /* every name below would be unknown too */
  if (s->where) {
    scope.no_aggregates = "WHERE";
    sq_analyze_condition(&scope, s->where, "WHERE");
  }
  if (s->window) check_window(a, s->window);
  scope.no_aggregates = "GROUP BY";
  for (uint32_t i = 0; s->group_by && i < s->group_by->n; i++) {
    sq_ast_t *g = s->group_by->list[i];
    sq_analyze_expr(&scope, g);
    const sq_ast_t *w = sq_ast_is_window_column(g) ? NULL : find_window_column(g);
    if (w)
      ERR(a, w->span, "%s in GROUP BY must stand alone: rows are grouped by their window already",
          w->ref2 == SQ_WINDOW_START_COLUMN ? "WINDOW_START" : "WINDOW_END");
  }
  scope.no_aggregates = NULL;
  analyze_items(a, &scope, s, q->output);
  if (s->having) sq_analyze_condition(&scope, s->having, "HAVING");
  q->aggregate = s->group_by || scope.first_aggregate;
  q->windowed = s->window != NULL;
  if (s->having && !q->aggregate) ERR(a, s->having->span, "HAVING needs GROUP BY or an aggregate function");
  if (q->aggregate) {
    for (uint32_t i = 0; i < s->items->n; i++) {
      const sq_ast_t *item = s->items->list[i];
      if (item->kind == SQ_AST_STAR) ERR(a, item->span, "SELECT * cannot be used with GROUP BY or aggregate functions");
      else check_grouped(a, item->a, s->group_by);
    }
    check_grouped(a, s->having, s->group_by);
    mark_group_keys(s, q->output);
  }
  check_emit(a, s, &scope, q->aggregate);
}

/* ---- queries ------------------------------------------------------------ */

static sq_query_t *new_query(sq_analyzer_t *a, sq_query_kind_t kind, sq_span_t span) {
  sq_program_t *p = a->prog;
  sq_query_t *v = sq_array_room(p->queries, p->n_queries, sizeof *v);
  if (!v) {
    out_of_memory(a, span);
    return NULL;
  }
  p->queries = v;
  sq_query_t *q = &v[p->n_queries++];
  *q = (sq_query_t){.kind = kind};
  return q;
}

static void analyze_insert(sq_analyzer_t *a, sq_ast_t *stmt, sq_query_t *q) {
  const sq_relation_t *sink = sq_catalog_find(a->prog->catalog, stmt->name.text);
  if (!sink) {
    sq_suggest_t s;
    sq_suggest_init(&s, stmt->name.text);
    offer_relations(&s, a->prog->catalog, SINKS);
    sq_suggest_report(&s, a->diag, stmt->name.span, "unknown sink '%s'", stmt->name.text);
  } else if (sink->kind != SQ_REL_SINK) {
    ERR(a, stmt->name.span, "'%s' is a %s, not a sink; INSERT INTO needs a sink", sink->name, sq_rel_kind_name(sink->kind));
    sink = NULL;
  }
  q->target = sink;
  analyze_select(a, stmt->a, q, stmt->name.text, stmt);
  const sq_ast_t *key = sink ? sq_relation_option(sink, "key") : NULL;
  if (key && key->text && q->output && sq_relation_find_column(q->output, key->text) < 0)
    ERR(a, stmt->name.span, "sink '%s' is keyed by '%s', which this query does not output", sink->name, key->text);
}

/* The columns of `rel` as "(a, b, c)", into `b`. */
static void column_list(const sq_relation_t *rel, sq_buf_t *b) {
  sq_buf_putc(b, '(');
  for (size_t c = 0; c < rel->n_columns; c++) {
    if (c) sq_buf_puts(b, ", ");
    sq_buf_puts(b, rel->columns[c].name);
  }
  sq_buf_puts(b, ")");
  sq_buf_putc(b, '\0');
}

static bool same_columns(const sq_relation_t *x, const sq_relation_t *y) {
  if (x->n_columns != y->n_columns) return false;
  for (size_t c = 0; c < x->n_columns; c++)
    if (strcmp(x->columns[c].name, y->columns[c].name) != 0) return false;
  return true;
}

/* A CSV sink has one header, so every query into it must write the same
 * columns in the same order as the first; JSON records name their own. */
static void check_csv_schema(sq_analyzer_t *a, const sq_ast_t *stmt, const sq_query_t *q) {
  const sq_relation_t *sink = q->target;
  const sq_ast_t *format = sink ? sq_relation_option(sink, "format") : NULL;
  if (!q->output || !format || !format->text || strcmp(format->text, "csv") != 0) return;
  rel_info_t *info = rel_info(a, sink);
  if (!info) return out_of_memory(a, stmt->span);
  uint32_t *first = &info->csv_first;
  if (!*first) {
    *first = (uint32_t)(q - a->prog->queries) + 1;
    return;
  }
  const sq_query_t *f = &a->prog->queries[*first - 1];
  if (same_columns(f->output, q->output)) return;
  sq_buf_t mine = {0}, theirs = {0};
  column_list(q->output, &mine);
  column_list(f->output, &theirs);
  uint32_t line, col;
  sq_sql_position(sq_diag_source(a->diag), f->select->span.start, &line, &col);
  if (mine.failed || theirs.failed) out_of_memory(a, stmt->span);
  else
    ERR(a, q->select->select->items->span,
        "CSV sink '%s' has one header, %s (from the INSERT at line %u), but this query writes %s; "
        "write the same columns in the same order, or use format = 'json'",
        sink->name, theirs.data, line, mine.data);
  sq_buf_free(&mine);
  sq_buf_free(&theirs);
}

static void analyze_create_stream(sq_analyzer_t *a, sq_ast_t *stmt) {
  if (stmt->sub) /* ksqlDB's CREATE TABLE AS; checked as a derived stream */
    ERR(a, stmt->span2, "streamq has no CREATE TABLE ... AS SELECT; write CREATE STREAM %s AS SELECT "
        "(an aggregation with EMIT CHANGES gives its changes) or INSERT INTO a sink", stmt->name.text);
  bool fresh = check_new_name(a, &stmt->name);
  sq_query_t *q = new_query(a, SQ_QUERY_STREAM, stmt->span);
  if (!q) return;
  analyze_select(a, stmt->a, q, stmt->name.text, stmt);
  if (!fresh || !q->output) return;
  /* The stream's schema is the query's output; the catalog owns it. */
  sq_relation_t *rel = sq_catalog_add(a->prog->catalog, SQ_REL_STREAM, stmt->name.text, stmt);
  if (!rel) return out_of_memory(a, stmt->span);
  rel->columns = q->output->columns;
  rel->n_columns = q->output->n_columns;
  rel->cap_columns = q->output->cap_columns;
  q->output->columns = NULL;
  q->output->n_columns = q->output->cap_columns = 0;
  sq_relation_destroy(q->output);
  q->output = rel;
  q->owns_output = false;
  if (!sq_relation_add_metadata(rel)) out_of_memory(a, stmt->span);
}

/* EXPLAIN checks its statement like any other, but it is not a query of
 * the pipeline. */
static void analyze_explain(sq_analyzer_t *a, sq_ast_t *stmt) {
  sq_query_t q = {.kind = stmt->a->kind == SQ_AST_INSERT ? SQ_QUERY_INSERT : SQ_QUERY_ADHOC};
  if (q.kind == SQ_QUERY_INSERT) analyze_insert(a, stmt->a, &q);
  else analyze_select(a, stmt->a->a, &q, "query", stmt->a);
  sq_relation_destroy(q.output);
}

static void analyze_describe(sq_analyzer_t *a, const sq_ast_t *stmt) {
  if (stmt->flag || sq_catalog_find(a->prog->catalog, stmt->name.text)) return;
  sq_suggest_t s;
  sq_suggest_init(&s, stmt->name.text);
  offer_relations(&s, a->prog->catalog, ANY_RELATION);
  sq_suggest_report(&s, a->diag, stmt->name.span, "unknown name '%s'", stmt->name.text);
}

static void analyze_statement(sq_analyzer_t *a, sq_ast_t *stmt) {
  sq_query_t *q;
  switch (stmt->kind) {
  case SQ_AST_SET: analyze_set(a, stmt); break;
  case SQ_AST_UNSET: analyze_unset(a, stmt); break;
  case SQ_AST_CREATE_SOURCE: analyze_create_source(a, stmt); break;
  case SQ_AST_CREATE_SINK: analyze_create_sink(a, stmt); break;
  case SQ_AST_CREATE_STREAM: analyze_create_stream(a, stmt); break;
  case SQ_AST_INSERT:
    if ((q = new_query(a, SQ_QUERY_INSERT, stmt->span))) {
      analyze_insert(a, stmt, q);
      check_csv_schema(a, stmt, q);
    }
    break;
  case SQ_AST_QUERY:
    if ((q = new_query(a, SQ_QUERY_ADHOC, stmt->span))) analyze_select(a, stmt->a, q, "query", stmt);
    break;
  case SQ_AST_EXPLAIN: analyze_explain(a, stmt); break;
  case SQ_AST_DESCRIBE: analyze_describe(a, stmt); break;
  default: break; /* SHOW, PRINT, RUN SCRIPT: checked when they run */
  }
}

/* Warnings for a valid pipeline that does less than it seems to: one
 * whose queries write nothing anywhere, and derived streams no query reads
 * (their query runs for nothing). */
static void warn_unused(sq_analyzer_t *a, const sq_ast_t *script) {
  const sq_catalog_t *cat = a->prog->catalog;
  for (size_t i = 0; i < sq_catalog_count(cat); i++) {
    const sq_relation_t *rel = sq_catalog_at(cat, i);
    if (rel->kind == SQ_REL_STREAM && !(rel->id < a->n_rels && a->rels[rel->id].read))
      sq_diag_warning(a->diag, rel->decl->name.span, "stream '%s' is never read: no query selects from it", rel->name);
  }
  for (size_t i = 0; i < a->prog->n_queries; i++)
    if (a->prog->queries[i].kind != SQ_QUERY_STREAM) return;
  bool settings_only = true; /* the settings of `--set`, read as a script of their own */
  for (uint32_t i = 0; script && i < script->n; i++) settings_only &= script->list[i]->kind == SQ_AST_SET;
  if (settings_only) return;
  sq_span_t at = script && script->n ? script->list[script->n - 1]->span : (sq_span_t){0, 0};
  sq_diag_warning(a->diag, (sq_span_t){at.end, at.end},
                  "this pipeline writes nothing: it has no INSERT INTO a sink (nor a SELECT to print)");
}

sq_program_t *sq_analyze(sq_ast_t *script, const sq_connector_registry_t *connectors, sq_diag_t *diag) {
  sq_program_t *prog = calloc(1, sizeof *prog);
  if (!prog || !(prog->catalog = sq_catalog_new())) {
    free(prog);
    return NULL;
  }
  sq_analyzer_t a = {.diag = diag, .prog = prog, .connectors = connectors};
  for (uint32_t i = 0; script && i < script->n; i++) analyze_statement(&a, script->list[i]);
  if (sq_diag_count(diag) == 0) warn_unused(&a, script);
  free(a.rels);
  return prog;
}

void sq_program_destroy(sq_program_t *prog) {
  if (!prog) return;
  for (size_t i = 0; i < prog->n_queries; i++)
    if (prog->queries[i].owns_output) sq_relation_destroy(prog->queries[i].output);
  free(prog->queries);
  free(prog->settings);
  sq_catalog_destroy(prog->catalog);
  free(prog);
}
