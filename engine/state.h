/* Operator state (ARCHITECTURE.md §4). Every stateful operator keeps its
 * state here, under keys <operator id><partition><key bytes>, so one
 * operator's state for one input partition is one contiguous key range.
 * Values are live objects of a fixed size that the operator mutates in
 * place; a store may keep them in memory (sq_state_memory_new) or back
 * them with LevelDB and a write-back cache, without operators knowing.
 * Keys are bytes; engine/key_codec.h encodes values so that byte order is
 * value order. */
#ifndef SQ_STATE_H
#define SQ_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/buf.h"

/* What kind of value a namespace holds. */
typedef struct sq_state_type {
  size_t size;                                    /* bytes of one value; new values start zeroed */
  void (*release)(void *value, const void *ctx);  /* frees what a value holds outside itself; may be NULL */
  const void *ctx;
} sq_state_type_t;

/* One operator's state for one input partition. */
typedef struct sq_state_ns {
  uint32_t op, partition;
  const sq_state_type_t *type;
} sq_state_ns_t;

typedef struct sq_state sq_state_t;

/* Visits one entry; return false to stop the scan. The store must not be
 * changed during a scan. */
typedef bool (*sq_state_visit_t)(void *ctx, const void *key, size_t key_len, void *value);

typedef struct sq_state_class {
  void *(*get)(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len, bool create, bool *created);
  bool (*remove)(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len);
  bool (*scan)(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len, sq_state_visit_t visit, void *ctx);
  void (*usage)(const sq_state_t *s, const sq_state_ns_t *ns, size_t *keys, size_t *bytes);
  void (*destroy)(sq_state_t *s);
} sq_state_class_t;

struct sq_state {
  const sq_state_class_t *cls;
};

/* The value under `key`, or NULL if absent and !create. With create, a
 * missing value is made (zeroed, *created set), and NULL means memory ran
 * out. The pointer stays valid until the next get, remove or scan. */
static inline void *sq_state_get(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len, bool create, bool *created) {
  return s->cls->get(s, ns, key, len, create, created);
}
/* Removes `key` (releasing its value); false if it was absent. */
static inline bool sq_state_remove(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len) {
  return s->cls->remove(s, ns, key, len);
}
/* Visits the entries of `ns` whose key starts with `prefix`, in key order.
 * False if the visitor stopped it or memory ran out. */
static inline bool sq_state_scan(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len, sq_state_visit_t visit, void *ctx) {
  return s->cls->scan(s, ns, prefix, len, visit, ctx);
}
/* Keys and bytes held for `ns` (for EXPLAIN and metrics). */
static inline void sq_state_usage(const sq_state_t *s, const sq_state_ns_t *ns, size_t *keys, size_t *bytes) {
  s->cls->usage(s, ns, keys, bytes);
}
static inline void sq_state_destroy(sq_state_t *s) {
  if (s) s->cls->destroy(s);
}

/* The keys of `ns` under `prefix`, in key order, appended to `keys` (a
 * length-prefixed list), so that a caller can change the store, or emit
 * rows to operators that use it, after the scan. False when memory runs
 * out. Read the list back with sq_state_next_key. */
bool sq_state_collect_keys(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len, sq_buf_t *keys);
/* The key at *at in a collected list, advancing *at; false at the end. */
bool sq_state_next_key(const sq_buf_t *keys, size_t *at, const char **key, uint32_t *len);

/* A store that keeps everything in memory. NULL when memory runs out. */
sq_state_t *sq_state_memory_new(void);

#endif
