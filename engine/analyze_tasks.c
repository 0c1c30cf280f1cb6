/* Which pipelines can run as per-partition tasks (docs/ARCHITECTURE.md §8):
 * one whose stream source declares `partitioned_by` runs as one task per
 * input partition, on as many processes as share its consumer group. That
 * is only right when every stateful operator keeps each key's state in the
 * partition its rows arrive from: a GROUP BY (or DISTINCT) whose keys
 * include every partitioned_by column, over that one source. What needs
 * rows of several partitions to meet is refused here, at `check`, with
 * the reason: joins, LIMIT, a second stream source, a stateful query over
 * a derived stream. */
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

/* The first partitioned_by column of `src` that `list` does not name, or NULL. */
static const char *missing_key(const sq_relation_t *src, const sq_ast_t *list, bool items, char *name, size_t size) {
  const char *cols = sq_relation_option(src, "partitioned_by")->text;
  for (const char *p = cols; p && *p;) {
    size_t len = strcspn(p, ",");
    snprintf(name, size, "%.*s", (int)len, p);
    char *trim = name;
    while (*trim == ' ') trim++;
    size_t n = strlen(trim);
    while (n && trim[n - 1] == ' ') trim[--n] = '\0';
    memmove(name, trim, n + 1);
    int col = sq_relation_find_column(src, name);
    if (col >= 0 && !lists_column(list, col, items)) return name;
    p += len + (p[len] == ',');
  }
  return NULL;
}

static void refuse(sq_diag_t *diag, sq_span_t at, const sq_relation_t *src, const char *what) {
  sq_diag_error(diag, at, "%s: the pipeline runs as one task per partition of source '%s' (partitioned_by), where rows of "
                "different partitions never meet; remove partitioned_by to run it on one process", what, src->name);
}

void sq_analyze_tasks(const sq_program_t *prog, sq_diag_t *diag) {
  const sq_relation_t *src = sq_program_task_source(prog);
  if (!src) return;
  for (size_t i = 0; i < sq_catalog_count(prog->catalog); i++) {
    const sq_relation_t *rel = sq_catalog_at(prog->catalog, i);
    if (rel != src && rel->kind == SQ_REL_SOURCE)
      refuse(diag, rel->decl->name.span, src, "a second stream source cannot run as tasks");
  }
  for (size_t i = 0; i < prog->n_queries; i++) {
    const sq_query_t *q = &prog->queries[i];
    const sq_ast_select_t *s = q->select->select;
    char name[128];
    const char *missing;
    if (s->from->kind == SQ_AST_JOIN) {
      refuse(diag, s->from->span, src, "a join cannot run as tasks yet");
      continue;
    }
    const sq_relation_t *rel = sq_catalog_find(prog->catalog, s->from->name.text);
    bool stateful = q->aggregate || s->distinct || s->limit;
    if (!rel || rel == src || !stateful) {
      if (s->limit) refuse(diag, s->limit->span, src, "LIMIT counts rows of every partition");
      else if (rel == src && q->aggregate && (missing = missing_key(src, s->group_by, false, name, sizeof name)))
        sq_diag_error(diag, s->group_by ? s->group_span : q->select->span,
                      "GROUP BY must include '%s': source '%s' is partitioned_by it, and each partition's task "
                      "aggregates only its own rows (grouping by other columns moves rows between partitions, "
                      "a repartition streamq cannot do yet: group by '%s' too, or remove partitioned_by to run on one process)",
                      missing, src->name, missing);
      else if (rel == src && s->distinct && (missing = missing_key(src, s->items, true, name, sizeof name)))
        sq_diag_error(diag, s->items->span, "SELECT DISTINCT must select '%s': source '%s' is partitioned_by it", missing,
                      src->name);
      continue;
    }
    refuse(diag, s->from->span, src, "a stateful query over a derived stream cannot run as tasks yet");
  }
}
