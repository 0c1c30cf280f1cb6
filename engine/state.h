/* Operator state (docs/ARCHITECTURE.md §4). Every stateful operator keeps its
 * state here, under keys <operator id><partition><key bytes>, so one
 * operator's state for one input partition is one contiguous key range.
 * Values are live objects of a fixed size that the operator mutates in
 * place. The store is a hash table in memory, optionally backed by a
 * storage (engine/storage.h; LevelDB at run time) that holds the last
 * checkpoint: then the table is a bounded write-back cache (hot keys cost
 * a hash lookup, cold keys a storage read), and every change since the last checkpoint is
 * written by the next one in a single synced batch, on a writer thread
 * while the engine goes on (see sq_state_snapshot). Operators do not know
 * which kind of store they use.
 * Keys are bytes; engine/key_codec.h encodes values so that byte order is
 * value order. */
#ifndef SQ_STATE_H
#define SQ_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/buf.h"
#include "engine/codec.h"
#include "engine/storage.h"

/* What kind of value a namespace holds. */
typedef struct sq_state_type {
  size_t size;                                    /* bytes of one value; new values start zeroed */
  void (*release)(void *value, const void *ctx);  /* frees what a value holds outside itself; may be NULL */
  /* To bytes and back, for the disk; NULL: the value is plain data and
   * its `size` bytes are stored as they are. decode fills a zeroed value
   * and returns false on corrupt input (the store then releases it). */
  void (*encode)(const void *value, sq_buf_t *out, const void *ctx);
  bool (*decode)(void *value, sq_cursor_t *in, const void *ctx);
  const void *ctx;
} sq_state_type_t;

/* A task (docs/ARCHITECTURE.md §8) owns state partitions
 * [task * SQ_STATE_TASK_PARTITIONS, (task + 1) * SQ_STATE_TASK_PARTITIONS)
 * of every operator: an operator may use that many namespaces. */
#define SQ_STATE_TASK_PARTITIONS 64

/* One operator's state for one input partition. */
typedef struct sq_state_ns {
  uint32_t op, partition;
  const sq_state_type_t *type;
} sq_state_ns_t;

typedef struct sq_state sq_state_t;

/* A store in memory only (db NULL, cache_bytes ignored), or over `db`
 * (which it then owns) with a cache of about `cache_bytes`. NULL when
 * memory runs out or the database cannot be read (with `err`). */
sq_state_t *sq_state_new(sq_storage_t *db, size_t cache_bytes, char *err, size_t err_size);
void sq_state_destroy(sq_state_t *s);

/* The value under `key`, or NULL if absent and !create. With create, a
 * missing value is made (zeroed, *created set). NULL otherwise means
 * memory ran out or the disk failed (sq_state_error says which). The
 * pointer stays valid until the next get, remove or collect; the caller
 * may change the value. */
void *sq_state_get(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len, bool create, bool *created);
/* The value under `key` for reading only, or NULL: it is not marked
 * changed, so the cache may evict it (reading a whole window costs no
 * memory). Valid until the next call into the store. */
const void *sq_state_peek(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len);
/* Removes `key` (releasing its value); false if it was absent. */
bool sq_state_remove(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len);
/* Removes the key whose value (`value`, under a key of `key_len` bytes)
 * sq_state_get has just returned, with no call into the store since:
 * sq_state_remove without a second lookup. False as sq_state_remove. */
bool sq_state_remove_value(sq_state_t *s, void *value, size_t key_len);
/* Removes every key under `prefix` at once, without reading them (a
 * closed window): memory stays bounded however many there are on disk.
 * The caller never creates keys under the prefix again. False when
 * memory runs out. */
bool sq_state_remove_range(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len);
/* The keys of `ns` under `prefix` that sort after `after` (from the first
 * when `after` is NULL), in key order, at most `max` of them (all of them
 * when the store holds everything in memory), appended to
 * `keys` (a length-prefixed list), so that a caller can change the store,
 * or emit rows to operators that use it, while it walks them; a caller
 * wanting them all asks again after the last one it got, so memory stays
 * bounded. False when memory runs out or the disk fails. Read the list
 * back with sq_state_next_key. */
bool sq_state_collect_keys(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len, const void *after,
                           size_t after_len, size_t max, sq_buf_t *keys);
/* The key at *at in a collected list, advancing *at; false at the end. */
bool sq_state_next_key(const sq_buf_t *keys, size_t *at, const char **key, uint32_t *len);
/* Keys held for `ns` (in memory and on disk) and the bytes of those in
 * memory (for EXPLAIN and metrics). */
void sq_state_usage(const sq_state_t *s, const sq_state_ns_t *ns, size_t *keys, size_t *bytes);

/* The first disk or corruption error the store met, or NULL. */
const char *sq_state_error(const sq_state_t *s);
/* True when the changes since the last checkpoint, with what writing
 * them costs (a fixed amount per changed key), fill half the cache: only
 * a written checkpoint makes their memory evictable. */
bool sq_state_wants_checkpoint(const sq_state_t *s);

typedef struct sq_state_commit_stats {
  size_t written, deleted, bytes;
} sq_state_commit_stats_t;

/* A checkpoint in three steps, so that the engine need not wait for the
 * disk (docs/ARCHITECTURE.md §4):
 *  1. sq_state_snapshot (engine thread, O(1) in the changed entries): the
 *     set of changes since the last snapshot, the key counts and removed
 *     ranges as of now, and `meta` (the checkpoint record, copied): one
 *     object. Its entries are immutable from now on (an operator that
 *     changes one gets a copy); the engine goes on. NULL with `err` when
 *     memory runs out or a snapshot is still out.
 *  2. sq_state_snapshot_write (any one thread): ONE synced batch holding
 *     all of it; then, with `clean_up`, the disk keys of recorded ranges
 *     are deleted in unsynced batches until done or interrupted
 *     (sq_state_snapshot_interrupt, any thread). False when the batch
 *     failed: nothing of it was written.
 *  3. sq_state_snapshot_finish (engine thread, after step 2 returned and
 *     its thread is joined or synchronized with): frees the snapshot;
 *     false (with the write's error) when it was not written, its changes
 *     then go out with the next snapshot. */
typedef struct sq_state_snapshot sq_state_snapshot_t;
sq_state_snapshot_t *sq_state_snapshot(sq_state_t *s, const void *meta, size_t meta_len, bool clean_up, char *err, size_t err_size);
bool sq_state_snapshot_write(sq_state_snapshot_t *snap);
void sq_state_snapshot_interrupt(sq_state_snapshot_t *snap);
bool sq_state_snapshot_finish(sq_state_t *s, sq_state_snapshot_t *snap, sq_state_commit_stats_t *stats, char *err, size_t err_size);
/* What a snapshot makes durable, visited (on the thread that writes it,
 * before sq_state_snapshot_write): every changed key with its encoded
 * value (NULL: deleted), then every key range removed whole. A changelog
 * (docs/ARCHITECTURE.md §8) is produced from it. */
typedef struct sq_state_visitor {
  void (*put)(void *ctx, const char *key, size_t len, const void *value, size_t value_len);
  void (*remove_range)(void *ctx, const char *prefix, size_t len);
} sq_state_visitor_t;
void sq_state_snapshot_visit(sq_state_snapshot_t *snap, const sq_state_visitor_t *v, void *ctx);
/* Instead of sq_state_snapshot_write: the checkpoint cannot be written
 * (`why`); sq_state_snapshot_finish then fails with it. */
void sq_state_snapshot_refuse(sq_state_snapshot_t *snap, const char *why);
/* The three steps at once, on the calling thread. A store without a
 * database writes nothing. */
bool sq_state_commit(sq_state_t *s, const void *meta, size_t meta_len, sq_state_commit_stats_t *stats, char *err, size_t err_size);
/* Drops from memory every entry of state partitions [lo, hi) (a task
 * that moved to another process: its operators are about to go), which
 * must all be unchanged since the last written checkpoint (false if
 * not); they are read from the storage again if needed. */
bool sq_state_forget(sq_state_t *s, uint32_t lo, uint32_t hi);
/* The storage under the store (NULL: in memory only); a task restored
 * from its changelog is written there directly, after sq_state_forget. */
sq_storage_t *sq_state_storage(sq_state_t *s);
/* The checkpoint record of the last commit into `out`: 1 found, 0 none
 * (a fresh database), -1 on a read error (with `err`). */
int sq_state_storage_meta(sq_storage_t *db, sq_buf_t *out, char *err, size_t err_size);

#endif
