/* The in-memory state store: one hash table over full keys
 * (<op><partition><key>), each entry a single allocation holding its key
 * and its value. A scan collects the matching entries and sorts them by
 * key; scans serve closing windows and are rare next to gets. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/state.h"

typedef struct entry {
  uint64_t hash;
  const sq_state_type_t *type;
  uint32_t key_len;   /* full key, namespace included */
  size_t value_off;   /* from the entry start, aligned */
  /* key bytes, then the value */
} entry_t;

/* Keys and bytes per namespace, kept as entries come and go so that
 * usage() costs nothing; there are a handful of namespaces. */
typedef struct ns_usage {
  uint32_t op, partition;
  size_t keys, bytes;
} ns_usage_t;

typedef struct memory_store {
  sq_state_t base;
  entry_t **slots; /* open addressing; NULL empty, TOMBSTONE removed */
  size_t cap, used, live;
  size_t bytes;
  ns_usage_t *usage;
  size_t n_usage;
} memory_store_t;

static entry_t tombstone_entry;
#define TOMBSTONE (&tombstone_entry)
#define NS_LEN 8

static const char *entry_key(const entry_t *e) { return (const char *)(e + 1); }

/* The usage record of the namespace a full key starts with; NULL when
 * memory runs out (usage then goes uncounted, the store still works). */
static ns_usage_t *usage_of(memory_store_t *m, const char *key) {
  uint32_t op = 0, part = 0;
  for (int i = 0; i < 4; i++) {
    op = op << 8 | (unsigned char)key[i];
    part = part << 8 | (unsigned char)key[4 + i];
  }
  for (size_t i = 0; i < m->n_usage; i++)
    if (m->usage[i].op == op && m->usage[i].partition == part) return &m->usage[i];
  ns_usage_t *v = realloc(m->usage, (m->n_usage + 1) * sizeof *v);
  if (!v) return NULL;
  m->usage = v;
  m->usage[m->n_usage] = (ns_usage_t){op, part, 0, 0};
  return &m->usage[m->n_usage++];
}
static void *entry_value(entry_t *e) { return (char *)e + e->value_off; }

/* The full key: namespace (big-endian, so ranges sort by operator then
 * partition) then the operator's key. */
static size_t full_key(const sq_state_ns_t *ns, const void *key, size_t len, char *out) {
  uint32_t op = ns->op, part = ns->partition;
  for (int i = 0; i < 4; i++) {
    out[i] = (char)(op >> (24 - 8 * i));
    out[4 + i] = (char)(part >> (24 - 8 * i));
  }
  memcpy(out + NS_LEN, key, len);
  return NS_LEN + len;
}

static bool grow(memory_store_t *m) {
  size_t cap = m->cap ? m->cap * 2 : 1024;
  entry_t **slots = calloc(cap, sizeof *slots);
  if (!slots) return false;
  for (size_t i = 0; i < m->cap; i++) {
    entry_t *e = m->slots[i];
    if (!e || e == TOMBSTONE) continue;
    size_t j = e->hash & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = e;
  }
  m->bytes += (cap - m->cap) * sizeof *slots;
  free(m->slots);
  m->slots = slots;
  m->cap = cap;
  m->used = m->live;
  return true;
}

/* The slot of `k`, or of the first free slot on its probe path. */
static size_t find(const memory_store_t *m, const char *k, size_t len, uint64_t hash, bool *found) {
  size_t i = hash & (m->cap - 1), free_slot = SIZE_MAX;
  for (;; i = (i + 1) & (m->cap - 1)) {
    entry_t *e = m->slots[i];
    if (!e) break;
    if (e == TOMBSTONE) {
      if (free_slot == SIZE_MAX) free_slot = i;
      continue;
    }
    if (e->hash == hash && e->key_len == len && memcmp(entry_key(e), k, len) == 0) {
      *found = true;
      return i;
    }
  }
  *found = false;
  return free_slot != SIZE_MAX ? free_slot : i;
}

static void *memory_get(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len, bool create, bool *created) {
  memory_store_t *m = (memory_store_t *)s;
  char stack[256], *k = len + NS_LEN <= sizeof stack ? stack : malloc(len + NS_LEN);
  *created = false;
  if (!k) return NULL;
  size_t klen = full_key(ns, key, len, k);
  uint64_t hash = XXH3_64bits(k, klen);
  void *value = NULL;
  if ((m->used + 1) * 4 > m->cap * 3 && !grow(m)) goto out;
  bool found;
  size_t slot = find(m, k, klen, hash, &found);
  if (found) {
    value = entry_value(m->slots[slot]);
  } else if (create) {
    size_t value_off = (sizeof(entry_t) + klen + 15) & ~(size_t)15;
    entry_t *e = calloc(1, value_off + ns->type->size);
    if (!e) goto out;
    *e = (entry_t){hash, ns->type, (uint32_t)klen, value_off};
    memcpy(e + 1, k, klen);
    if (!m->slots[slot]) m->used++;
    m->slots[slot] = e;
    m->live++;
    m->bytes += value_off + ns->type->size;
    ns_usage_t *u = usage_of(m, k);
    if (u) u->keys++, u->bytes += value_off + ns->type->size;
    value = entry_value(e);
    *created = true;
  }
out:
  if (k != stack) free(k);
  return value;
}

static void release_entry(memory_store_t *m, entry_t *e) {
  if (e->type->release) e->type->release(entry_value(e), e->type->ctx);
  m->bytes -= e->value_off + e->type->size;
  ns_usage_t *u = usage_of(m, entry_key(e));
  if (u) u->keys--, u->bytes -= e->value_off + e->type->size;
  free(e);
}

static bool memory_remove(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len) {
  memory_store_t *m = (memory_store_t *)s;
  if (!m->cap) return false;
  char stack[256], *k = len + NS_LEN <= sizeof stack ? stack : malloc(len + NS_LEN);
  if (!k) return false;
  size_t klen = full_key(ns, key, len, k);
  bool found;
  size_t slot = find(m, k, klen, XXH3_64bits(k, klen), &found);
  if (k != stack) free(k);
  if (!found) return false;
  release_entry(m, m->slots[slot]);
  m->slots[slot] = TOMBSTONE;
  m->live--;
  return true;
}

static int by_key(const void *a, const void *b) {
  const entry_t *x = *(entry_t *const *)a, *y = *(entry_t *const *)b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(entry_key(x), entry_key(y), n);
  return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static bool memory_scan(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len, sq_state_visit_t visit, void *ctx) {
  memory_store_t *m = (memory_store_t *)s;
  char stack[256], *k = len + NS_LEN <= sizeof stack ? stack : malloc(len + NS_LEN);
  if (!k) return false;
  size_t plen = full_key(ns, prefix, len, k);
  entry_t **hits = NULL;
  size_t n = 0, cap = 0;
  bool ok = true;
  for (size_t i = 0; i < m->cap && ok; i++) {
    entry_t *e = m->slots[i];
    if (!e || e == TOMBSTONE || e->key_len < plen || memcmp(entry_key(e), k, plen) != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      entry_t **v = realloc(hits, cap * sizeof *v);
      if (!v) {
        ok = false;
        break;
      }
      hits = v;
    }
    hits[n++] = e;
  }
  if (ok) qsort(hits, n, sizeof *hits, by_key);
  for (size_t i = 0; ok && i < n; i++) ok = visit(ctx, entry_key(hits[i]) + NS_LEN, hits[i]->key_len - NS_LEN, entry_value(hits[i]));
  free(hits);
  if (k != stack) free(k);
  return ok;
}

static void memory_usage(const sq_state_t *s, const sq_state_ns_t *ns, size_t *keys, size_t *bytes) {
  const memory_store_t *m = (const memory_store_t *)s;
  *keys = *bytes = 0;
  for (size_t i = 0; i < m->n_usage; i++)
    if (m->usage[i].op == ns->op && m->usage[i].partition == ns->partition) *keys = m->usage[i].keys, *bytes = m->usage[i].bytes;
}

static void memory_destroy(sq_state_t *s) {
  memory_store_t *m = (memory_store_t *)s;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i] && m->slots[i] != TOMBSTONE) release_entry(m, m->slots[i]);
  free(m->slots);
  free(m->usage);
  free(m);
}

static const sq_state_class_t memory_class = {memory_get, memory_remove, memory_scan, memory_usage, memory_destroy};

sq_state_t *sq_state_memory_new(void) {
  memory_store_t *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->base.cls = &memory_class;
  return &m->base;
}
