/* Open addressing with linear probing over entry indices; entries and
 * their key strings come from one arena per table, so a new group costs
 * no malloc of its own and destroying a table is a few frees. */
#include "engine/group_table.h"

#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"

typedef struct sq_group_entry {
  uint64_t hash;
  /* sq_value_t key[width]; then the payload */
} sq_group_entry_t;

struct sq_group_table {
  uint32_t width;
  size_t payload_size, entry_size;
  sq_arena_t storage;
  sq_group_entry_t **entries; /* insertion order */
  size_t n, cap;
  uint32_t *index;            /* entry number + 1, 0 = empty */
  size_t index_cap;           /* power of two */
  size_t bytes;
};

static sq_value_t *entry_key(const sq_group_entry_t *e) { return (sq_value_t *)(e + 1); }

uint64_t sq_key_hash(const sq_value_t *key, uint32_t width) {
  uint64_t h = 0x51af1ed5u;
  for (uint32_t i = 0; i < width; i++) h = sq_value_hash(key[i], h);
  return h;
}

sq_group_table_t *sq_group_table_new(uint32_t key_width, size_t payload_size) {
  sq_group_table_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->width = key_width;
  t->payload_size = payload_size;
  t->entry_size = sizeof(sq_group_entry_t) + key_width * sizeof(sq_value_t) + ((payload_size + 7) & ~(size_t)7);
  return t;
}

void sq_group_table_destroy(sq_group_table_t *t) {
  if (!t) return;
  sq_arena_t *a = &t->storage;
  /* free every block, not just the newest */
  sq_arena_free(a);
  free(t->entries);
  free(t->index);
  free(t);
}

static bool grow_index(sq_group_table_t *t) {
  size_t cap = t->index_cap ? t->index_cap * 2 : 64;
  uint32_t *index = calloc(cap, sizeof *index);
  if (!index) return false;
  for (size_t i = 0; i < t->n; i++) {
    size_t slot = t->entries[i]->hash & (cap - 1);
    while (index[slot]) slot = (slot + 1) & (cap - 1);
    index[slot] = (uint32_t)i + 1;
  }
  free(t->index);
  t->bytes += (cap - t->index_cap) * sizeof *index;
  t->index = index;
  t->index_cap = cap;
  return true;
}

const char *sq_group_table_copy(sq_group_table_t *t, const char *p, uint32_t len) {
  char *dst = sq_arena_alloc(&t->storage, len ? len : 1);
  if (dst) {
    memcpy(dst, p, len);
    t->bytes += len;
  }
  return dst;
}

static bool same_key(const sq_value_t *a, const sq_value_t *b, uint32_t width) {
  for (uint32_t i = 0; i < width; i++)
    if (!sq_value_same(a[i], b[i])) return false;
  return true;
}

void *sq_group_table_upsert(sq_group_table_t *t, const sq_value_t *key, bool *created) {
  uint64_t hash = sq_key_hash(key, t->width);
  if ((t->n + 1) * 2 > t->index_cap && !grow_index(t)) return NULL;
  size_t slot = hash & (t->index_cap - 1);
  for (; t->index[slot]; slot = (slot + 1) & (t->index_cap - 1)) {
    sq_group_entry_t *e = t->entries[t->index[slot] - 1];
    if (e->hash == hash && same_key(entry_key(e), key, t->width)) {
      *created = false;
      return (char *)entry_key(e) + t->width * sizeof(sq_value_t);
    }
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    sq_group_entry_t **v = realloc(t->entries, cap * sizeof *v);
    if (!v) return NULL;
    t->bytes += (cap - t->cap) * sizeof *v;
    t->entries = v;
    t->cap = cap;
  }
  sq_group_entry_t *e = sq_arena_alloc(&t->storage, t->entry_size);
  if (!e) return NULL;
  t->bytes += t->entry_size;
  memset(e, 0, t->entry_size);
  e->hash = hash;
  sq_value_t *k = entry_key(e);
  for (uint32_t i = 0; i < t->width; i++) {
    k[i] = key[i];
    if (key[i].type == SQ_TYPE_STRING) {
      k[i].u.s.p = sq_group_table_copy(t, key[i].u.s.p, key[i].u.s.len);
      if (!k[i].u.s.p) return NULL;
    }
  }
  t->entries[t->n++] = e;
  t->index[slot] = (uint32_t)t->n;
  *created = true;
  return (char *)k + t->width * sizeof(sq_value_t);
}

size_t sq_group_table_count(const sq_group_table_t *t) { return t->n; }
const sq_value_t *sq_group_table_key(const sq_group_table_t *t, size_t i) { return entry_key(t->entries[i]); }
void *sq_group_table_payload(const sq_group_table_t *t, size_t i) {
  return (char *)entry_key(t->entries[i]) + t->width * sizeof(sq_value_t);
}
size_t sq_group_table_bytes(const sq_group_table_t *t) { return t->bytes + sizeof *t; }
