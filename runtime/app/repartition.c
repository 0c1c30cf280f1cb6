/* The cut into stages (repartition.h). A query qualifies when it is a
 * GROUP BY of plain columns over one Kafka source without partitioned_by
 * that reads no Kafka metadata column (those would name the repartition
 * topic's records, not the source's). For each (source, keys), once:
 *
 *   CREATE SINK s__by_k__out WITH (connector = 'kafka', topic = T, key = 'k', repartition_of = <source topic>, ...);
 *   CREATE SOURCE s__by_k (<s's columns>, __origin_partition BIGINT, __origin_offset BIGINT, __rowtime TIMESTAMP)
 *     WITH (connector = 'kafka', topic = T, partitioned_by = 'k', timestamp = '__rowtime', repartitioned = 'on', ...);
 *   INSERT INTO s__by_k__out SELECT <s's columns>, _partition, _offset, ROWTIME FROM s;
 *
 * with T = "<group>.<s>_by_<k>.repartition", and the query's FROM s
 * becomes FROM s__by_k AS s, so its columns resolve as before. The text
 * is generated, parsed on its own, and its statements are spliced into
 * the script right after s's CREATE SOURCE; the user's spans stay right.
 * The stage-1 INSERT is stateless; the stage-2 query is a partitioned_by
 * query, which the task machinery already runs. */
#include "runtime/app/repartition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/catalog.h"
#include "engine/types.h"
#include "grammar/parse.h"
#include "runtime/app/sql_text.h"
#include "runtime/kit/options.h"

typedef struct cut {
  const sq_relation_t *src;
  const sq_ast_t *keys; /* the GROUP BY list */
  char name[256];       /* the stage-2 source */
  char sink[264];       /* the stage-1 sink */
} cut_t;

/* Whether `e` reads a Kafka metadata column of `rel` (input 0) other
 * than ROWTIME, which stage 2 has as its event time. */
static bool reads_metadata(const sq_ast_t *e, const sq_relation_t *rel) {
  if (!e) return false;
  if (e->kind == SQ_AST_COLUMN && e->ref == 0 && e->ref2 >= 0 && (size_t)e->ref2 < rel->n_columns &&
      rel->columns[e->ref2].metadata && strcmp(rel->columns[e->ref2].name, "rowtime") != 0)
    return true;
  const sq_ast_t *kids[] = {e->a, e->b, e->c, e->d, e->e};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    if (reads_metadata(kids[i], rel)) return true;
  for (uint32_t i = 0; i < e->n; i++)
    if (reads_metadata(e->list[i], rel)) return true;
  const sq_ast_select_t *s = e->select;
  return s && (reads_metadata(s->items, rel) || reads_metadata(s->where, rel) || reads_metadata(s->group_by, rel) ||
               reads_metadata(s->having, rel));
}

/* The source a query's GROUP BY would be repartitioned from, or NULL. */
static const sq_relation_t *cut_source(const sq_program_t *prog, const sq_query_t *q) {
  const sq_ast_select_t *s = q->select->select;
  if (!q->aggregate || !s->group_by || !s->group_by->n || s->from->kind != SQ_AST_TABLE_REF) return NULL;
  const sq_relation_t *rel = sq_catalog_find(prog->catalog, s->from->name.text);
  if (!rel || rel->kind != SQ_REL_SOURCE || sq_relation_option(rel, "partitioned_by") || !sq_option_is(rel, "connector", "kafka"))
    return NULL;
  for (uint32_t i = 0; i < s->group_by->n; i++) {
    const sq_ast_t *k = s->group_by->list[i];
    if (k->kind != SQ_AST_COLUMN || k->ref != 0 || rel->columns[k->ref2].metadata) return NULL;
  }
  return reads_metadata(q->select, rel) ? NULL : rel;
}

static bool same_keys(const sq_ast_t *a, const sq_ast_t *b) {
  if (a->n != b->n) return false;
  for (uint32_t i = 0; i < a->n; i++)
    if (a->list[i]->ref2 != b->list[i]->ref2) return false;
  return true;
}

static void put_option(sq_buf_t *out, const char *key, const char *value) {
  sq_buf_puts(out, ", ");
  sq_buf_puts(out, key);
  sq_buf_puts(out, " = ");
  sq_put_string_literal(out, value, strlen(value));
}

static void copy_option(sq_buf_t *out, const sq_relation_t *rel, const char *key) {
  const sq_ast_t *o = sq_relation_option(rel, key);
  if (o && o->text) put_option(out, key, o->text);
}

/* The GROUP BY columns' names joined by `sep` into `out` (truncated). */
static void key_list(char *out, size_t size, const cut_t *c, const char *sep) {
  size_t n = strlen(out);
  for (uint32_t i = 0; i < c->keys->n && n < size; i++)
    n += (size_t)snprintf(out + n, size - n, "%s%s", i ? sep : "", c->src->columns[c->keys->list[i]->ref2].name);
}

/* The declared columns of `rel`, as a SELECT list or with their types. */
static void columns(sq_buf_t *out, const sq_relation_t *rel, bool typed) {
  bool first = true;
  for (size_t i = 0; i < rel->n_columns; i++) {
    if (rel->columns[i].metadata) continue;
    if (!first) sq_buf_puts(out, ", ");
    first = false;
    sq_put_ident(out, rel->columns[i].name);
    if (typed) {
      sq_buf_putc(out, ' ');
      sq_buf_puts(out, sq_type_name(rel->columns[i].type));
    }
  }
}

static void stage_text(sq_buf_t *out, const cut_t *c, const char *default_group, uint32_t partitions) {
  const sq_relation_t *src = c->src;
  const sq_ast_t *g = sq_relation_option(src, "group_id"), *origin_topic = sq_relation_option(src, "topic");
  const char *group = g && g->text ? g->text : default_group;
  char topic[600], keys[300] = "", count[32];
  snprintf(topic, sizeof topic, "%s.%s_by_", group, src->name);
  key_list(topic, sizeof topic - 16, c, "_");
  strcat(topic, ".repartition");
  key_list(keys, sizeof keys, c, ",");
  snprintf(count, sizeof count, "%u", partitions);
  sq_buf_puts(out, "CREATE SINK ");
  sq_put_ident(out, c->sink);
  sq_buf_puts(out, " WITH (connector = 'kafka', format = 'json'");
  put_option(out, "topic", topic);
  put_option(out, "key", keys);
  put_option(out, "repartition_of", origin_topic && origin_topic->text ? origin_topic->text : "");
  if (partitions) put_option(out, "repartition_partitions", count);
  sq_buf_puts(out, ");\nCREATE SOURCE ");
  sq_put_ident(out, c->name);
  sq_buf_puts(out, " (");
  columns(out, src, true);
  sq_buf_puts(out, ", " SQ_ORIGIN_PARTITION " BIGINT, " SQ_ORIGIN_OFFSET " BIGINT, " SQ_STAGE_ROWTIME " TIMESTAMP)"
                   " WITH (connector = 'kafka', format = 'json', timestamp = '" SQ_STAGE_ROWTIME "', repartitioned = 'on'");
  put_option(out, "topic", topic);
  put_option(out, "partitioned_by", keys);
  put_option(out, "group_id", group);
  copy_option(out, src, "watermark_delay");
  copy_option(out, src, "idle_timeout");
  sq_buf_puts(out, ");\nINSERT INTO ");
  sq_put_ident(out, c->sink);
  sq_buf_puts(out, " SELECT ");
  columns(out, src, false);
  sq_buf_puts(out, ", _partition AS " SQ_ORIGIN_PARTITION ", _offset AS " SQ_ORIGIN_OFFSET ", ROWTIME AS " SQ_STAGE_ROWTIME " FROM ");
  sq_put_ident(out, src->name);
  sq_buf_puts(out, ";\n");
}

/* Points FROM at the stage-2 source, keeping the name the query used. */
static bool swap_from(sq_ast_t *from, const char *name) {
  char *to = strdup(name);
  if (!to) return false;
  if (!from->name2.text) from->name2 = from->name; /* the old name becomes the alias (its span too) */
  else free(from->name.text);
  from->name.text = to;
  return true;
}

/* Moves statements [from, from + n) of `stmts` into `script` after
 * statement `at`. */
static bool splice(sq_ast_t *script, uint32_t at, sq_ast_t *stmts, uint32_t from, uint32_t n) {
  sq_span_t span = script->span;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t before = script->n;
    sq_ast_t *stmt = stmts->list[from + i];
    stmts->list[from + i] = NULL; /* the script owns it, or append freed it */
    if (sq_ast_append(script, stmt)->n != before + 1) return false;
    uint32_t to = at + 1 + i;
    memmove(&script->list[to + 1], &script->list[to], (before - to) * sizeof *script->list);
    script->list[to] = stmt;
  }
  script->span = span; /* the generated text is not the file's */
  return true;
}

int sq_stages_cut(sq_ast_t *script, const sq_program_t *prog, const char *default_group, uint32_t partitions,
                  sq_stages_t *stages) {
  memset(stages, 0, sizeof *stages);
  cut_t *cuts = calloc(prog->n_queries + 1, sizeof *cuts);
  int *of = calloc(prog->n_queries + 1, sizeof *of);
  int n_cuts = 0, n_queries = 0;
  bool ok = cuts && of;
  for (size_t i = 0; ok && i < prog->n_queries; i++) {
    const sq_query_t *q = &prog->queries[i];
    const sq_relation_t *src = cut_source(prog, q);
    of[i] = -1;
    if (!src) continue;
    int c = 0;
    while (c < n_cuts && !(cuts[c].src == src && same_keys(cuts[c].keys, q->select->select->group_by))) c++;
    if (c == n_cuts) {
      cuts[c] = (cut_t){.src = src, .keys = q->select->select->group_by};
      snprintf(cuts[c].name, sizeof cuts[c].name, "%s__by_", src->name);
      key_list(cuts[c].name, sizeof cuts[c].name - 8, &cuts[c], "_");
      snprintf(cuts[c].sink, sizeof cuts[c].sink, "%s__out", cuts[c].name);
      n_cuts++;
    }
    of[i] = c;
    n_queries++;
  }
  sq_buf_t text = {0};
  for (int c = 0; ok && c < n_cuts; c++) stage_text(&text, &cuts[c], default_group, partitions);
  sq_buf_putc(&text, '\0');
  ok = ok && !text.failed && (n_cuts == 0 || (stages->sql = sq_sql_new("<stages>", text.data, text.len - 1)));
  stages->text = text.data;
  sq_ast_t *stmts = NULL;
  if (ok && n_cuts) {
    ok = (stages->diag = sq_diag_new(stages->sql)) && (stmts = sq_parse(stages->sql, stages->diag)) &&
         sq_diag_count(stages->diag) == 0 && stmts->n == 3 * (uint32_t)n_cuts;
  }
  for (int c = 0; ok && c < n_cuts; c++) { /* each stage's statements after its source's CREATE */
    uint32_t at = 0;
    while (at < script->n && script->list[at] != cuts[c].src->decl) at++;
    ok = at < script->n && splice(script, at, stmts, 3 * (uint32_t)c, 3);
  }
  sq_ast_destroy(stmts);
  for (size_t i = 0; ok && i < prog->n_queries; i++)
    if (of[i] >= 0) ok = swap_from(prog->queries[i].select->select->from, cuts[of[i]].name);
  free(cuts);
  free(of);
  return ok ? n_queries : -1;
}

void sq_stages_free(sq_stages_t *stages) {
  sq_sql_destroy(stages->sql);
  sq_diag_destroy(stages->diag);
  free(stages->text);
  memset(stages, 0, sizeof *stages);
}
