/* Catalog storage: an array of relations in definition order with a hash
 * index by name. Most pipelines define tens of relations, but a generated
 * one may define thousands of streams, and every query looks names up. */
#include "engine/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct sq_catalog {
  sq_relation_t **rels;
  size_t n, cap;
  sq_relation_t **index; /* open addressing by name; cap * 2 slots, so at most half full */
};

sq_catalog_t *sq_catalog_new(void) { return calloc(1, sizeof(sq_catalog_t)); }

sq_relation_t *sq_relation_new(sq_rel_kind_t kind, const char *name, const sq_ast_t *decl) {
  sq_relation_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->kind = kind;
  r->name = name;
  r->decl = decl;
  r->primary_key = -1;
  return r;
}

void sq_relation_destroy(sq_relation_t *rel) {
  if (!rel) return;
  for (size_t c = 0; c < rel->n_columns; c++) free(rel->columns[c].name);
  free(rel->columns);
  free(rel);
}

void sq_catalog_destroy(sq_catalog_t *cat) {
  if (!cat) return;
  for (size_t i = 0; i < cat->n; i++) sq_relation_destroy(cat->rels[i]);
  free(cat->rels);
  free(cat->index);
  free(cat);
}

/* The index slot of `name` in `index` of `slots` slots (a power of two):
 * the relation's, or the empty one where it belongs. */
static sq_relation_t **index_slot(sq_relation_t **index, size_t slots, const char *name) {
  size_t i = (size_t)XXH3_64bits(name, strlen(name)) & (slots - 1);
  while (index[i] && strcmp(index[i]->name, name) != 0) i = (i + 1) & (slots - 1);
  return &index[i];
}

sq_relation_t *sq_catalog_add(sq_catalog_t *cat, sq_rel_kind_t kind, const char *name, const sq_ast_t *decl) {
  if (cat->n == cat->cap) {
    size_t cap = cat->cap ? cat->cap * 2 : 8;
    sq_relation_t **v = realloc(cat->rels, cap * sizeof *v);
    if (!v) return NULL;
    cat->rels = v;
    sq_relation_t **index = calloc(cap * 2, sizeof *index);
    if (!index) return NULL;
    /* a name defined twice keeps its first relation (analysis reports the second) */
    for (size_t i = 0; i < cat->n; i++) {
      sq_relation_t **slot = index_slot(index, cap * 2, v[i]->name);
      if (!*slot) *slot = v[i];
    }
    free(cat->index);
    cat->index = index;
    cat->cap = cap;
  }
  sq_relation_t *r = sq_relation_new(kind, name, decl);
  if (!r) return NULL;
  r->id = (uint32_t)cat->n;
  cat->rels[cat->n++] = r;
  sq_relation_t **slot = index_slot(cat->index, cat->cap * 2, name);
  if (!*slot) *slot = r;
  return r;
}

sq_relation_t *sq_catalog_find(const sq_catalog_t *cat, const char *name) {
  return cat->n ? *index_slot(cat->index, cat->cap * 2, name) : NULL;
}

size_t sq_catalog_count(const sq_catalog_t *cat) { return cat->n; }
sq_relation_t *sq_catalog_at(const sq_catalog_t *cat, size_t i) { return cat->rels[i]; }

size_t sq_catalog_count_kind(const sq_catalog_t *cat, sq_rel_kind_t kind) {
  size_t n = 0;
  for (size_t i = 0; i < cat->n; i++) n += cat->rels[i]->kind == kind;
  return n;
}

bool sq_relation_add_column(sq_relation_t *rel, const char *name, sq_type_t type) {
  if (rel->n_columns == rel->cap_columns) {
    size_t cap = rel->cap_columns ? rel->cap_columns * 2 : 8;
    sq_column_t *v = realloc(rel->columns, cap * sizeof *v);
    if (!v) return false;
    rel->columns = v;
    rel->cap_columns = cap;
  }
  char *copy = strdup(name);
  if (!copy) return false;
  rel->columns[rel->n_columns++] = (sq_column_t){.name = copy, .type = type};
  return true;
}

bool sq_relation_add_metadata(sq_relation_t *rel) {
  static const struct {
    const char *name;
    sq_type_t type;
  } meta[] = {
      {"_key", SQ_TYPE_STRING}, {"_topic", SQ_TYPE_STRING}, {"_partition", SQ_TYPE_BIGINT},
      {"_offset", SQ_TYPE_BIGINT}, {"_timestamp", SQ_TYPE_TIMESTAMP}, {"rowtime", SQ_TYPE_TIMESTAMP},
  };
  for (size_t i = 0; i < sizeof meta / sizeof *meta; i++) {
    if (!sq_relation_add_column(rel, meta[i].name, meta[i].type)) return false;
    rel->columns[rel->n_columns - 1].metadata = true;
  }
  return true;
}

const char *sq_column_list_next(const char *p, char *name, size_t size) {
  if (!p || !*p) return NULL;
  size_t len = strcspn(p, ","), skip = strspn(p, " ");
  if (skip > len) skip = len;
  snprintf(name, size, "%.*s", (int)(len - skip), p + skip);
  name[strcspn(name, " ")] = '\0';
  return p + len + (p[len] == ',');
}

int sq_relation_find_column(const sq_relation_t *rel, const char *name) {
  for (size_t i = 0; i < rel->n_columns; i++)
    if (strcmp(rel->columns[i].name, name) == 0) return (int)i;
  return -1;
}

const sq_ast_t *sq_relation_option(const sq_relation_t *rel, const char *key) {
  const sq_ast_t *options = rel->decl ? rel->decl->b : NULL;
  if (!options) return NULL;
  for (uint32_t i = 0; i < options->n; i++)
    if (strcmp(options->list[i]->name.text, key) == 0) return options->list[i]->a;
  return NULL;
}

const char *sq_rel_kind_name(sq_rel_kind_t kind) {
  static const char *const names[] = {"source", "table", "stream", "sink"};
  return names[kind];
}
