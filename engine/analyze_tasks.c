/* Which pipelines can run as per-partition tasks (docs/ARCHITECTURE.md §8):
 * one whose stream source declares `partitioned_by` runs as one task per
 * input partition, on as many processes as share its consumer group. That
 * is only right when every stateful operator keeps each key's state in the
 * partition its rows arrive from: a GROUP BY (or DISTINCT) whose keys
 * include every partitioned_by column, and a join of two such sources
 * that equates their partitioned_by columns (co-partitioned: partition p
 * of both topics holds the same keys). What needs rows of several
 * partitions to meet is refused here, at `check`, with the reason: other
 * joins, LIMIT, a stateful query over a stream source without
 * partitioned_by or over a derived stream. A stateless query over a source
 * without partitioned_by runs in the consumer group as it is (stage 1 of
 * a repartition, runtime/app/repartition.c, is one). */
#include "engine/analyze_tasks.h"

#include <stdio.h>
#include <string.h>

#include "engine/catalog.h"

const sq_relation_t *sq_program_task_source(const sq_program_t *prog) {
  for (size_t i = 0; i < sq_catalog_count(prog->catalog); i++) {
    const sq_relation_t *rel = sq_catalog_at(prog->catalog, i);
    if (rel->kind == SQ_REL_SOURCE && sq_relation_option(rel, "partitioned_by")) return rel;
  }
  return NULL;
}

/* Whether `list` holds a plain reference to column `col` of input 0. */
static bool lists_column(const sq_ast_t *list, int col, bool items) {
  for (uint32_t i = 0; list && i < list->n; i++) {
    const sq_ast_t *e = items ? list->list[i]->a : list->list[i];
    if (items && list->list[i]->kind == SQ_AST_STAR) return true;
    if (e && e->kind == SQ_AST_COLUMN && e->ref == 0 && e->ref2 == col) return true;
  }
  return false;
}

int sq_partitioned_by_column(const sq_relation_t *rel, int n) {
  char name[128];
  const char *p = sq_relation_option(rel, "partitioned_by")->text;
  for (int i = 0; (p = sq_column_list_next(p, name, sizeof name)); i++)
    if (i == n) return sq_relation_find_column(rel, name);
  return -2;
}

/* The first partitioned_by column of `src` that `list` does not name, or NULL. */
static const char *missing_key(const sq_relation_t *src, const sq_ast_t *list, bool items) {
  for (int i = 0, col; (col = sq_partitioned_by_column(src, i)) != -2; i++)
    if (col >= 0 && !lists_column(list, col, items)) return src->columns[col].name;
  return NULL;
}

static void refuse(sq_diag_t *diag, sq_span_t at, const sq_relation_t *src, const char *what) {
  const sq_ast_t *stage2 = sq_relation_option(src, "repartitioned");
  if (stage2 && stage2->text && strcmp(stage2->text, "on") == 0)
    sq_diag_error(diag, at, "%s: with SET 'scale.repartition' = 'on' the pipeline runs as tasks over repartition topics, "
                  "where rows of different partitions never meet, and this query cannot be cut at one; turn repartitioning "
                  "off to run the pipeline on one process", what);
  else
    sq_diag_error(diag, at, "%s: the pipeline runs as one task per partition of source '%s' (partitioned_by), where rows of "
                  "different partitions never meet; remove partitioned_by to run it on one process", what, src->name);
}

static bool partitioned(const sq_relation_t *rel) {
  return rel && rel->kind == SQ_REL_SOURCE && sq_relation_option(rel, "partitioned_by");
}

/* Whether `e` (an ON condition) has, among its ANDed terms, left column
 * `lc` = right column `rc` (inputs 0 and 1). */
static bool equates(const sq_ast_t *e, int lc, int rc) {
  if (!e || e->kind != SQ_AST_BINARY) return false;
  if (e->sub == SQ_EXPR_AND) return equates(e->a, lc, rc) || equates(e->b, lc, rc);
  if (e->sub != SQ_EXPR_EQ || e->a->kind != SQ_AST_COLUMN || e->b->kind != SQ_AST_COLUMN) return false;
  const sq_ast_t *l = e->a->ref == 0 ? e->a : e->b, *r = e->a->ref == 0 ? e->b : e->a;
  return l->ref == 0 && r->ref == 1 && l->ref2 == lc && r->ref2 == rc;
}

/* Whether a join of `l` and `r` ON `on` meets rows of one partition only:
 * it equates their partitioned_by columns pairwise. */
static bool co_partitioned(const sq_ast_t *on, const sq_relation_t *l, const sq_relation_t *r) {
  for (int i = 0;; i++) {
    int lc = sq_partitioned_by_column(l, i), rc = sq_partitioned_by_column(r, i);
    if (lc == -2 || rc == -2) return lc == rc;
    if (lc < 0 || rc < 0 || !equates(on, lc, rc)) return false;
  }
}

/* The GROUP BY / DISTINCT keys of a query over `src` (input 0). */
static void check_keys(const sq_query_t *q, const sq_relation_t *src, sq_diag_t *diag) {
  const sq_ast_select_t *s = q->select->select;
  const char *missing;
  if (q->aggregate && (missing = missing_key(src, s->group_by, false)))
    sq_diag_error(diag, s->group_by ? s->group_span : q->select->span,
                  "GROUP BY must include '%s': source '%s' is partitioned_by it, and each partition's task "
                  "aggregates only its own rows (grouping by other columns moves rows between partitions, "
                  "so group by '%s' too; or remove partitioned_by, and SET 'scale.repartition' = 'on' to repartition by the GROUP BY "
                  "columns)", missing, src->name, missing);
  else if (s->distinct && (missing = missing_key(src, s->items, true)))
    sq_diag_error(diag, s->items->span, "SELECT DISTINCT must select '%s': source '%s' is partitioned_by it", missing,
                  src->name);
}

void sq_analyze_tasks(const sq_program_t *prog, sq_diag_t *diag) {
  const sq_relation_t *src = sq_program_task_source(prog);
  if (!src) return;
  for (size_t i = 0; i < prog->n_queries; i++) {
    const sq_query_t *q = &prog->queries[i];
    const sq_ast_select_t *s = q->select->select;
    const sq_ast_t *from = s->from;
    if (s->limit) {
      refuse(diag, s->limit->span, src, "LIMIT counts rows of every partition");
      continue;
    }
    if (from->kind == SQ_AST_JOIN) {
      const sq_relation_t *l = from->a->kind == SQ_AST_TABLE_REF ? sq_catalog_find(prog->catalog, from->a->name.text) : NULL;
      const sq_relation_t *r = sq_catalog_find(prog->catalog, from->b->name.text);
      if (!partitioned(l) || !partitioned(r)) {
        refuse(diag, from->span, src, "a join runs as tasks only between two sources partitioned_by its key");
        continue;
      }
      if (!co_partitioned(from->e, l, r)) {
        sq_diag_error(diag, from->e ? from->e->span : from->span,
                      "the join must equate the partitioned_by columns of '%s' and '%s' in order (ON %s.%s = %s.%s ...): "
                      "each partition's task joins only the rows of its partition", l->name, r->name, l->name,
                      sq_relation_option(l, "partitioned_by")->text, r->name, sq_relation_option(r, "partitioned_by")->text);
        continue;
      }
      check_keys(q, l, diag);
      continue;
    }
    const sq_relation_t *rel = sq_catalog_find(prog->catalog, from->name.text);
    if (partitioned(rel)) check_keys(q, rel, diag);
    else if (rel && rel->kind == SQ_REL_STREAM && (q->aggregate || s->distinct))
      refuse(diag, from->span, src, "a stateful query over a derived stream cannot run as tasks yet");
    else if (rel && rel->kind == SQ_REL_SOURCE && (q->aggregate || s->distinct))
      refuse(diag, from->span, src,
             "a GROUP BY or DISTINCT over a source without partitioned_by needs rows of every partition (a repartition "
             "cuts only a GROUP BY of plain columns that reads no Kafka metadata column)");
  }
}
