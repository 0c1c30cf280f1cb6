/* A hash table from a tuple of values (a GROUP BY key, a DISTINCT row) to
 * a fixed-size payload (accumulators), iterated in insertion order so
 * output order is deterministic. Keys are copied in, strings included;
 * entries live until the table is destroyed (a window closes). */
#ifndef SQ_GROUP_TABLE_H
#define SQ_GROUP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/value.h"

typedef struct sq_group_table sq_group_table_t;

/* NULL when memory runs out. */
sq_group_table_t *sq_group_table_new(uint32_t key_width, size_t payload_size);
void sq_group_table_destroy(sq_group_table_t *t);
/* The group of `key`, inserted (payload zeroed, *created set) if new.
 * NULL when memory runs out. */
void *sq_group_table_upsert(sq_group_table_t *t, const sq_value_t *key, bool *created);
size_t sq_group_table_count(const sq_group_table_t *t);
/* The i-th group in insertion order: its key and payload. */
const sq_value_t *sq_group_table_key(const sq_group_table_t *t, size_t i);
void *sq_group_table_payload(const sq_group_table_t *t, size_t i);
/* Bytes held (keys, payloads, index), for EXPLAIN and metrics. */
size_t sq_group_table_bytes(const sq_group_table_t *t);
/* Copies a string into the table's storage (for payloads that keep
 * strings, like MIN of a STRING); NULL when memory runs out. */
const char *sq_group_table_copy(sq_group_table_t *t, const char *p, uint32_t len);

uint64_t sq_key_hash(const sq_value_t *key, uint32_t width);

#endif
