/* What the state store needs from a disk: point reads, ordered scans of a
 * key prefix, and atomic batches written durably (a checkpoint) or not
 * (housekeeping a crash may lose harmlessly). The engine sees only this
 * interface; runtime/kit/state_leveldb.c puts LevelDB behind it, so the
 * engine stays free of I/O and its tests may bring their own. */
#ifndef SQ_STORAGE_H
#define SQ_STORAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/buf.h"

typedef struct sq_storage sq_storage_t;
typedef struct sq_storage_batch sq_storage_batch_t;

typedef struct sq_storage_class {
  /* The value under `key` into `out` (cleared first): 1 found, 0 absent,
   * -1 on a read error (with `err`). */
  int (*get)(sq_storage_t *s, const void *key, size_t len, sq_buf_t *out, char *err, size_t err_size);
  /* Calls `visit` for every key starting with `prefix`, in order, from
   * `from` (when not NULL: a key under the prefix) until it returns false;
   * false (with `err`) on a read error. */
  bool (*keys)(sq_storage_t *s, const void *prefix, size_t len, const void *from, size_t from_len,
               bool (*visit)(void *ctx, const char *key, size_t len), void *ctx, char *err, size_t err_size);
  sq_storage_batch_t *(*batch_new)(sq_storage_t *s); /* NULL when out of memory */
  void (*batch_put)(sq_storage_batch_t *b, const void *key, size_t klen, const void *value, size_t vlen);
  void (*batch_delete)(sq_storage_batch_t *b, const void *key, size_t klen);
  /* Writes the batch atomically; with `sync`, durably before returning. */
  bool (*write)(sq_storage_t *s, sq_storage_batch_t *b, bool sync, char *err, size_t err_size);
  void (*batch_free)(sq_storage_batch_t *b);
  void (*close)(sq_storage_t *s);
} sq_storage_class_t;

struct sq_storage {
  const sq_storage_class_t *cls;
};

static inline int sq_storage_get(sq_storage_t *s, const void *key, size_t len, sq_buf_t *out, char *err, size_t err_size) {
  return s->cls->get(s, key, len, out, err, err_size);
}
static inline bool sq_storage_keys(sq_storage_t *s, const void *prefix, size_t len, const void *from, size_t from_len,
                                   bool (*visit)(void *ctx, const char *key, size_t len), void *ctx, char *err, size_t err_size) {
  return s->cls->keys(s, prefix, len, from, from_len, visit, ctx, err, err_size);
}
static inline sq_storage_batch_t *sq_storage_batch_new(sq_storage_t *s) { return s->cls->batch_new(s); }
static inline void sq_storage_batch_put(sq_storage_t *s, sq_storage_batch_t *b, const void *key, size_t klen, const void *value, size_t vlen) {
  s->cls->batch_put(b, key, klen, value, vlen);
}
static inline void sq_storage_batch_delete(sq_storage_t *s, sq_storage_batch_t *b, const void *key, size_t klen) {
  s->cls->batch_delete(b, key, klen);
}
static inline bool sq_storage_write(sq_storage_t *s, sq_storage_batch_t *b, bool sync, char *err, size_t err_size) {
  return s->cls->write(s, b, sync, err, err_size);
}
static inline void sq_storage_batch_free(sq_storage_t *s, sq_storage_batch_t *b) {
  if (b) s->cls->batch_free(b);
}
/* Adds to `b` the deletion of every key of `s` under `prefix` (a scan);
 * false with `err` on a read error. */
typedef struct sq_storage_deleter {
  sq_storage_t *s;
  sq_storage_batch_t *b;
} sq_storage_deleter_t;
static inline bool sq_storage_delete_visit(void *ctx, const char *key, size_t len) {
  sq_storage_deleter_t *d = (sq_storage_deleter_t *)ctx;
  sq_storage_batch_delete(d->s, d->b, key, len);
  return true;
}
static inline bool sq_storage_batch_delete_prefix(sq_storage_t *s, sq_storage_batch_t *b, const void *prefix, size_t len, char *err,
                                                  size_t err_size) {
  sq_storage_deleter_t d = {s, b};
  return sq_storage_keys(s, prefix, len, NULL, 0, sq_storage_delete_visit, &d, err, err_size);
}
/* Closes `s`; NULL is a no-op. */
static inline void sq_storage_close(sq_storage_t *s) {
  if (s) s->cls->close(s);
}

#endif
