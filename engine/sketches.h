/* The bounded or compact summaries behind COUNT(DISTINCT),
 * APPROX_COUNT_DISTINCT (HyperLogLog), APPROX_PERCENTILE (a KLL sketch)
 * and TOPK (Space-Saving), and the hot keys of a partition (Space-Saving
 * in fixed memory). One file each: engine/sketch_<name>.c. */
#ifndef SQ_SKETCHES_H
#define SQ_SKETCHES_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/buf.h"
#include "engine/codec.h"
#include "engine/value.h"

/* A set of 64-bit hashes; zero-initialized is empty. */
typedef struct sq_hash_set {
  uint64_t *slots;
  uint32_t n, cap;
  bool has_zero;
} sq_hash_set_t;
/* 1 if added, 0 if present, -1 when memory runs out. */
int sq_hash_set_add(sq_hash_set_t *s, uint64_t h);
bool sq_hash_set_merge(sq_hash_set_t *dst, const sq_hash_set_t *src);
void sq_hash_set_free(sq_hash_set_t *s);
/* Appends the set to `out` / reads it into an empty set; false when the
 * input is corrupt or memory runs out. */
void sq_hash_set_encode(const sq_hash_set_t *s, sq_buf_t *out);
bool sq_hash_set_decode(sq_hash_set_t *s, sq_cursor_t *in);

/* HyperLogLog with 2^14 registers: about 0.8% standard error, 16 KiB. */
typedef struct sq_hll sq_hll_t;
sq_hll_t *sq_hll_new(void);
void sq_hll_add(sq_hll_t *h, uint64_t hash);
void sq_hll_merge(sq_hll_t *dst, const sq_hll_t *src);
int64_t sq_hll_estimate(const sq_hll_t *h);
void sq_hll_encode(const sq_hll_t *h, sq_buf_t *out);
sq_hll_t *sq_hll_decode(sq_cursor_t *in); /* NULL: corrupt or out of memory */

/* A KLL quantile sketch (k = 256): rank error about 1%, memory
 * O(k log n). Deterministic: the same input gives the same answer. */
typedef struct sq_kll sq_kll_t;
sq_kll_t *sq_kll_new(void);
bool sq_kll_add(sq_kll_t *s, double x);
bool sq_kll_merge(sq_kll_t *dst, const sq_kll_t *src);
sq_value_t sq_kll_quantile(const sq_kll_t *s, double q);
void sq_kll_free(sq_kll_t *s);
void sq_kll_encode(const sq_kll_t *s, sq_buf_t *out);
sq_kll_t *sq_kll_decode(sq_cursor_t *in);

/* Space-Saving top-k with max(10k, 64) counters: exact while the values
 * fit, then the heavy hitters with bounded overcount. */
typedef struct sq_topk sq_topk_t;
sq_topk_t *sq_topk_new(int k);
bool sq_topk_add(sq_topk_t *t, sq_value_t v, int64_t count);
bool sq_topk_merge(sq_topk_t *dst, const sq_topk_t *src);
/* The top k values by count (ties by value) as a JSON array string. */
sq_value_t sq_topk_json(const sq_topk_t *t, sq_arena_t *arena);
void sq_topk_free(sq_topk_t *t);
void sq_topk_encode(const sq_topk_t *t, sq_buf_t *out);
sq_topk_t *sq_topk_decode(sq_cursor_t *in);

/* The heaviest keys of a stream in fixed memory, never allocating:
 * Space-Saving with SQ_HOTKEYS_COUNTERS counters. A key (up to
 * SQ_HOTKEYS_VALUES values) is counted by a 64-bit hash of all of it and
 * kept, for display, in SQ_HOTKEYS_KEY_BYTES (longer keys are cut). A
 * key's count is over its true weight by at most its `error`, itself at
 * most total / SQ_HOTKEYS_COUNTERS; a key above that share always has a
 * counter. Zero-initialized is empty. */
#define SQ_HOTKEYS_COUNTERS 32
#define SQ_HOTKEYS_VALUES 4
#define SQ_HOTKEYS_KEY_BYTES 46
typedef struct sq_hotkey {
  uint64_t error;
  uint8_t n_values;
  bool cut, several; /* cut: what is kept is a prefix; several: a key of more than one value */
  char key[SQ_HOTKEYS_KEY_BYTES];
} sq_hotkey_t;
typedef struct sq_hotkeys {
  /* apart from the keys: a lookup scans the hashes, a new key the counts */
  uint64_t hashes[SQ_HOTKEYS_COUNTERS], counts[SQ_HOTKEYS_COUNTERS];
  sq_hotkey_t keys[SQ_HOTKEYS_COUNTERS];
  uint32_t n;
  uint64_t total; /* the weight added since the last reset */
} sq_hotkeys_t;
/* Counts `weight` records of the key of n values (past SQ_HOTKEYS_VALUES
 * are ignored); returns the weight the key surely has (its count less its
 * error). */
uint64_t sq_hotkeys_add(sq_hotkeys_t *s, const sq_value_t *key, uint32_t n, uint64_t weight);
void sq_hotkeys_reset(sq_hotkeys_t *s);
/* Fills out[0..k) with the counters of the k heaviest keys (indexes of
 * counts and keys), heaviest first, equal counts in the order their
 * counters were taken; returns how many there are. */
uint32_t sq_hotkeys_top(const sq_hotkeys_t *s, uint32_t *out, uint32_t k);
/* Appends the key as text: a value as plain text (NULL as NULL), several
 * as "(a, b)", "..." where it was cut. */
void sq_hotkeys_text(const sq_hotkey_t *k, sq_buf_t *out);

#endif
