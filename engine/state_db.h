/* The on-disk side of the state store (ARCHITECTURE.md §4): one LevelDB
 * per pipeline. It holds what the last checkpoint wrote and nothing else:
 * writes only happen as one synced batch per checkpoint, so the database
 * is always exactly one checkpoint. */
#ifndef SQ_STATE_DB_H
#define SQ_STATE_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/buf.h"

typedef struct sq_state_db sq_state_db_t;
typedef struct sq_state_db_batch sq_state_db_batch_t;

/* Opens (creating it if missing or empty) the database in `dir`. A
 * directory that is not a state database, a damaged one, a read-only one,
 * or one in use by another process gives NULL with `err`. */
sq_state_db_t *sq_state_db_open(const char *dir, char *err, size_t err_size);
void sq_state_db_close(sq_state_db_t *db);
/* Deletes the database in `dir` (for --reset-state); false with `err`. */
bool sq_state_db_destroy(const char *dir, char *err, size_t err_size);

/* The value under `key` into `out` (cleared first): 1 found, 0 absent,
 * -1 on a read error (with `err`). Checksums are verified. */
int sq_state_db_get(sq_state_db_t *db, const void *key, size_t len, sq_buf_t *out, char *err, size_t err_size);
/* Calls `visit` for every key starting with `prefix`, in order, from
 * `from` (when not NULL: a key under the prefix) until it returns false;
 * false (with `err`) on a read error. */
bool sq_state_db_keys(sq_state_db_t *db, const void *prefix, size_t len, const void *from, size_t from_len,
                      bool (*visit)(void *ctx, const char *key, size_t len), void *ctx, char *err, size_t err_size);

sq_state_db_batch_t *sq_state_db_batch_new(void);
void sq_state_db_batch_put(sq_state_db_batch_t *b, const void *key, size_t klen, const void *value, size_t vlen);
void sq_state_db_batch_delete(sq_state_db_batch_t *b, const void *key, size_t klen);
/* Writes the batch atomically and durably (fsync); false with `err`. */
bool sq_state_db_write(sq_state_db_t *db, sq_state_db_batch_t *b, char *err, size_t err_size);
/* Writes the batch without waiting for the disk (housekeeping that a
 * crash may lose harmlessly). */
bool sq_state_db_write_unsynced(sq_state_db_t *db, sq_state_db_batch_t *b, char *err, size_t err_size);
void sq_state_db_batch_free(sq_state_db_batch_t *b);

#endif
